"""The outbox against a real SMTP server (aiosmtpd) that is down, then up."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from terakoya.mail.emails import send_test_email
from terakoya.mail.models import OutboxMessage, OutboxStatus
from terakoya.mail.services import backoff, due_messages, send_outbox_message_now
from terakoya.mail.tasks import sweep_outbox

pytestmark = pytest.mark.django_db


class Collector:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_settings(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 3
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    return port


def test_email_is_written_in_the_callers_transaction_and_not_sent_inline(workspace, mailoutbox):
    # When an email function runs inside a transaction that is not yet committed
    message = send_test_email(workspace, to="owner@example.com", language="ja")
    # Then the outbox has it, rendered in the recipient's language, and nothing was sent yet
    assert message.status == OutboxStatus.QUEUED
    assert "テストメール" in message.subject
    assert "<html" in message.body_html and message.body_text.strip()
    assert mailoutbox == []


def test_rolled_back_transaction_leaves_no_email(workspace, django_capture_on_commit_callbacks):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        send_test_email(workspace, to="owner@example.com", language="en")
        raise RuntimeError("the caller failed")
    assert not OutboxMessage.objects.filter(workspace=workspace).exists()


def test_outbox_retries_after_smtp_failure_and_sends_exactly_once(workspace, smtp_settings):
    # Given a queued email and an SMTP server that is down
    message = send_test_email(workspace, to="customer@example.com", language="en")
    # When the send task runs
    status = send_outbox_message_now(workspace, message.pk)
    # Then the failure is recorded and a later attempt is scheduled
    message.refresh_from_db()
    assert status == OutboxStatus.QUEUED
    assert message.attempts == 1
    assert "ConnectionRefused" in message.last_error
    assert message.next_attempt_at > timezone.now()

    # Given the server comes up
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=smtp_settings)
    controller.start()
    try:
        # When the task runs again before the backoff has passed, nothing is sent early
        assert send_outbox_message_now(workspace, message.pk) == OutboxStatus.QUEUED
        assert collector.messages == []
        # When the retry is due
        with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
            assert [m for _, m in due_messages()] == [message.pk]
            assert send_outbox_message_now(workspace, message.pk) == OutboxStatus.SENT
            # And a duplicate delivery of the same task changes nothing
            assert send_outbox_message_now(workspace, message.pk) == OutboxStatus.SENT
            assert due_messages() == []
    finally:
        controller.stop()
    # Then exactly one message arrived, with the subject and recipient intact
    assert len(collector.messages) == 1
    assert b"Test email from Alpha Academy" in collector.messages[0]
    message.refresh_from_db()
    assert message.sent_at is not None and message.last_error == ""


def test_permanent_failure_is_recorded_not_lost(workspace, smtp_settings, settings):
    settings.TERAKOYA_OUTBOX_MAX_ATTEMPTS = 3
    message = send_test_email(workspace, to="customer@example.com", language="en")
    for _ in range(3):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        send_outbox_message_now(workspace, message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 3
    assert message.last_error
    assert message.body_text  # the content is still there to resend or read


def test_backoff_grows_exponentially_and_is_capped():
    assert timedelta(seconds=24) <= backoff(1) <= timedelta(seconds=36)
    assert timedelta(seconds=96) <= backoff(3) <= timedelta(seconds=144)
    assert backoff(30) <= timedelta(hours=7.2)


def test_sweep_enqueues_due_messages(workspace, smtp_settings, mailoutbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = send_test_email(workspace, to="customer@example.com", language="en")
    assert sweep_outbox.call() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert len(mailoutbox) == 1


def test_another_workspaces_message_is_not_sent_by_this_workspace(
    workspace, other_workspace, mailoutbox
):
    message = send_test_email(other_workspace, to="x@example.com", language="en")
    assert send_outbox_message_now(workspace, message.pk) == "missing"
    assert mailoutbox == []
