"""Writing to the outbox (in the caller's transaction) and sending from it (in a task)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import transaction
from django.utils import timezone

from terakoya.core.tasks import enqueue
from terakoya.mail.models import OutboxMessage, OutboxStatus
from terakoya.mail.rendering import render_email

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 60 * 60


def queue_email(
    workspace: Workspace,
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str,
    contact: Any = None,
    metadata: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Render and store one email; it is sent after the surrounding transaction commits."""
    rendered = render_email(template, {**context, "workspace": workspace}, language)
    message = OutboxMessage.objects.with_scopes_disabled().create(
        workspace=workspace,
        kind=kind,
        to_email=to,
        contact=contact,
        language=language,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        next_attempt_at=timezone.now(),
        metadata=metadata or {},
    )
    from terakoya.mail.tasks import send_outbox_message

    enqueue(send_outbox_message, workspace.pk, message.pk)
    return message


def backoff(attempts: int) -> timedelta:
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def build_message(message: OutboxMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=f"{message.workspace.name} <{_from_address()}>",
        to=[message.to_email],
        headers={"Message-ID": message.message_id},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _from_address() -> str:
    from email.utils import parseaddr

    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"


def send_outbox_message_now(workspace: Workspace, message_id: int) -> str:
    """Try to deliver one message once. Returns its status afterwards.

    The row is claimed (queued → sending) in its own transaction, so two workers never send the
    same message; a failure goes back to queued with exponential backoff until the attempts run
    out, and is then recorded as failed: nothing is dropped.
    """
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update()
            .filter(workspace=workspace, pk=message_id)
            .first()
        )
        if message is None or message.status != OutboxStatus.QUEUED:
            return message.status if message else "missing"
        if message.next_attempt_at and message.next_attempt_at > now:
            return message.status
        message.status = OutboxStatus.SENDING
        message.attempts += 1
        if not message.message_id:
            message.message_id = make_msgid(domain=workspace.host.split(":")[0] or "localhost")
        message.save(update_fields=["status", "attempts", "message_id", "updated_at"])
    try:
        get_connection(fail_silently=False).send_messages([build_message(message)])
    except Exception as exc:  # any transport failure is retried, never lost
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= settings.TERAKOYA_OUTBOX_MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            message.next_attempt_at = None
        else:
            message.status = OutboxStatus.QUEUED
            message.next_attempt_at = timezone.now() + backoff(message.attempts)
        message.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
        if message.status == OutboxStatus.QUEUED:
            from terakoya.mail.tasks import send_outbox_message

            enqueue(
                send_outbox_message, workspace.pk, message.pk, run_after=message.next_attempt_at
            )
        return message.status
    message.status = OutboxStatus.SENT
    message.sent_at = timezone.now()
    message.next_attempt_at = None
    message.last_error = ""
    message.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error", "updated_at"])
    return message.status


def due_messages() -> list[tuple[int, int]]:
    """(workspace id, message id) of queued messages whose next attempt is due."""
    return list(
        OutboxMessage.objects.with_scopes_disabled()
        .filter(status=OutboxStatus.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("workspace_id", "pk")[:500]
    )
