from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from terakoya.activity.models import ActivityEvent
from terakoya.catalog.models import Grant
from terakoya.contacts import services
from terakoya.contacts.models import (
    ConsentEvent,
    ConsentMethod,
    ConsentState,
    Contact,
    DoubleOptInToken,
)
from terakoya.contacts.tests.factories import OfferFactory
from terakoya.mail.models import OutboxMessage
from terakoya.mail.services import build_message

pytestmark = pytest.mark.django_db


def test_create_contact_with_japanese_name_phone_tags_offers(workspace, owner):
    # given two offers
    o1, o2 = OfferFactory(workspace=workspace), OfferFactory(workspace=workspace)
    # when staff add a contact
    contact = services.create_contact(
        workspace,
        email=" Hanako@Example.COM ",
        first_name="花子",
        last_name="山田",
        phone="090-1234-5678",
        language="ja",
        tags=["セミナー", "VIP"],
        offers=[o1, o2],
        actor=owner,
    )
    # then it is normalized, tagged, granted and never subscribed
    assert contact.email == "hanako@example.com"
    assert contact.phone == "+819012345678"
    assert contact.consent_state == ConsentState.NEVER_SUBSCRIBED
    assert sorted(contact.contact_tags.values_list("tag__name", flat=True)) == ["VIP", "セミナー"]
    assert Grant.objects.filter(contact=contact, revoked_at__isnull=True).count() == 2
    assert not ConsentEvent.objects.filter(contact=contact).exists()
    assert ActivityEvent.objects.filter(contact=contact, verb="contact.created").exists()


def test_subscribing_at_creation_needs_a_source_and_writes_the_ledger(workspace, owner):
    with pytest.raises(ValidationError):
        services.create_contact(workspace, email="a@example.com", subscribe=True, actor=owner)
    assert not Contact.objects.filter(email="a@example.com").exists()
    contact = services.create_contact(
        workspace,
        email="a@example.com",
        subscribe=True,
        consent_source="Tokyo seminar",
        consent_wording="Subscribe to marketing email",
        actor=owner,
        ip="10.0.0.1",
    )
    event = ConsentEvent.objects.get(contact=contact)
    assert contact.consent_state == ConsentState.SUBSCRIBED
    assert (event.from_state, event.to_state, event.method) == (
        ConsentState.NEVER_SUBSCRIBED,
        ConsentState.SUBSCRIBED,
        ConsentMethod.STAFF_CREATE,
    )
    assert event.source == "Tokyo seminar" and event.ip == "10.0.0.1" and event.actor_user == owner


def test_duplicate_email_is_refused_with_the_existing_contact(workspace):
    first = services.create_contact(workspace, email="dup@example.com")
    with pytest.raises(services.DuplicateContactError) as caught:
        services.create_contact(workspace, email="DUP@example.com ")
    assert caught.value.existing == first


@pytest.mark.parametrize(
    "kwargs",
    [
        {"email": "not-an-email"},
        {"email": ""},
        {"email": "a@example.com", "phone": "12"},
        {"email": "a@example.com", "phone": "abc"},
        {"email": "a@example.com", "language": "fr"},
        {"email": "a@example.com", "first_name": "x" * 151},
    ],
)
def test_bad_input_changes_nothing(workspace, kwargs):
    with pytest.raises(ValidationError):
        services.create_contact(workspace, **kwargs)
    assert Contact.objects.count() == 0


def test_update_cannot_touch_consent_and_checks_email(workspace, owner):
    contact = services.create_contact(workspace, email="a@example.com")
    services.create_contact(workspace, email="b@example.com")
    services.update_contact(
        workspace,
        contact=contact,
        changes={"consent_state": "subscribed", "first_name": "太郎"},
        actor=owner,
    )
    contact.refresh_from_db()
    assert contact.consent_state == ConsentState.NEVER_SUBSCRIBED and contact.first_name == "太郎"
    with pytest.raises(services.DuplicateContactError):
        services.update_contact(workspace, contact=contact, changes={"email": "B@example.com"})


def test_staff_can_unsubscribe_then_only_the_contact_can_resubscribe(workspace, owner):
    # given a subscribed contact
    contact = services.create_contact(
        workspace, email="a@example.com", subscribe=True, consent_source="form", language="ja"
    )
    # when staff unsubscribe
    services.unsubscribe_contact(workspace, contact=contact, actor=owner)
    contact.refresh_from_db()
    assert contact.consent_state == ConsentState.UNSUBSCRIBED
    assert contact.unsubscribe_reason == "manual"
    # and request a double opt-in: nothing changes yet, an email goes out in Japanese
    token = services.request_double_opt_in(workspace, contact=contact, actor=owner)
    contact.refresh_from_db()
    assert contact.consent_state == ConsentState.UNSUBSCRIBED
    message = OutboxMessage.objects.get(kind="contacts.double_opt_in")
    assert message.to_email == "a@example.com"
    assert "確認" in message.subject
    raw = build_message(message).body.split("/email/confirm/")[1].split("/")[0]
    assert raw not in message.body_text  # the stored copy holds a placeholder, not the token
    assert token.token_hash == services.hash_token(raw) and raw not in token.token_hash
    # a second request right away is refused
    with pytest.raises(services.ConsentError):
        services.request_double_opt_in(workspace, contact=contact, actor=owner)
    # when the contact confirms
    confirmed = services.confirm_double_opt_in(
        workspace, raw_token=raw, wording="Yes", ip="1.2.3.4"
    )
    assert confirmed is not None and confirmed.consent_state == ConsentState.SUBSCRIBED
    event = ConsentEvent.objects.filter(contact=contact).first()
    assert event.method == ConsentMethod.DOUBLE_OPT_IN_CONFIRMED and event.ip == "1.2.3.4"
    assert event.wording == "Yes"
    # then the link is single use
    assert services.confirm_double_opt_in(workspace, raw_token=raw, wording="Yes") is None
    # every change is in the ledger
    methods = list(
        ConsentEvent.objects.filter(contact=contact).order_by("id").values_list("method", flat=True)
    )
    assert methods == ["staff_create", "staff_unsubscribe", "doi_requested", "doi_confirmed"]


def test_opt_in_link_expires_and_is_workspace_bound(workspace, other_workspace):
    contact = services.create_contact(workspace, email="a@example.com")
    services.request_double_opt_in(workspace, contact=contact)
    raw = build_message(OutboxMessage.objects.get()).body.split("/email/confirm/")[1].split("/")[0]
    assert services.confirm_double_opt_in(other_workspace, raw_token=raw, wording="x") is None
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert services.confirm_double_opt_in(workspace, raw_token=raw, wording="x") is None
    contact.refresh_from_db()
    assert contact.consent_state == ConsentState.NEVER_SUBSCRIBED


def test_already_subscribed_cannot_request_opt_in(workspace):
    contact = services.create_contact(
        workspace, email="a@example.com", subscribe=True, consent_source="x"
    )
    with pytest.raises(services.ConsentError):
        services.request_double_opt_in(workspace, contact=contact)
    assert not DoubleOptInToken.objects.exists()


def test_trash_restore_and_purge(workspace, owner):
    contact = services.create_contact(workspace, email="a@example.com")
    services.trash_contact(workspace, contact=contact, actor=owner)
    assert services.restore_contacts(workspace, contact_ids=[contact.pk], actor=owner) == 1
    contact.refresh_from_db()
    assert contact.deleted_at is None
    services.trash_contact(workspace, contact=contact, actor=owner)
    assert services.purge_trash() == 0  # not 30 days yet
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert services.purge_trash() == 1
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_addresses_and_tags(workspace, owner):
    contact = services.create_contact(workspace, email="a@example.com")
    address = services.save_address(
        workspace,
        contact=contact,
        data={
            "postal_code": "100-0001",
            "region": "東京都",
            "city": "千代田区",
            "line1": "千代田1-1",
            "is_default": True,
        },
        actor=owner,
    )
    assert address.country == "JP" and address.is_default
    tag = services.add_tag(workspace, contact=contact, name="  VIP  ")
    assert tag.name == "VIP"
    assert services.remove_tag(workspace, contact=contact, tag=tag) is True
    assert services.remove_tag(workspace, contact=contact, tag=tag) is False


def test_phone_numbers_without_a_country_code_follow_the_workspace_country(
    workspace, other_workspace
):
    # Given a workspace in the United States, and another left in Japan
    workspace.country = "US"
    workspace.save(update_fields=["country"])

    # When each adds a contact with a domestic number
    contact = services.create_contact(workspace, email="us@example.com", phone="(415) 555-2671")
    other = services.create_contact(other_workspace, email="jp@example.com", phone="090-1234-5678")

    # Then each number is read in its own workspace's country
    assert contact.phone == "+14155552671"
    assert other.phone == "+819012345678"
