"""Writing to the outbox (in the caller's transaction) and sending from it (in a task)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from terakoya.core.tasks import enqueue
from terakoya.mail import secrets as _secrets
from terakoya.mail.models import OutboxMessage, OutboxStatus
from terakoya.mail.rendering import render_email

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 60 * 60
# How long a worker may hold a message in `sending`. SMTP commands time out after EMAIL_TIMEOUT
# (10 s by default), so a live worker is done long before; a killed one is noticed after this.
SENDING_LEASE = timedelta(minutes=5)


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
    secrets: Sequence[_secrets.Secret] = (),
) -> OutboxMessage:
    """Render and store one email; it is sent after the surrounding transaction commits.

    Secrets (`terakoya.mail.secrets.Secret`, in `context` or in `secrets` when they are inside
    a URL) are stored sealed, apart from the readable copy, and put in only when sending.
    """
    found = _secrets.collect(context, secrets)
    rendered = render_email(template, {**context, "workspace": workspace}, language)
    if any(s.placeholder in rendered.subject for s in found):
        raise ValueError(f"{template}: a subject must not contain a secret")
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
        secret_slots=[
            {"placeholder": s.placeholder, "tracker": s.tracker, "ref": s.ref} for s in found
        ],
        sealed_secrets=_secrets.seal({s.placeholder: s.value for s in found}),
    )
    from terakoya.mail.tasks import send_outbox_message

    enqueue(send_outbox_message, workspace.pk, message.pk)
    return message


def backoff(attempts: int) -> timedelta:
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def build_message(message: OutboxMessage) -> EmailMultiAlternatives:
    """The message as the mail server gets it, secrets included (raises SecretsUnavailable
    when they were wiped or cannot be decrypted)."""
    values = _secrets.unseal(message.sealed_secrets) if message.secret_slots else {}
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=_secrets.reveal(message.body_text, values),
        from_email=from_header(message.workspace.name),
        to=[formataddr(("", message.to_email))],
        headers={"Message-ID": message.message_id},
    )
    if message.body_html:
        email.attach_alternative(
            _secrets.reveal(message.body_html, values, escape=True), "text/html"
        )
    return email


def from_header(display_name: str) -> str:
    """`"Name, Inc." <address>`: quoted (or RFC 2047-encoded) whatever the name holds."""
    name = " ".join(display_name.split())
    return formataddr((name, _from_address()))


def _from_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"


def send_outbox_message_now(workspace: Workspace, message_id: int) -> str:
    """Try to deliver one message once. Returns its status afterwards.

    The row is claimed (queued → sending, with a lease) in its own transaction, so two workers
    never send the same message; a failure goes back to queued with exponential backoff until
    the attempts run out, and is then recorded as failed: nothing is dropped. A worker that dies
    while sending leaves the row in `sending` until its lease runs out; `release_stale_sends`
    then queues it again. The Message-ID is made on the first claim and kept for every retry.
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
        message.lease_until = now + SENDING_LEASE
        if not message.message_id:
            message.message_id = make_msgid(domain=workspace.host.split(":")[0] or "localhost")
        message.save(
            update_fields=["status", "attempts", "lease_until", "message_id", "updated_at"]
        )
    # Every write below holds only while this claim does: if the lease ran out and another
    # worker claimed the message again, this worker's late result changes nothing.
    claim = OutboxMessage.objects.filter(
        workspace=workspace, pk=message.pk, status=OutboxStatus.SENDING, attempts=message.attempts
    )
    try:
        email = build_message(message)
        get_connection(fail_silently=False).send_messages([email])
    except Exception as exc:  # any transport failure is retried, never lost
        final = isinstance(exc, _secrets.SecretsUnavailable) or (
            message.attempts >= settings.TERAKOYA_OUTBOX_MAX_ATTEMPTS
        )
        next_attempt_at = None if final else timezone.now() + backoff(message.attempts)
        changes: dict[str, Any] = {
            "status": OutboxStatus.FAILED if final else OutboxStatus.QUEUED,
            "last_error": f"{type(exc).__name__}: {exc}"[:2000],
            "next_attempt_at": next_attempt_at,
            "lease_until": None,
            "updated_at": timezone.now(),
        }
        if final:
            changes["sealed_secrets"] = ""
        if not claim.update(**changes):
            return _status_of(workspace, message.pk)
        if not final:
            from terakoya.mail.tasks import send_outbox_message

            enqueue(send_outbox_message, workspace.pk, message.pk, run_after=next_attempt_at)
        return str(changes["status"])
    sent_at = timezone.now()
    if not claim.update(
        status=OutboxStatus.SENT,
        sent_at=sent_at,
        next_attempt_at=None,
        last_error="",
        lease_until=None,
        sealed_secrets="",  # delivered: the secrets are not kept a moment longer
        updated_at=sent_at,
    ):
        return _status_of(workspace, message.pk)
    return str(OutboxStatus.SENT)


def _status_of(workspace: Workspace, message_id: int) -> str:
    found = (
        OutboxMessage.objects.filter(workspace=workspace, pk=message_id)
        .values_list("status", flat=True)
        .first()
    )
    return str(found or "missing")


STALE_SEND_ERROR = "The worker stopped while sending (its lease ran out); queued again."


def release_stale_sends() -> int:
    """Put messages whose sending worker died (lease run out) back in the queue, due now.

    The Message-ID stays, so a server that did receive the first try can drop the repeat. A
    message that has used up its attempts this way is marked failed (and its secrets wiped).
    """
    now = timezone.now()
    stale = OutboxMessage.objects.with_scopes_disabled().filter(
        Q(lease_until__lt=now)
        # rows claimed before leases existed
        | Q(lease_until__isnull=True, updated_at__lt=now - SENDING_LEASE),
        status=OutboxStatus.SENDING,
    )
    failed = stale.filter(attempts__gte=settings.TERAKOYA_OUTBOX_MAX_ATTEMPTS).update(
        status=OutboxStatus.FAILED,
        last_error=STALE_SEND_ERROR,
        next_attempt_at=None,
        lease_until=None,
        sealed_secrets="",
        updated_at=now,
    )
    queued = stale.update(
        status=OutboxStatus.QUEUED,
        last_error=STALE_SEND_ERROR,
        next_attempt_at=now,
        lease_until=None,
        updated_at=now,
    )
    return failed + queued


def due_messages() -> list[tuple[int, int]]:
    """(workspace id, message id) of queued messages whose next attempt is due."""
    return list(
        OutboxMessage.objects.with_scopes_disabled()
        .filter(status=OutboxStatus.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("workspace_id", "pk")[:500]
    )
