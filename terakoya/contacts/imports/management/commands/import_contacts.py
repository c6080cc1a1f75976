"""terakoya import-contacts FILE --workspace SLUG [--map col=field ...] [--dry-run]"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope

from terakoya.contacts.imports import services
from terakoya.contacts.imports.parsing import FIELDS
from terakoya.workspaces.models import Workspace


class Command(BaseCommand):
    help = "Import contacts from a CSV file (UTF-8, UTF-8 with BOM or Shift_JIS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--workspace", required=True, help="workspace slug")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help=f"map a column to a field ({', '.join(f for f in FIELDS if f)}, or '' to skip); "
            "columns not given keep the suggested mapping",
        )
        parser.add_argument("--tag", action="append", default=[], help="tag every contact")
        parser.add_argument(
            "--offer", action="append", default=[], help="grant an offer (public id)"
        )
        parser.add_argument(
            "--consent-source", default="", help="where the consent column's consent came from"
        )
        parser.add_argument("--dry-run", action="store_true", help="only count what would change")

    def handle(self, *args: Any, **o: Any) -> None:
        workspace = Workspace.objects.filter(slug=o["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {o['workspace']!r}.")
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        with scope(workspace=workspace):
            try:
                self._run(workspace, path, o)
            except ValidationError as exc:
                raise CommandError(" ".join(str(m) for m in exc.messages))

    def _run(self, workspace: Workspace, path: Path, o: dict[str, Any]) -> None:
        actor = "cli"
        with path.open("rb") as fh:
            job = services.create_import(
                workspace, uploaded_file=fh, filename=path.name, actor=actor
            )
        mapping = dict(job.mapping)
        for item in o["map"]:
            column, sep, field = item.partition("=")
            if not sep:
                raise CommandError(f"--map needs COLUMN=FIELD, got {item!r}.")
            if column not in mapping:
                raise CommandError(f"No column {column!r}; columns: {', '.join(job.headers)}")
            mapping[column] = field
        self.stdout.write(
            f"{job.total_rows} rows, {job.encoding}"
            + (f", preset {job.preset}" if job.preset else "")
        )
        for column, field in mapping.items():
            self.stdout.write(f"  {column} -> {field or '(skip)'}")
        services.set_mapping(
            workspace,
            job,
            mapping=mapping,
            options={"tags": o["tag"], "offers": o["offer"], "consent_source": o["consent_source"]},
            actor=actor,
        )
        if o["dry_run"]:
            result = services.dry_run(workspace, job)
            self._counts(result["counts"])
            for item in result["samples"]["errors"]:
                self.stdout.write(f"  line {item['line']}: {item['error']}")
            for warning in result.get("warnings", []):
                self.stdout.write(f"warning: {warning}")
            return
        job.status = "queued"
        job.save(update_fields=["status"])
        job = services.execute_import(workspace, job, actor=actor, progress=self._progress)
        sys.stderr.write("\n")
        status = services.import_status(job)
        self._counts(status)
        self.stdout.write(f"import {job.public_id}: {job.status}")
        if job.error_count:
            errors_path = path.with_name(f"{path.stem}.errors.csv")
            errors_path.write_text("\ufeff" + services.errors_csv(job), encoding="utf-8")
            self.stdout.write(f"lines with errors written to {errors_path}")

    def _counts(self, counts: dict[str, Any]) -> None:
        self.stdout.write(
            "created {created}, updated {updated}, unchanged {unchanged}, errors {errors}, "
            "combined {combined}".format(**{"combined": 0, **counts})
        )

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()
