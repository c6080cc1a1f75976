"""Japanese is first-class: every catalog is complete and compiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.rglob("locale/ja/LC_MESSAGES/django.po"))


def test_there_is_a_japanese_catalog():
    assert CATALOGS


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
