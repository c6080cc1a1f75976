from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from terakoya.contacts.merge.queries import compute_suggestions
from terakoya.contacts.merge.services import purge_old_journals
from terakoya.core.scheduler import periodic
from terakoya.core.tasks import workspace_task
from terakoya.workspaces.models import Workspace


@workspace_task()
def compute_duplicate_suggestions(workspace: Workspace) -> int:
    """Rebuild the "Possible duplicates" list of one workspace (idempotent)."""
    return compute_suggestions(workspace).pairs


@periodic(every=timedelta(hours=24))
@task()
def refresh_all_duplicate_suggestions() -> int:
    ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in ids:
        compute_duplicate_suggestions.enqueue(workspace_id)
    return len(ids)


@periodic(every=timedelta(hours=1))
@task()
def purge_merge_journals() -> int:
    """Journals older than 30 days are dropped: the merge can no longer be undone."""
    return purge_old_journals()
