"""The task wrapper (docs/architecture.md, rule 3): tasks take ids, re-enter the workspace scope."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django_scopes import scope
from django_tasks import default_task_backend, task
from django_tasks.base import Task


def workspace_task(**task_options: Any) -> Callable[[Callable[..., Any]], Task]:
    """Declare a task whose first argument is a workspace id.

    The wrapped function receives the Workspace object, inside that workspace's scope.
    A workspace deleted before the task runs makes the task a no-op (safe to retry).
    """

    def decorator(func: Callable[..., Any]) -> Task:
        @functools.wraps(func)
        def runner(workspace_id: int, *args: Any, **kwargs: Any) -> Any:
            from terakoya.workspaces.models import Workspace

            workspace = Workspace.objects.filter(pk=workspace_id).first()
            if workspace is None:
                return None
            with scope(workspace=workspace):
                return func(workspace, *args, **kwargs)

        return task(**task_options)(runner)

    return decorator


def enqueue(t: Task, *args: Any, run_after: datetime | None = None, **kwargs: Any) -> None:
    """Enqueue now, or after the current transaction commits when one is open.

    `run_after` is honoured by backends that can defer; others run it now and the
    scheduler's sweeps pick up anything that is not due yet.
    """

    def go() -> None:
        target = t
        if run_after is not None and default_task_backend.supports_defer:
            target = t.using(run_after=run_after)
        target.enqueue(*args, **kwargs)

    transaction.on_commit(go)
