from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from terakoya.core.scheduler import start_scheduler_thread


class Command(BaseCommand):
    help = "Run the background worker (all queues) with the periodic scheduler beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--no-scheduler", action="store_true")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = None if options["no_scheduler"] else start_scheduler_thread()
        try:
            worker_args = [
                "--queue-name",
                "*",
                "--interval",
                str(options["interval"]),
                "--no-reload",
            ]
            if options["batch"]:
                worker_args.append("--batch")
            call_command("db_worker", *worker_args)
        finally:
            if stop is not None:
                stop.set()
