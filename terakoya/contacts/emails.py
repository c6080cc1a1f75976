"""One function per email (docs/architecture.md, rule 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from terakoya.contacts.models import ConsentState
from terakoya.mail.models import OutboxMessage
from terakoya.mail.secrets import Secret
from terakoya.mail.services import queue_email

if TYPE_CHECKING:
    from terakoya.contacts.models import Contact
    from terakoya.workspaces.models import Workspace


def send_double_opt_in_email(
    workspace: Workspace, *, contact: Contact, raw_token: str
) -> OutboxMessage:
    """Asks the contact to confirm, with one button on our page, that they want marketing email."""
    # The token is sealed in the outbox: staff never see a link that could subscribe the contact.
    token = Secret(raw_token)
    url = workspace.absolute_url(
        reverse("contacts_public:confirm_subscription", args=[token.placeholder])
    )
    language = contact.preferred_language(workspace.default_language)
    return queue_email(
        workspace,
        kind="contacts.double_opt_in",
        to=contact.email,
        template="emails/contacts/double_opt_in",
        context={
            "confirm_url": url,
            "name": contact.name_for(language),
            # Only someone who unsubscribed is asked about email "again".
            "resubscribe": contact.consent_state == ConsentState.UNSUBSCRIBED,
        },
        language=language,
        contact=contact,
        secrets=[token],
    )
