"""Run Django's makemessages once per catalog: the foundation's (terakoya/locale) and each app's.

Each app with its own locale/ folder owns its strings; nested apps (contacts/imports,
contacts/merge) are left out of their parent's catalog, and all app folders out of the
foundation's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "terakoya"
DJANGO_ADMIN = Path(sys.executable).parent / "django-admin"


def main() -> int:
    apps = sorted(p.parent for p in PACKAGE.glob("**/locale") if p.parent != PACKAGE)
    catalogs = [PACKAGE, *apps]
    for directory in catalogs:
        nested = [a for a in apps if a != directory and directory in a.parents]
        ignores = []
        for other in nested:
            ignores += ["-i", f"{other.relative_to(directory)}/*"]
        cmd = [
            str(DJANGO_ADMIN),
            "makemessages",
            "-l",
            "ja",
            "--no-obsolete",
            "--settings=terakoya.settings",
            f"--pythonpath={ROOT}",
            *ignores,
        ]
        print(f"{directory.relative_to(ROOT)}: makemessages", flush=True)
        subprocess.run(cmd, cwd=directory, check=True)  # noqa: S603 (our own command line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
