"""Compile every .po file under terakoya/ to .mo with Babel.

Django's compilemessages needs GNU gettext's msgfmt, which a fresh machine does not have;
Babel is a Python dependency, so `make install` can always compile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.core.management.base import BaseCommand

ROOT = Path(__file__).resolve().parents[3]


class Command(BaseCommand):
    help = "Compile the project's .po translation files (no gettext needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for po_path in ROOT.rglob("locale/*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, abort_invalid=True)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog, use_fuzzy=False)
            compiled += 1
        if compiled and options.get("verbosity", 1) > 1:
            self.stdout.write(f"compiled {compiled} translation file(s)")
