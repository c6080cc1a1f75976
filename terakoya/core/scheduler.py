"""A small periodic scheduler that runs beside the worker.

Jobs register with @periodic; every worker runs the loop, and a job's next run is claimed
with a conditional UPDATE so that several workers never enqueue the same run twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone
from django_tasks.base import Task

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    task: Task


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(every: timedelta) -> Callable[[Task], Task]:
    def register(t: Task) -> Task:
        REGISTRY[t.module_path] = PeriodicJob(name=t.module_path, every=every, task=t)
        return t

    return register


def run_due_jobs() -> list[str]:
    """Enqueue every job whose time has come; returns the names enqueued by this call."""
    from terakoya.core.models_schedule import ScheduleEntry

    now = timezone.now()
    started: list[str] = []
    for job in REGISTRY.values():
        entry, _ = ScheduleEntry.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        if entry.next_run_at > now:
            continue
        claimed = ScheduleEntry.objects.filter(pk=entry.pk, next_run_at=entry.next_run_at).update(
            next_run_at=now + job.every, last_run_at=now
        )
        if claimed:
            job.task.enqueue()
            started.append(job.name)
    return started


def load_jobs() -> None:
    """Import every app's tasks module so its @periodic jobs register."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("terakoya."):
            try:
                import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise


def start_scheduler_thread(interval: float = 15.0) -> threading.Event:
    stop = threading.Event()
    load_jobs()

    def loop() -> None:
        while not stop.is_set():
            try:
                close_old_connections()
                run_due_jobs()
            except Exception:  # keep the scheduler alive; the next tick retries
                logger.exception("scheduler tick failed")
            finally:
                close_old_connections()
            stop.wait(interval)

    threading.Thread(target=loop, name="terakoya-scheduler", daemon=True).start()
    return stop
