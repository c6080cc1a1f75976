"""How a person's name is shown: the one function behind pages, emails, CSV exports and the
API's `display_name`.

Decision (docs/architecture.md, "Names"):

- A name written in Japanese script (kanji, hiragana or katakana in either part) is shown
  family name first, then the given name, separated by a space — 「山田 花子」 — in every
  language of the interface: that is how the person writes their own name.
- A name in Latin (or any other) script is shown as it is written, given name first —
  "Emma Clarke" — in English *and* in the Japanese interface. Japanese products (LINE,
  Kajabi's Japanese UI, Japanese newspapers writing foreign names) keep a Western name in its
  own order; only Japanese names are reordered. So the order depends on the name, not on the
  reader's language.
- Forms (add, edit, merge) ask 姓 (last name) before 名 (first name) in the Japanese
  interface, and first name before last name in English: `asks_family_name_first()`.
- Honorifics are part of the translated sentence that greets the person, not of the name:
  「%(name)s 様」 in emails, 「ようこそ、%(name)s さん」 in the customer center.

The inverse, splitting a single "Name" column on import, follows the same rule
(`terakoya.contacts.imports.parsing.split_full_name`), so an exported name imports back into
the same two fields.
"""

from __future__ import annotations

import re

from django.utils.translation import get_language

# Hiragana, katakana (full and half width), CJK ideographs (incl. extension A and the
# compatibility block) and the iteration marks 々〆.
JAPANESE_SCRIPT_RE = re.compile(
    r"[\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]"
)


def has_japanese_script(text: str) -> bool:
    return bool(text) and JAPANESE_SCRIPT_RE.search(text) is not None


def family_first(first: str, last: str) -> bool:
    """True when this name is shown family name first (it is written in Japanese script)."""
    return has_japanese_script(last) or has_japanese_script(first)


def display_name(first: str, last: str) -> str:
    """The person's name as every page, email, export and API answer shows it ("" if none).

    >>> display_name("花子", "山田")
    '山田 花子'
    >>> display_name("Emma", "Clarke")
    'Emma Clarke'
    """
    first = " ".join((first or "").split())
    last = " ".join((last or "").split())
    parts = (last, first) if family_first(first, last) else (first, last)
    return " ".join(p for p in parts if p)


def asks_family_name_first(language: str | None = None) -> bool:
    """Whether forms in this interface language (default: the active one) ask 姓 before 名."""
    return (language or get_language() or "").startswith("ja")
