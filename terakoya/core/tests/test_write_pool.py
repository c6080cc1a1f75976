"""core.write_pool: jobs on helper connections, each atomic, results in order."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django_scopes import get_scope, scope

from terakoya.contacts.models import Tag
from terakoya.core.write_pool import WritePool, helper_threads

pytestmark = pytest.mark.django_db


def _tag(workspace, name: str) -> str:  # type: ignore[no-untyped-def]
    Tag.objects.create(workspace=workspace, name=name)
    return name


def test_without_helpers_jobs_run_here_each_in_its_own_transaction(workspace):
    # Given a pool without helper threads (SQLite, or inside a transaction, as in this test)
    assert helper_threads(2) == 0
    pool: WritePool[str] = WritePool(0)

    # When one job writes and succeeds and the next writes and then fails
    done = pool.submit(lambda: _tag(workspace, "kept"))

    def broken() -> str:
        _tag(workspace, "undone")
        raise ValueError("bad chunk")

    with pytest.raises(ValueError, match="bad chunk"):
        pool.submit(broken)

    # Then the first result came back at once, and only the failed job's write was undone
    assert done == ["kept"]
    assert pool.close() == []
    assert list(Tag.objects.values_list("name", flat=True)) == ["kept"]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_helpers_write_at_once_on_their_own_connections_in_order(workspace):
    # Given two helpers, outside any transaction
    threads = helper_threads(2)
    assert threads == 2
    pool: WritePool[tuple[str, int]] = WritePool(threads)
    both_running = threading.Barrier(2, timeout=10)
    alone = threading.Barrier(1)

    def job(name: str, barrier: threading.Barrier) -> tuple[str, int]:
        _tag(workspace, name)
        barrier.wait()  # with both_running, passes only when the two jobs run at the same time
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            return name, cur.fetchone()[0]

    # When two jobs are submitted, then a third once a helper is free
    results = pool.submit(lambda: job("a", both_running))
    results += pool.submit(lambda: job("b", both_running))
    results += pool.submit(lambda: job("c", alone))
    results += pool.close()

    # Then the results come back in submission order, from two other connections
    assert [name for name, _pid in results] == ["a", "b", "c"]
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        own = cur.fetchone()[0]
    assert len({pid for _name, pid in results[:2]}) == 2
    assert own not in {pid for _name, pid in results}
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["a", "b", "c"]
    # and the helpers' connections are closed (their backends exit a moment later)
    assert _backends_gone([pid for _name, pid in results])


def _backends_gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 5
    with connection.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            if cur.fetchone()[0] == 0:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_a_failed_helper_job_is_undone_and_reported_after_the_others_finish(workspace):
    # Given two helpers and a job that will fail after writing
    pool: WritePool[str] = WritePool(2)
    release = threading.Event()

    def slow() -> str:
        release.wait(10)
        return _tag(workspace, "slow")

    def broken() -> str:
        _tag(workspace, "undone")
        release.set()
        raise ValueError("bad chunk")

    # When both run and the results are collected
    pool.submit(broken)
    pool.submit(slow)
    with pytest.raises(ValueError, match="bad chunk"):
        pool.close()

    # Then the failed job's write is undone, and the other job had finished and committed
    assert list(Tag.objects.values_list("name", flat=True)) == ["slow"]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_helpers_work_in_the_callers_scope(workspace):
    # Given a caller inside a workspace's scope
    pool: WritePool[object] = WritePool(1)

    # When a helper reports the scope it sees
    with scope(workspace=workspace):
        pool.submit(lambda: get_scope().get("workspace"))
        seen = pool.close()

    # Then it is the caller's
    assert seen == [workspace]
