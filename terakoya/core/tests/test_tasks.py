from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import get_scope

from terakoya.core.models import ScheduleEntry
from terakoya.core.scheduler import REGISTRY, load_jobs, run_due_jobs
from terakoya.core.tasks import workspace_task

pytestmark = pytest.mark.django_db


@workspace_task()
def scope_probe(workspace, note: str) -> dict:
    return {"workspace": workspace.slug, "scope": get_scope().get("workspace").slug, "note": note}


def test_task_wrapper_reenters_the_workspace_scope(workspace):
    result = scope_probe.enqueue(workspace.pk, "hi")
    assert result.return_value == {"workspace": "alpha", "scope": "alpha", "note": "hi"}


def test_task_for_a_deleted_workspace_is_a_safe_no_op(db):
    assert scope_probe.call(999999, "gone") is None


def test_scheduler_runs_each_job_once_per_period(db):
    load_jobs()
    assert "terakoya.mail.tasks.sweep_outbox" in REGISTRY
    first = run_due_jobs()
    assert "terakoya.mail.tasks.sweep_outbox" in first
    # A second worker ticking at the same moment does not run it again
    assert "terakoya.mail.tasks.sweep_outbox" not in run_due_jobs()
    ScheduleEntry.objects.update(next_run_at=timezone.now() - timedelta(seconds=1))
    assert "terakoya.mail.tasks.sweep_outbox" in run_due_jobs()
