from __future__ import annotations

from django.utils import timezone

from terakoya.accounts.models import SmsMessage, SmsStatus
from terakoya.accounts.sms import SmsError, get_backend
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
