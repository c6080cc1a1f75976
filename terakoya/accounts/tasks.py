from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from terakoya.accounts.models import LoginAttempt, LoginToken, SmsMessage, SmsStatus
from terakoya.accounts.sms import SmsError, get_backend
from terakoya.core.scheduler import periodic
from terakoya.core.tasks import workspace_task
from terakoya.workspaces.models import Workspace


@workspace_task()
def send_sms_message(workspace: Workspace, message_id: int) -> str:
    """Deliver one text message once; its body (a code) is erased afterwards either way."""
    message = SmsMessage.objects.filter(workspace=workspace, pk=message_id).first()
    if message is None or message.status != SmsStatus.QUEUED:
        return message.status if message else "missing"
    try:
        sent = get_backend().send(message.to_phone, message.body)
    except (SmsError, ValueError) as exc:
        message.status = SmsStatus.FAILED
        message.last_error = str(exc)[:2000]
    else:
        message.status = SmsStatus.SENT
        message.provider_id = sent.provider_id[:80]
        message.sent_at = timezone.now()
    message.body = ""
    message.save(
        update_fields=["status", "last_error", "provider_id", "sent_at", "body", "updated_at"]
    )
    return str(message.status)


TOKEN_RETENTION = timedelta(days=7)
ATTEMPT_RETENTION = timedelta(days=180)


@periodic(every=timedelta(days=1))
@task()
def purge_old_login_records() -> int:
    """Used or expired links and codes go after a week; login attempts after 180 days."""
    now = timezone.now()
    tokens, _ = (
        LoginToken.objects.with_scopes_disabled()
        .filter(expires_at__lt=now - TOKEN_RETENTION)
        .delete()
    )
    attempts, _ = (
        LoginAttempt.objects.with_scopes_disabled()
        .filter(created_at__lt=now - ATTEMPT_RETENTION)
        .delete()
    )
    return tokens + attempts
