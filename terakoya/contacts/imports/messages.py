"""Import messages are stored as written (by a worker, in whatever language was active) and
shown in the reader's language: a stored message is matched against each known message in every
language, and written again, with the same values, in the language active now."""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

# Every message an import stores (per line, or for a dry run that failed).
STORED_MESSAGES = [
    _("The email address is missing."),
    _("“%(value)s” is not a valid email address."),
    _("The name is longer than 150 characters."),
    _("“%(value)s” is not a phone number."),
    _("Unknown language “%(value)s” (use ja or en)."),
    _("This email is already on line %(line)s of the file; merge the two lines."),
    _("This contact is in the trash. Restore it first, then import this line again."),
    _("The uploaded file was removed after %(days)s days. Upload it again."),
    _("Map the columns first."),
    _("This import has already started."),
    _("This file is UTF-16. Save it as “CSV UTF-8” (or CSV) and upload it again."),
    _("This does not look like a CSV file (it contains binary data)."),
    _("The file mixes text encodings near line %(line)s. Save it as “CSV UTF-8”."),
    _("The CSV file is malformed near line %(line)s."),
    _("The file is empty."),
    _("The file has too many columns."),
    _("The file has no header row."),
    _("The file has a header row but no contacts."),
    _("There is no column named “%(name)s”."),
    _("Choose the column that holds the email address."),
]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _pattern(text: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(text)
    # split() alternates literal text and placeholder names.
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*)" for i, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z", re.DOTALL)


@functools.cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for msgid in STORED_MESSAGES:
        found.append((msgid, _pattern(msgid)))
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                translated = gettext(msgid)
            if translated != msgid:
                found.append((msgid, _pattern(translated)))
    return found


def localize(message: str) -> str:
    """The stored message in the active language (unknown messages are shown as stored)."""
    text = str(message)
    for msgid, pattern in _patterns():
        match = pattern.match(text)
        if match:
            return gettext(msgid) % match.groupdict() if match.groupdict() else gettext(msgid)
    return text
