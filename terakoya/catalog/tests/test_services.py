from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from terakoya.activity.models import ActivityEvent
from terakoya.catalog.models import Grant
from terakoya.catalog.services import (
    bulk_grant,
    bulk_revoke,
    create_offer,
    grant_offer,
    revoke_offer,
    update_offer,
)
from terakoya.core.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_create_and_edit_offer(workspace, owner):
    offer = create_offer(
        workspace, name="オンライン講座", description="説明", internal_note="n", actor=owner
    )
    with pytest.raises(ValidationError):
        create_offer(workspace, name="オンライン講座")
    with pytest.raises(ValidationError):
        create_offer(workspace, name="   ")
    update_offer(workspace, offer=offer, name="講座 2", actor=owner)
    offer.refresh_from_db()
    assert offer.name == "講座 2"


def test_grant_revoke_keeps_history(workspace, owner):
    offer = create_offer(workspace, name="Course")
    contact = ContactFactory(workspace=workspace)
    first = grant_offer(workspace, contact=contact, offer=offer, actor=owner)
    assert grant_offer(workspace, contact=contact, offer=offer) == first  # idempotent
    revoked = revoke_offer(workspace, contact=contact, offer=offer, actor=owner)
    assert revoked.revoked_at is not None and revoked.revoked_by == owner
    assert revoke_offer(workspace, contact=contact, offer=offer) is None
    second = grant_offer(workspace, contact=contact, offer=offer)
    assert second != first
    assert Grant.objects.filter(contact=contact).count() == 2
    assert ActivityEvent.objects.filter(contact=contact, verb="grant.revoked").count() == 1


def test_bulk_grant_and_revoke(workspace):
    offer = create_offer(workspace, name="Course")
    contacts = [ContactFactory(workspace=workspace) for _ in range(3)]
    grant_offer(workspace, contact=contacts[0], offer=offer)
    ids = [c.pk for c in contacts]
    assert bulk_grant(workspace, contact_ids=ids, offer=offer) == 2
    assert bulk_grant(workspace, contact_ids=ids, offer=offer) == 0
    assert bulk_revoke(workspace, contact_ids=ids, offer=offer) == 3
    assert Grant.objects.filter(revoked_at__isnull=True).count() == 0
