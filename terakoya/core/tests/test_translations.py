"""Japanese is first-class: every catalog is complete and compiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.rglob("locale/ja/LC_MESSAGES/django.po"))


def _simple_messages(po_path: Path) -> dict[str, str]:
    with po_path.open("rb") as fh:
        return {
            m.id: m.string
            for m in read_po(fh)
            if m.id and isinstance(m.id, str) and not m.context and m.string and not m.fuzzy
        }


def test_there_is_a_japanese_catalog():
    # Given the Japanese catalogs: the foundation's and at least one per domain app
    names = {str(p.relative_to(ROOT)) for p in CATALOGS}
    assert "locale/ja/LC_MESSAGES/django.po" in names
    assert {"contacts", "accounts", "portal"} <= {p.relative_to(ROOT).parts[0] for p in CATALOGS}
    messages = {p: _simple_messages(p) for p in CATALOGS}
    from django.utils import translation

    for po_path, catalog in messages.items():
        # a message only this catalog has (so no other catalog's translation can answer)
        others = {m for other, c in messages.items() if other != po_path for m in c}
        msgid = next(m for m in catalog if m not in others and "%" not in m)
        # When Django translates it to Japanese
        with translation.override("ja"):
            translated = translation.gettext(msgid)
        # Then the compiled catalog answers with its Japanese text
        assert translated == catalog[msgid], (po_path, msgid)
        assert translated != msgid


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_has_a_japanese_translation(po_path):
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            untranslated.append(message.id)
    assert untranslated == []


def test_placeholders_survive_translation():
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
    broken = []
    for po_path in CATALOGS:
        with po_path.open("rb") as fh:
            for message in read_po(fh):
                if not message.id or not message.string:
                    continue
                source = message.id if isinstance(message.id, str) else message.id[0]
                target = message.string if isinstance(message.string, str) else message.string[0]
                if set(placeholder.findall(source)) != set(placeholder.findall(target)):
                    broken.append((po_path.name, source))
    assert broken == []
