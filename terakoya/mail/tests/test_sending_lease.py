"""A worker killed while sending strands nothing: its lease runs out and the message is queued
again with the same Message-ID, then delivered exactly once.

The worker is a real subprocess running the send task against a real SMTP server (aiosmtpd)
that stops answering in the middle of DATA; it is killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from terakoya.core.factories import WorkspaceFactory
from terakoya.mail.models import OutboxMessage, OutboxStatus
from terakoya.mail.secrets import Secret
from terakoya.mail.services import SENDING_LEASE, STALE_SEND_ERROR, queue_email
from terakoya.mail.tasks import sweep_outbox
from terakoya.mail.tests.smtp import Collector, smtp_server, text_body, use_smtp

REPO = Path(__file__).resolve().parents[3]
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Tasks are recorded, not run: the message waits in the queue for the worker we start.
HELD = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

WORKER = """
import django
django.setup()
from terakoya.mail.tasks import send_outbox_message
send_outbox_message.call({workspace_id}, {message_id})
"""


@contextmanager
def shared_database(tmp_path: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A DATABASE_URL another process can open, holding this test's data, and a function that
    brings that process's writes back here. PostgreSQL: the test database itself. SQLite (an
    in-memory test database): a file copy, copied back with SQLite's backup API."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
        yield f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}", lambda: None
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)

    def pull_back() -> None:
        with sqlite3.connect(path) as copy:
            copy.backup(connection.connection)

    yield f"sqlite:///{path}", pull_back


def _worker_env(database_url: str, smtp_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="terakoya.settings",
        PYTHONPATH=str(REPO),
        DATABASE_URL=database_url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}?timeout=120",
        SECRET_KEY=django_settings.SECRET_KEY,
        TERAKOYA_TASK_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
    )
    return env


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_message_to_be_retried_once_with_its_message_id(
    settings, tmp_path
):
    # Given a queued email with a secret in it, and a mail server that stalls in DATA
    settings.TASKS = HELD
    workspace = WorkspaceFactory(name="Alpha Academy", slug="alpha")
    secret = Secret("sesame-4711")
    message = queue_email(
        workspace,
        kind="mail.test_email",
        to="customer@example.com",
        template="emails/mail/test_email",
        context={"dashboard_url": f"https://example.com/open/{secret}/"},
        language="en",
        secrets=[secret],
    )
    collector = Collector(stall=True)
    with smtp_server(collector) as port, shared_database(tmp_path) as (database_url, pull_back):
        # When a worker process claims it and starts sending
        log = (tmp_path / "worker.log").open("wb")
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", WORKER.format(workspace_id=workspace.pk, message_id=message.pk)],
            env=_worker_env(database_url, port),
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        reached_data = collector.data_started.wait(timeout=120)
        # ... and is killed (SIGKILL: no cleanup runs) while the server still has not answered
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        log.close()
        assert reached_data, (tmp_path / "worker.log").read_text()
        assert worker.returncode == -signal.SIGKILL
        pull_back()

        # Then the message is stuck in "sending" under the dead worker's lease, with its ID
        message.refresh_from_db()
        assert message.status == OutboxStatus.SENDING
        assert message.attempts == 1 and message.message_id
        assert message.lease_until is not None
        first_message_id = message.message_id
        # And while the lease runs, the sweep leaves it alone (the worker might be alive)
        settings.TASKS = IMMEDIATE
        use_smtp(settings, port)
        collector.stall = False
        collector.release.set()
        sweep_outbox.call()
        message.refresh_from_db()
        assert message.status == OutboxStatus.SENDING
        assert collector.messages == []

        # When the lease has run out and the periodic sweep runs
        with time_machine.travel(message.lease_until + timedelta(seconds=1)):
            sweep_outbox.call()
            # And it runs again (a duplicate sweep or task changes nothing)
            sweep_outbox.call()

    # Then it was queued again and delivered exactly once, with the same Message-ID
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.message_id == first_message_id
    assert message.attempts == 2 and message.lease_until is None
    assert message.sealed_secrets == ""  # delivered: the secret is gone from the database
    [received] = collector.parsed()
    assert received["Message-ID"] == first_message_id
    # And the secret survived the requeue: the recipient got it
    assert "https://example.com/open/sesame-4711/" in text_body(received)


@pytest.mark.django_db
def test_a_message_whose_worker_keeps_dying_fails_for_good_and_drops_its_secret(
    workspace, settings, mailoutbox
):
    # Given a message on its last attempt, held by a worker that died
    settings.TERAKOYA_OUTBOX_MAX_ATTEMPTS = 3
    settings.TASKS = HELD
    message = queue_email(
        workspace,
        kind="mail.test_email",
        to="customer@example.com",
        template="emails/mail/test_email",
        context={"dashboard_url": Secret("sesame-4711")},
        language="en",
    )
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, attempts=3, lease_until=now + SENDING_LEASE
    )
    # When the lease runs out and the sweep runs
    settings.TASKS = IMMEDIATE
    with time_machine.travel(now + SENDING_LEASE + timedelta(seconds=1)):
        sweep_outbox.call()
    # Then it is failed (not retried forever), says why, and keeps no secret
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.last_error == STALE_SEND_ERROR
    assert message.sealed_secrets == "" and message.lease_until is None
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_sweep_releases_only_stale_sends_of_every_workspace(
    workspace, other_workspace, settings, mailoutbox
):
    # Given a stale send in each workspace and a fresh one
    settings.TASKS = HELD
    stale = [
        queue_email(
            ws,
            kind="mail.test_email",
            to="customer@example.com",
            template="emails/mail/test_email",
            context={"dashboard_url": "https://example.com/"},
            language="en",
        )
        for ws in (workspace, other_workspace)
    ]
    fresh = queue_email(
        workspace,
        kind="mail.test_email",
        to="other@example.com",
        template="emails/mail/test_email",
        context={"dashboard_url": "https://example.com/"},
        language="en",
    )
    now = timezone.now()
    OutboxMessage.objects.filter(pk__in=[m.pk for m in stale]).update(
        status=OutboxStatus.SENDING, attempts=1, lease_until=now - timedelta(seconds=1)
    )
    OutboxMessage.objects.filter(pk=fresh.pk).update(
        status=OutboxStatus.SENDING, attempts=1, lease_until=now + SENDING_LEASE
    )
    # When the sweep runs
    settings.TASKS = IMMEDIATE
    sweep_outbox.call()
    # Then each workspace's stale message was sent once, in its own workspace's name
    assert sorted(m.from_email for m in mailoutbox) == [
        "Alpha Academy <no-reply@localhost>",
        "Beta School <no-reply@localhost>",
    ]
    # And the one still under a live lease was left alone
    fresh.refresh_from_db()
    assert fresh.status == OutboxStatus.SENDING
