"""Small builders for merge tests: a contact with some of everything a merge must keep."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password

from terakoya.accounts.models import CustomerAccount, LoginAttempt
from terakoya.activity.models import ActivityEvent
from terakoya.catalog.models import Grant, Offer
from terakoya.contacts.models import Address, ConsentEvent, Contact, ContactTag, Tag
from terakoya.core.factories import ContactFactory


def tag(contact: Contact, name: str) -> ContactTag:
    t, _ = Tag.objects.get_or_create(workspace=contact.workspace, name=name)
    return ContactTag.objects.create(workspace=contact.workspace, contact=contact, tag=t)


def offer(workspace: Any, name: str) -> Offer:
    return Offer.objects.get_or_create(workspace=workspace, name=name)[0]


def grant(contact: Contact, offer_obj: Offer, **kw: Any) -> Grant:
    return Grant.objects.create(workspace=contact.workspace, contact=contact, offer=offer_obj, **kw)


def account(contact: Contact, password: str | None = None, **kw: Any) -> CustomerAccount:
    return CustomerAccount.objects.create(
        workspace=contact.workspace,
        contact=contact,
        password=make_password(password) if password else "",
        **kw,
    )


def full_contact(workspace: Any, email: str, **kw: Any) -> Contact:
    """A contact with an address, a tag, a grant, a consent event, an activity entry."""
    c = ContactFactory(workspace=workspace, email=email, **kw)
    Address.objects.create(
        workspace=workspace, contact=c, line1=f"1 {email} street", is_default=True
    )
    tag(c, "vip")
    tag(c, f"only-{email.split('@')[0]}")
    grant(c, offer(workspace, f"Course of {email.split('@')[0]}"))
    ConsentEvent.objects.create(
        workspace=workspace,
        contact=c,
        from_state="never_subscribed",
        to_state="subscribed",
        method="import",
    )
    ActivityEvent.objects.create(workspace=workspace, verb="contact.created", contact=c)
    return c


def attempt(acc: CustomerAccount) -> LoginAttempt:
    return LoginAttempt.objects.create(
        workspace=acc.workspace, account=acc, method="password", succeeded=True
    )
