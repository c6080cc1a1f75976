"""What contact search matches: the stored `Contact.search_text` and the query, folded alike.

Search is a substring match of the folded query in the folded search text (see
`terakoya.contacts.queries.search_filter`). Both sides go through `fold()`: Unicode NFKC (so
full-width ｍｉｓａｋｉ is misaki and half-width ｶﾀｶﾅ is カタカナ) and case folding, with runs
of whitespace (including the ideographic space) made one space.

The search text holds, in this order:

- the email;
- the name as written ("first last") and family name first ("last first"), and for a name in
  Japanese script also without a space ("lastfirst"), so 「高橋 美咲」, 「高橋美咲」,
  「美咲 高橋」 and "yamada hanako" all find the contact;
- the phone in E.164 (+819011112222) and in national digits (09011112222);
- the contact's alternate emails (addresses of contacts merged into it).

A query that looks like a phone number (digits with separators, an optional leading +) loses
its separators, so 090-1111-2222, 090 1111 2222, 09011112222 and +81 90-1111-2222 all match.

The import computes the same text for a million rows (`imports.parsing.search_text_for`), so
this is plain string work: no phone parsing per row (the national prefix is looked up once
per country calling code).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from terakoya.contacts.names import has_japanese_script

# Separators people type inside phone numbers (after NFKC: hyphen-minus, dashes, the minus
# sign, the katakana prolonged sound mark used as a dash, dots, brackets, spaces).
_SEP = r"\s\-\u2010-\u2015\u2212\u30fc()."
_PHONE_QUERY_RE = re.compile(rf"^\+?[0-9{_SEP}]*[0-9][0-9{_SEP}]*$")
_NOT_DIGIT_RE = re.compile(r"[^0-9]")


def fold(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: how both the stored text and queries compare."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.casefold().split())


def _calling_code_and_prefix(digits3: str) -> tuple[str, str]:
    """For the first three digits of an E.164 number: its country calling code and that
    country's national (trunk) prefix ("" if none or unknown). Cached in _PREFIXES."""
    import phonenumbers

    found = ("", "")
    for length in (1, 2, 3):
        code = digits3[:length]
        regions = (
            phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(code)) if code.isdigit() else None
        )
        if regions:
            metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0])
            found = (code, (metadata.national_prefix or "") if metadata is not None else "")
            break
    if len(_PREFIXES) < 2000:
        _PREFIXES[digits3] = found
    return found


_PREFIXES: dict[str, tuple[str, str]] = {}


def phone_forms(phone: str) -> list[str]:
    """The stored phone and its national digits: "+819011112222" → [that, "09011112222"]."""
    if not phone:
        return []
    if phone[0] != "+":
        return [phone.strip()]
    head = phone[1:4]
    code, prefix = _PREFIXES.get(head) or _calling_code_and_prefix(head)
    if not prefix:
        return [phone]  # the E.164 digits already contain any national form without a prefix
    national = prefix + phone[1 + len(code) :]
    return [phone] if national in phone else [phone, national]


def name_forms(first: str, last: str) -> list[str]:
    """The name as written, family name first, and (Japanese script) without a space."""
    return _name_forms(fold(first), fold(last))


def _name_forms(first: str, last: str) -> list[str]:
    if not (first and last):
        return [first or last] if (first or last) else []
    forms = [f"{first} {last}", f"{last} {first}"]
    if not (first.isascii() and last.isascii()) and has_japanese_script(first + last):
        forms.append(f"{last}{first}")
    return forms


def search_text(
    email: str, first: str, last: str, phone: str, alternate_emails: Iterable[str] = ()
) -> str:
    """The text stored in `Contact.search_text` (see the module's docstring).

    The import calls this for every row of a million-row file, so the three texts are folded
    in one go (one NFKC pass, one case fold) rather than one by one."""
    raw = f"{email}\x1f{first}\x1f{last}"
    if raw.isascii():
        raw = raw.lower()
    else:
        raw = unicodedata.normalize("NFKC", raw).casefold()
    email, first, last = raw.split("\x1f")
    email = email.strip()
    first = " ".join(first.split())
    last = " ".join(last.split())
    parts = [email, *_name_forms(first, last), *phone_forms(phone)]
    if alternate_emails:
        parts.extend(fold(e) for e in alternate_emails)
    return " ".join(p for p in parts if p)


def with_alternate_emails(text: str, alternate_emails: Iterable[str]) -> str:
    """`text` (a search_text without alternates) with these alternate emails added, exactly as
    `search_text(..., alternate_emails)` would have them."""
    extra = " ".join(e for e in (fold(e) for e in alternate_emails) if e)
    return f"{text} {extra}" if text and extra else (text or extra)


def normalize_query(q: str) -> str:
    """The query folded like the search text; a phone number loses its separators."""
    q = fold((q or "").replace("\x00", ""))
    if q and _PHONE_QUERY_RE.match(q):
        digits = _NOT_DIGIT_RE.sub("", q)
        q = ("+" + digits) if q.startswith("+") else digits
    return q
