"""Database writes spread over several connections, each write in a transaction of its own.

A PostgreSQL backend runs one statement on one core. A bulk job whose writes are its slowest
part (a million-contact import) gets them done sooner when consecutive independent batches are
written by two backends at once, each batch still atomic. The caller keeps the order of
results and decides what "independent" means: here, batches that touch disjoint rows.
"""

from __future__ import annotations

import contextvars
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

T = TypeVar("T")


def helper_threads(wanted: int) -> int:
    """How many helper threads may write: none on SQLite (one writer at a time) and none inside
    a transaction (helpers would not see its uncommitted rows; tests run in one)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 0
    return wanted


class WritePool(Generic[T]):
    """Run jobs in `threads` helper threads, each thread on its own connection and each job in
    a transaction of its own; with threads=0, in the calling thread, one after the other.

    Helpers run in a copy of the caller's context (its django-scopes scope and language).
    A job's exception is raised in the caller, by the submit() or close() that collects it;
    jobs already running are finished first, so nothing is left half-written."""

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._executor = (
            ThreadPoolExecutor(threads, thread_name_prefix="writer") if threads else None
        )
        self._running: deque[Future[T]] = deque()
        self._connections: list[BaseDatabaseWrapper] = []
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], T]) -> list[T]:
        """Start `job`. While every helper is busy, waits for the oldest job first and returns
        the results of those it waited for, in the order they were submitted."""
        if self._executor is None:
            with transaction.atomic():
                return [job()]
        finished = []
        while len(self._running) >= self._threads:
            finished.append(self._collect())
        context = contextvars.copy_context()
        self._running.append(self._executor.submit(context.run, self._atomic, job))
        return finished

    def close(self) -> list[T]:
        """Wait for every job; returns the results not returned yet. Closes the helpers'
        connections."""
        try:
            finished = []
            while self._running:
                finished.append(self._collect())
            return finished
        finally:
            self._shutdown()

    def _collect(self) -> T:
        future = self._running.popleft()
        try:
            return future.result()
        except BaseException:
            for other in self._running:
                other.cancel()
            for other in self._running:
                if not other.cancelled():
                    other.exception()  # wait for it: the caller's next step assumes it is over
            self._running.clear()
            raise

    def _atomic(self, job: Callable[[], T]) -> T:
        helper_connection = connections[DEFAULT_DB_ALIAS]  # this thread's own
        with self._lock:
            if helper_connection not in self._connections:
                self._connections.append(helper_connection)
        with transaction.atomic():
            return job()

    def _shutdown(self) -> None:
        if self._executor is None:
            return
        self._executor.shutdown(wait=True)
        self._executor = None
        # The helpers have ended; their connections are closed from here, as Django allows
        # for a connection shared on purpose.
        for helper_connection in self._connections:
            helper_connection.inc_thread_sharing()
            helper_connection.close()
