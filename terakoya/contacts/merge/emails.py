"""One function per email (docs/architecture.md, rule 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from terakoya.mail.models import OutboxMessage
from terakoya.mail.services import queue_email

if TYPE_CHECKING:
    from terakoya.contacts.merge.models import Merge
    from terakoya.contacts.models import Contact
    from terakoya.workspaces.models import Workspace


def send_merged_notice(workspace: Workspace, *, contact: Contact, merge: Merge) -> OutboxMessage:
    """Tells the customer their accounts were combined and which email to log in with."""
    language = contact.preferred_language(workspace.default_language) or "en"
    return queue_email(
        workspace,
        kind="contact_merge.merged_notice",
        to=contact.email,
        template="emails/contact_merge/merged_notice",
        context={
            "contact": contact,
            "login_email": contact.email,
            "old_emails": [
                m["email"] for m in merge.merged_contacts if m["email"] != contact.email
            ],
            "login_url": workspace.absolute_url(reverse("accounts:login")),
        },
        language=language,
        contact=contact,
        metadata={"merge": merge.public_id},
    )
