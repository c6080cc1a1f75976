from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from terakoya.contacts.models import BulkJob, BulkStatus
from terakoya.core.scheduler import periodic
from terakoya.core.tasks import workspace_task
from terakoya.workspaces.models import Workspace


@workspace_task()
def run_bulk_job(workspace: Workspace, job_id: int) -> int:
    from terakoya.contacts.bulk import run_job

    job = BulkJob.objects.filter(workspace=workspace, pk=job_id).first()
    if job is None or job.status == BulkStatus.DONE:
        return 0
    try:
        return run_job(workspace, job).affected
    except Exception:
        BulkJob.objects.filter(pk=job.pk).update(status=BulkStatus.FAILED)
        raise


@periodic(every=timedelta(hours=6))
@task()
def purge_contact_trash() -> int:
    """Contacts in the trash for more than 30 days are deleted for good."""
    from django_scopes import scopes_disabled

    from terakoya.contacts.services import purge_trash

    with scopes_disabled():
        return purge_trash()
