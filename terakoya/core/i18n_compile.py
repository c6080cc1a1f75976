"""Compile every .po file under terakoya/ to .mo with Babel: `python -m terakoya.core.i18n_compile`.

Django's compilemessages needs GNU gettext's msgfmt, which a fresh machine does not have;
Babel is a Python dependency, so `make install` can always compile. Needs no Django settings.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def compile_all(root: Path = ROOT, force: bool = False) -> int:
    compiled = 0
    for po_path in root.rglob("locale/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, abort_invalid=True)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        compiled += 1
    return compiled


if __name__ == "__main__":
    count = compile_all(force="--force" in sys.argv)
    print(f"compiled {count} translation catalog(s)")
