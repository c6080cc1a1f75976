"""The browser tests' live server (terakoya/core/tests/live_server.py): no request thread, and
so no database connection, outlives a test or the session."""

from __future__ import annotations

import http.client
import threading
from urllib.parse import urlsplit

import pytest
from django.db import connection

from terakoya.core.tests.live_server import TerakoyaLiveServer

pytestmark = pytest.mark.django_db(transaction=True)


def _request_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


def _keep_alive_request(url: str) -> http.client.HTTPConnection:
    """One HTTP/1.1 request whose connection stays open, as a browser's does."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    assert response.status == 200 and b"<form" in response.read()
    assert not response.will_close
    return conn


def _session_count() -> int:
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _other_sessions(baseline: int = 0) -> int:
    """Other PostgreSQL sessions on the test database beyond `baseline` (those open before the
    request, e.g. the live server's own), once closed ones have gone (a backend leaves
    pg_stat_activity a moment after its client hung up)."""
    count = 0
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            count = int(cursor.fetchone()[0]) - baseline
        if count <= 0:
            return 0
        threading.Event().wait(0.05)
    return count


def test_stopping_the_live_server_ends_its_request_threads(workspace):
    # given a live server with a keep-alive connection that has been served a page
    baseline = _session_count()
    server = TerakoyaLiveServer("localhost")
    before = set(_request_threads())
    conn = _keep_alive_request(server.url)
    waiting = set(_request_threads()) - before
    assert waiting, "the keep-alive connection's thread waits for the next request"
    # when the server stops (end of the session)
    server.stop()
    # then that thread has ended, its database connection closed with it
    assert not (set(_request_threads()) & waiting)
    if connection.vendor == "postgresql":
        assert _other_sessions(baseline) == 0
    conn.close()


def test_after_a_test_no_request_is_left_running(live_server, workspace):
    # given the session's live server, and a browser-like connection left open by a test
    baseline = _session_count()
    conn = _keep_alive_request(live_server.url)
    assert live_server.thread.httpd.request_threads()
    # when the test ends (what the page fixture does before the database is flushed)
    stuck = live_server.finish_requests()
    # then no request thread is left to touch the database
    assert stuck == [] and live_server.thread.httpd.request_threads() == []
    if connection.vendor == "postgresql":
        assert _other_sessions(baseline) == 0
    # and the server still serves the next test
    _keep_alive_request(live_server.url).close()
    conn.close()
