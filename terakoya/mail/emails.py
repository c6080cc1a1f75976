"""One function per email (docs/architecture.md, rule 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from terakoya.mail.models import OutboxMessage
from terakoya.mail.services import queue_email

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace


def send_test_email(workspace: Workspace, *, to: str, language: str) -> OutboxMessage:
    """Lets a creator check that email from their workspace arrives."""
    return queue_email(
        workspace,
        kind="mail.test_email",
        to=to,
        template="emails/mail/test_email",
        context={"dashboard_url": workspace.public_url},
        language=language,
    )
