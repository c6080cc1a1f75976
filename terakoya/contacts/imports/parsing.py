"""Reading contact CSV files: encoding, headers, suggested mappings, presets and row cleaning.

Everything here is pure Python (no database), so the dry run, the import and the CLI share it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from terakoya.contacts.search import search_text

# A cell larger than this means a broken file (usually an unclosed quote swallowing the rest).
MAX_CELL_BYTES = 1024 * 1024
MAX_COLUMNS = 200
csv.field_size_limit(MAX_CELL_BYTES)

FIELDS: dict[str, Any] = {
    "": _("Do not import"),
    "email": _("Email"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "full_name": _("Full name (split into first and last)"),
    "phone": _("Phone"),
    "language": _("Language"),
    "tags": _("Tags (several per cell)"),
    "consent": _("Marketing email consent"),
    "note": _("Note"),
}
SINGLE_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "full_name",
    "phone",
    "language",
    "consent",
    "note",
)
NOTE_MAX_LENGTH = 10_000  # contacts.models.NOTE_MAX_LENGTH (this module has no Django models)

# Header (normalized: NFKC, lower case, no spaces/underscores/hyphens) → field.
HEADER_SUGGESTIONS: dict[str, str] = {}
for _field, _names in {
    "email": [
        "email",
        "emailaddress",
        "e-mail",
        "mail",
        "mailaddress",
        "メールアドレス",
        "メール",
        "eメール",
        "eメールアドレス",
        "電子メール",
        "pcメールアドレス",
        "メアド",
    ],
    "first_name": [
        "firstname",
        "givenname",
        "forename",
        "first",
        "名",
        "名前(名)",
        "下の名前",
        "めい",
    ],
    "last_name": [
        "lastname",
        "surname",
        "familyname",
        "last",
        "姓",
        "名前(姓)",
        "苗字",
        "名字",
        "せい",
    ],
    "full_name": ["name", "fullname", "氏名", "名前", "お名前", "フルネーム", "contactname"],
    "phone": [
        "phone",
        "phonenumber",
        "tel",
        "telephone",
        "mobile",
        "mobilephone",
        "cell",
        "電話番号",
        "電話",
        "携帯電話",
        "携帯電話番号",
        "携帯番号",
        "tel番号",
    ],
    "language": ["language", "locale", "lang", "言語"],
    "tags": ["tags", "tag", "labels", "label", "タグ", "ラベル"],
    "note": ["note", "notes", "memo", "メモ", "備考"],
}.items():
    for _name in _names:
        HEADER_SUGGESTIONS[
            re.sub(r"[\s_\-・]", "", unicodedata.normalize("NFKC", _name).lower())
        ] = _field


def normalize_header(header: str) -> str:
    return re.sub(r"[\s_\-・]", "", unicodedata.normalize("NFKC", header).lower())


# Presets: recognised from a set of headers another platform always writes.
PRESETS: dict[str, dict[str, Any]] = {
    "kajabi": {
        "label": _("Kajabi contact export"),
        "requires": {"email"},
        "any_of": [
            {"name", "offers"},
            {"name", "products"},
            {"name", "created at", "tags"},
            {"first name", "last name", "offers"},
        ],
        "mapping": {
            "name": "full_name",
            "first name": "first_name",
            "last name": "last_name",
            "email": "email",
            "phone number": "phone",
            "phone": "phone",
            "tags": "tags",
        },
    },
    "ghost": {
        "label": _("Ghost member export"),
        "requires": {"email", "subscribed_to_emails"},
        "any_of": [{"labels"}, {"name"}],
        "mapping": {"email": "email", "name": "full_name", "labels": "tags", "note": "note"},
    },
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is shown to the person importing."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class FileInfo:
    encoding: str
    headers: list[str]
    total_rows: int
    preset: str = ""


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932 (Shift_JIS as Excel in Japan writes it)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            _("This file is UTF-16. Save it as “CSV UTF-8” (or CSV) and upload it again.")
        )
    if b"\x00" in head:
        raise ImportFileError(_("This does not look like a CSV file (it contains binary data)."))
    try:
        _decode_prefix(head, "utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        _decode_prefix(head, "cp932")
        return "cp932"
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The file is neither UTF-8 nor Shift_JIS. Save it as “CSV UTF-8” and upload "
                "it again."
            )
        )


def _decode_prefix(data: bytes, encoding: str) -> None:
    # The sample may end in the middle of a multi-byte character; an incremental decoder
    # without final=True tolerates that and still rejects real errors.
    codecs.getincrementaldecoder(encoding)().decode(data, final=False)


def open_text(raw: IO[bytes], encoding: str) -> io.TextIOWrapper:
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")  # type: ignore[type-var]


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for i, header in enumerate(headers):
        name = header.strip() or f"column {i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        result.append(name)
    return result


def iter_rows(
    raw: IO[bytes], encoding: str, check: FileCheck | None = None
) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cells) for every row, the header being row 1; raises ImportFileError.

    Rows are numbered as records, as a spreadsheet numbers them: a quoted cell with a line
    break is still one row, so it does not shift the numbers of the rows after it. With
    `check`, each row is also looked at for signs of a broken file (see FileCheck)."""
    text = open_text(raw, encoding)
    reader = csv.reader(text)
    number = 0
    try:
        for cells in reader:
            number += 1
            if "\x00" in "".join(cells):
                raise ImportFileError(
                    _("This does not look like a CSV file (it contains binary data).")
                )
            if check is not None:
                check.row(number, reader.line_num, cells)
            yield number, cells
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file mixes text encodings near line %(line)s. Save it as “CSV UTF-8”.")
            % {"line": number + 1}
        )
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError(
                _(
                    "A cell near line %(line)s is larger than 1 MB. The file is probably "
                    "broken (for example a quote that is never closed)."
                )
                % {"line": number + 1}
            )
        raise ImportFileError(
            _("The CSV file is malformed near line %(line)s.") % {"line": number + 1}
        )
    finally:
        text.detach()


KANA_RE = re.compile(r"[\u3040-\u30ff]")
# Never in real Shift_JIS text: the user-defined area (bytes F0–F9) and C1 controls (byte 80).
ODD_RE = re.compile(r"[\ue000-\uf8ff\x80-\x9f]")
# An ASCII letter glued to a kanji or a half-width kana: what Latin-1 (é = E9, Ä = C4…) turns
# into when read as Shift_JIS ("Renée" → "Ren馥").
GLUED_RE = re.compile(r"[A-Za-z][\u3400-\u9fff\uff61-\uff9f]|[\u3400-\u9fff\uff61-\uff9f][A-Za-z]")
MAX_WARNED_LINES = 5


class FileCheck:
    """Signs that a file was read but not as its author meant it, for the dry run's warnings.

    - A quote that is never closed: the csv module then reads the following lines into one
      cell (to the next quote or the end of the file) without complaint. Such a cell spans
      several lines and holds commas.
    - A file that is not UTF-8 and was read as Shift_JIS although it is not (an ASCII file
      with a few Latin-1 bytes, say): its names come out as stray kanji."""

    def __init__(self, encoding: str) -> None:
        self.sjis = encoding == "cp932"
        self._last_line = 0
        self.swallowing: list[tuple[int, int]] = []  # (row number, physical lines it spans)
        self.odd_rows: list[int] = []
        self.glued_rows: list[int] = []
        self.kana = False

    def row(self, number: int, line: int, cells: list[str]) -> None:
        span, self._last_line = line - self._last_line, line
        if span > 1 and any("\n" in c and "," in c.partition("\n")[2] for c in cells):
            self.swallowing.append((number, span))
        if self.sjis:
            joined = "".join(cells)
            if joined.isascii():
                return
            if not self.kana and KANA_RE.search(joined):
                self.kana = True
            if ODD_RE.search(joined):
                self.odd_rows.append(number)
            elif GLUED_RE.search(joined):
                self.glued_rows.append(number)

    def warnings(self) -> list[str]:
        found: list[str] = []
        for number, span in self.swallowing[:MAX_WARNED_LINES]:
            found.append(
                str(
                    _(
                        "Line %(line)s has a cell that runs over %(count)s lines of the file "
                        "and holds commas: a quote is probably never closed, so the lines after "
                        "it were read into that cell. Check the quotes in the file."
                    )
                    % {"line": number, "count": span}
                )
            )
        garbled = sorted({*self.odd_rows, *([] if self.kana else self.glued_rows)})
        if garbled:
            found.append(
                str(
                    _(
                        "This file is not UTF-8, and it does not read like Shift_JIS either "
                        "(it may be Latin-1 or another encoding): names on lines %(lines)s may "
                        "come out garbled. Save it as “CSV UTF-8” and upload it again."
                    )
                    % {"lines": ", ".join(str(n) for n in garbled[:MAX_WARNED_LINES])}
                )
            )
        return found


def sniff_encoding(raw: IO[bytes]) -> str:
    """Detect the encoding from the whole file (a UTF-8 prefix may hide CP932 further down)."""
    raw.seek(0)
    head = raw.read(256 * 1024)
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    encoding = detect_encoding(head)
    if encoding == "utf-8":
        decoder = codecs.getincrementaldecoder("utf-8")()
        raw.seek(0)
        try:
            while chunk := raw.read(4 * 1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding = "cp932"
    return encoding


def inspect_file(raw: IO[bytes]) -> FileInfo:
    """Check a whole uploaded file once: encoding, headers, row count, preset."""
    encoding = sniff_encoding(raw)
    headers: list[str] | None = None
    total = 0
    for _line, cells in iter_rows(raw, encoding):
        if headers is None:
            if len(cells) > MAX_COLUMNS:
                raise ImportFileError(_("The file has too many columns."))
            headers = _unique_headers(cells)
            continue
        if any(c.strip() for c in cells):
            total += 1
    if not headers or not any(h.strip() for h in headers):
        raise ImportFileError(_("The file has no header row."))
    return FileInfo(
        encoding=encoding, headers=headers, total_rows=total, preset=detect_preset(headers)
    )


def detect_preset(headers: list[str]) -> str:
    lowered = {h.strip().lower() for h in headers}
    for key, preset in PRESETS.items():
        if preset["requires"] <= lowered and any(group <= lowered for group in preset["any_of"]):
            return key
    return ""


def suggest_mapping(headers: list[str], preset: str = "") -> dict[str, str]:
    """column → field. Each single-value field is suggested for at most one column."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    preset_map = PRESETS[preset]["mapping"] if preset in PRESETS else {}
    for header in headers:
        guess = preset_map.get(header.strip().lower()) or HEADER_SUGGESTIONS.get(
            normalize_header(header), ""
        )
        if guess in SINGLE_FIELDS and guess in used:
            guess = ""
        if guess:
            used.add(guess)
        mapping[header] = guess
    # A separate first/last name beats a combined one.
    if {"first_name", "last_name"} <= used and "full_name" in used:
        mapping = {h: ("" if f == "full_name" else f) for h, f in mapping.items()}
    return mapping


def validate_mapping(headers: list[str], mapping: dict[str, str]) -> list[str]:
    """Return localized problems with a mapping (empty when it is usable)."""
    problems: list[str] = []
    fields = [f for f in mapping.values() if f]
    for name in mapping:
        if name not in headers:
            problems.append(str(_("There is no column named “%(name)s”.") % {"name": name}))
    for value in fields:
        if value not in FIELDS:
            problems.append(str(_("“%(field)s” is not a contact field.") % {"field": value}))
    if "email" not in fields:
        problems.append(str(_("Choose the column that holds the email address.")))
    for single in SINGLE_FIELDS:
        if fields.count(single) > 1:
            problems.append(
                str(_("Only one column can be “%(field)s”.") % {"field": FIELDS[single]})
            )
    return problems


# --- Cleaning one row ----------------------------------------------------------------------------

CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
TAG_SPLIT_RE = re.compile(r"[,;|、，；]")
PHONE_STRIP_RE = re.compile(r"[\s\-().\u2010-\u2015\u30fc\uff0d]")
E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
JP_DOMESTIC_RE = re.compile(r"^0\d{9,10}$")
TRUE_WORDS = {
    "1",
    "y",
    "yes",
    "true",
    "t",
    "subscribed",
    "subscribe",
    "opt-in",
    "optin",
    "opted in",
    "はい",
    "購読",
    "購読中",
    "購読する",
    "済",
    "同意",
    "同意済み",
    "あり",
    "○",
    "◯",
}
LANGUAGES = {
    "ja": "ja",
    "jp": "ja",
    "ja-jp": "ja",
    "ja_jp": "ja",
    "japanese": "ja",
    "日本語": "ja",
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "en_us": "en",
    "en_gb": "en",
    "english": "en",
    "英語": "en",
}


def split_full_name(value: str) -> tuple[str, str]:
    """Return (first, last). Japanese order is family name first; Western is given name first."""
    name = " ".join(value.replace("\u3000", " ").split())
    if not name:
        return "", ""
    if "," in name and not CJK_RE.search(name):
        last, _sep, first = name.partition(",")
        return first.strip(), last.strip()
    parts = name.split(" ")
    if CJK_RE.search(name):
        if len(parts) == 1:
            return "", name  # not separable: keep it whole as the family name
        return " ".join(parts[1:]), parts[0]
    if len(parts) == 1:
        return name, ""
    return " ".join(parts[:-1]), parts[-1]


@lru_cache(maxsize=4096)
def _parse_phone_slow(value: str, region: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone(value: str, region: str = "JP") -> str | None:
    """E.164, or None when the value is not a phone number. Empty stays empty."""
    raw = unicodedata.normalize("NFKC", value).strip()
    if not raw:
        return ""
    compact = PHONE_STRIP_RE.sub("", raw)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if E164_RE.match(compact):
        return compact
    if region == "JP" and JP_DOMESTIC_RE.match(compact):
        return "+81" + compact[1:]
    return _parse_phone_slow(raw, region)


def split_tags(value: str) -> list[str]:
    tags = []
    for part in TAG_SPLIT_RE.split(value):
        tag = " ".join(part.split())[:100]
        if tag and tag not in tags:
            tags.append(tag)
    return tags


@lru_cache(maxsize=8192)
def _email_ok(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


EMAIL_FAST_RE = re.compile(r"^[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}$")


def email_is_valid(email: str) -> bool:
    if len(email) > 254:
        return False
    if EMAIL_FAST_RE.match(email) and ".." not in email:
        return True
    return _email_ok(email)


def search_text_for(email: str, first: str, last: str, phone: str) -> str:
    """Exactly Contact.build_search_text for a contact without alternate emails (the loader
    adds those of updated contacts: contacts.search.with_alternate_emails)."""
    return search_text(email, first, last, phone)


@dataclass(slots=True)
class CleanRow:
    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    language: str = ""
    tags: list[str] = field(default_factory=list)
    consent: bool = False
    note: str = ""
    error: str = ""


class RowCleaner:
    """Turns the cells of one row into a CleanRow under a mapping (column → field)."""

    def __init__(self, headers: list[str], mapping: dict[str, str], region: str = "JP") -> None:
        self.region = region
        index = {h: i for i, h in enumerate(headers)}
        self.columns: dict[str, list[int]] = {}
        for column, target in mapping.items():
            if target and column in index:
                self.columns.setdefault(target, []).append(index[column])
        # The column of each single-value field, looked up once: clean() runs a million times.
        first = {target: columns[0] for target, columns in self.columns.items()}
        self._email = first.get("email")
        self._first_name = first.get("first_name")
        self._last_name = first.get("last_name")
        self._full_name = first.get("full_name")
        self._phone = first.get("phone")
        self._language = first.get("language")
        self._consent = first.get("consent")
        self._note = first.get("note")
        self._tags = self.columns.get("tags", [])

    @staticmethod
    def _cell(cells: list[str], i: int | None) -> str:
        if i is None or i >= len(cells):
            return ""
        value = cells[i].strip()
        if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
            value = value[1:]  # our errors CSV guards formulas this way; undo it on re-upload
        return value

    def clean(self, line: int, cells: list[str]) -> CleanRow:
        cell = self._cell
        email = cell(cells, self._email).lower()
        row = CleanRow(line=line, email=email)
        if not email:
            row.error = str(_("The email address is missing."))
            return row
        if not email_is_valid(email):
            row.error = str(_("“%(value)s” is not a valid email address.") % {"value": email[:80]})
            return row
        first = cell(cells, self._first_name)
        last = cell(cells, self._last_name)
        if not (first or last) and self._full_name is not None:
            first, last = split_full_name(cell(cells, self._full_name))
        if len(first) > 150 or len(last) > 150:
            row.error = str(_("The name is longer than 150 characters."))
            return row
        row.first_name = " ".join(first.split())
        row.last_name = " ".join(last.split())
        phone_raw = cell(cells, self._phone)
        if phone_raw:
            phone = normalize_phone(phone_raw, self.region)
            if phone is None or len(phone) > 20:
                row.error = str(_("“%(value)s” is not a phone number.") % {"value": phone_raw[:40]})
                return row
            row.phone = phone
        language = cell(cells, self._language)
        if language:
            code = LANGUAGES.get(language.lower())
            if code is None:
                row.error = str(
                    _("Unknown language “%(value)s” (use ja or en).") % {"value": language[:20]}
                )
                return row
            row.language = code
        for i in self._tags:
            if i < len(cells):
                for tag in split_tags(cells[i]):
                    if tag not in row.tags:
                        row.tags.append(tag)
        if self._note is not None:
            # Line breaks inside a note are kept; only the ends are trimmed.
            note = cell(cells, self._note)
            if len(note) > NOTE_MAX_LENGTH:
                row.error = str(_("The note is longer than 10,000 characters."))
                return row
            row.note = note
        if self._consent is not None:
            consent = cell(cells, self._consent)
            row.consent = unicodedata.normalize("NFKC", consent).strip().lower() in TRUE_WORDS
        return row
