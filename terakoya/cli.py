"""The `terakoya` console command: Django's management commands under one name.

terakoya run | worker | createworkspace | demo | migrate | <any manage.py command>
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terakoya.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    if len(argv) > 1:
        # `terakoya run` reads better than `terakoya runterakoya`.
        aliases = {"run": "run_terakoya", "worker": "worker", "demo": "demo"}
        argv[1] = aliases.get(argv[1], argv[1]).replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
