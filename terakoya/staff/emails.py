"""One function per staff email (docs/architecture.md, rule 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse

from terakoya.mail.services import queue_email

if TYPE_CHECKING:
    from terakoya.mail.models import OutboxMessage
    from terakoya.staff.models import User
    from terakoya.workspaces.models import Workspace


def send_login_locked(
    workspace: Workspace, *, owner: User, user: User, ip: str, minutes: int, until: str
) -> OutboxMessage:
    """Tell an owner that sign-in to a staff account of their workspace is paused."""
    language = owner.language or workspace.default_language or "en"
    return queue_email(
        workspace,
        kind="staff.login_locked",
        to=owner.email,
        template="emails/staff/login_locked",
        context={
            "name": owner.full_name or owner.email,
            "email": user.email,
            "is_you": owner.pk == user.pk,
            "ip": ip,
            "minutes": minutes,
            "until": until,
            "password_url": settings.TERAKOYA_BASE_URL + reverse("staff:password_change"),
        },
        language=language,
    )
