from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from terakoya.core.scheduler import periodic
from terakoya.core.tasks import workspace_task
from terakoya.mail.services import due_messages, release_stale_sends, send_outbox_message_now
from terakoya.workspaces.models import Workspace


@workspace_task()
def send_outbox_message(workspace: Workspace, message_id: int) -> str:
    return send_outbox_message_now(workspace, message_id)


@periodic(every=timedelta(minutes=1))
@task()
def sweep_outbox() -> int:
    """Re-queue messages whose sending worker died, then re-enqueue every due message, so a
    killed worker, a lost enqueue or a backend without deferral loses nothing."""
    release_stale_sends()
    due = due_messages()
    for workspace_id, message_id in due:
        send_outbox_message.enqueue(workspace_id, message_id)
    return len(due)
