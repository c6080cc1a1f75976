from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from terakoya.core.i18n_compile import compile_all


class Command(BaseCommand):
    help = "Compile the project's .po translation files with Babel (no gettext needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"compiled {compile_all(force=options['force'])} translation catalog(s)")
