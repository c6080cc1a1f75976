"""Background work for contact imports."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django_tasks import task

from terakoya.core.scheduler import periodic
from terakoya.core.tasks import workspace_task

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

logger = logging.getLogger(__name__)


@workspace_task()
def run_import(workspace: Workspace, job_id: int, actor: str = "") -> None:
    """Run one import; retrying is safe (every write is an upsert)."""
    from terakoya.contacts.imports.models import ImportJob
    from terakoya.contacts.imports.services import execute_import, mark_failed

    job = ImportJob.objects.filter(pk=job_id, workspace=workspace).first()
    if job is None:
        return
    try:
        execute_import(workspace, job, actor=job.created_by or actor or None)
    except Exception:
        logger.exception("contact import %s failed", job.public_id)
        mark_failed(workspace, job_id, "The import stopped because of an internal error.")
        raise


@workspace_task()
def run_dry_run(workspace: Workspace, job_id: int) -> None:
    from django.core.exceptions import ValidationError

    from terakoya.contacts.imports.models import ImportJob
    from terakoya.contacts.imports.services import dry_run

    job = ImportJob.objects.filter(pk=job_id, workspace=workspace).first()
    if job is None or not job.dry_run_result.get("pending"):
        return
    try:
        dry_run(workspace, job)
    except ValidationError as exc:
        ImportJob.objects.filter(pk=job_id).update(
            dry_run_result={"failed": [str(m) for m in exc.messages]}
        )


@workspace_task()
def run_rollback(workspace: Workspace, job_id: int, actor_id: int | None = None) -> None:
    from terakoya.contacts.imports.models import ImportJob, ImportStatus
    from terakoya.contacts.imports.services import rollback_import
    from terakoya.staff.models import User

    job = ImportJob.objects.filter(
        pk=job_id, workspace=workspace, status=ImportStatus.ROLLING_BACK
    ).first()
    if job is None:
        return
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    rollback_import(workspace, job, actor=actor)


@periodic(every=timedelta(hours=6))
@task()
def purge_old_import_files() -> int:
    """Uploaded CSV files are not kept for ever (they hold personal data)."""
    from terakoya.contacts.imports.services import purge_old_files

    return purge_old_files()
