"""Fill msgstr entries of a .po file from a JSON dictionary {msgid: msgstr}.

Used when translating a catalog in bulk: `python scripts/fill_translations.py PO JSON`.
Entries already translated are kept; fuzzy flags on filled entries are removed.
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import read_po, write_po


def main(po_path: str, json_path: str) -> int:
    with open(po_path, "rb") as fh:
        catalog = read_po(fh)
    translations = json.loads(open(json_path, encoding="utf-8").read())
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            missing.append(key)
    with open(po_path, "wb") as fh:
        write_po(fh, catalog, width=100)
    for key in missing:
        print(f"untranslated: {key!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
