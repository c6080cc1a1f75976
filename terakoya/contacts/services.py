"""Every write to contacts (ARCHITECTURE.md §4 rule 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from terakoya.activity.services import record_event
from terakoya.contacts.models import Contact, normalize_email

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace


@transaction.atomic
def create_contact(
    workspace: Workspace,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    language: str = "",
    actor: Any = None,
) -> Contact:
    contact = Contact(
        workspace=workspace,
        email=normalize_email(email),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone,
        language=language,
    )
    contact.full_clean(exclude=["workspace"])
    contact.save()
    record_event(workspace, verb="contact.created", actor=actor, contact=contact)
    return contact
