from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from terakoya.catalog.services import grant_offer, revoke_offer
from terakoya.contacts.models import ConsentState, Contact
from terakoya.contacts.queries import contact_queryset, count_contacts
from terakoya.contacts.services import add_tag, create_contact, save_segment
from terakoya.contacts.tests.factories import OfferFactory
from terakoya.core.factories import ContactFactory

pytestmark = pytest.mark.django_db


def emails(qs):
    return sorted(c.email for c in qs)


def test_search_finds_substrings_in_japanese_and_english(workspace):
    # given contacts with Japanese and Western names and a phone
    create_contact(workspace, email="hanako@example.com", first_name="花子", last_name="山田")
    create_contact(
        workspace,
        email="john@example.org",
        first_name="John",
        last_name="Smith",
        phone="090-1234-5678",
    )
    # when/then: 3+ character and short substrings, any case, match
    assert emails(contact_queryset(workspace, q="山田")) == ["hanako@example.com"]
    assert emails(contact_queryset(workspace, q="田")) == ["hanako@example.com"]
    # family name first, as Japanese staff type it, matches too
    assert emails(contact_queryset(workspace, q="山田 花")) == ["hanako@example.com"]
    assert emails(contact_queryset(workspace, q="SMI")) == ["john@example.org"]
    assert emails(contact_queryset(workspace, q="example.")) == [
        "hanako@example.com",
        "john@example.org",
    ]
    assert emails(contact_queryset(workspace, q="9012345")) == ["john@example.org"]
    assert emails(contact_queryset(workspace, q='"); drop')) == []


def test_search_index_follows_updates_and_raw_inserts(workspace):
    # given a contact renamed through the ORM and one updated with set-based SQL
    contact = create_contact(workspace, email="a@example.com", first_name="Taro")
    contact.first_name = "Jiro"
    contact.save()
    Contact.objects.filter(pk=contact.pk).update(search_text="a@example.com saburo")
    # then the search sees only the latest text
    assert count_contacts(workspace, q="taro") == 0
    assert count_contacts(workspace, q="jiro") == 0
    assert count_contacts(workspace, q="saburo") == 1


def test_filters_combine(workspace):
    offer = OfferFactory(workspace=workspace)
    a = create_contact(workspace, email="a@example.com", subscribe=True, consent_source="event")
    b = create_contact(workspace, email="b@example.com")
    c = create_contact(workspace, email="c@example.com")
    add_tag(workspace, contact=a, name="VIP")
    add_tag(workspace, contact=b, name="VIP")
    grant_offer(workspace, contact=a, offer=offer)
    grant_offer(workspace, contact=c, offer=offer)
    revoke_offer(workspace, contact=c, offer=offer)
    tag = a.contact_tags.get().tag
    assert emails(contact_queryset(workspace, member=True)) == ["a@example.com"]
    assert emails(contact_queryset(workspace, member=False)) == ["b@example.com", "c@example.com"]
    assert emails(contact_queryset(workspace, offer=offer)) == ["a@example.com"]
    assert emails(
        contact_queryset(workspace, tag=tag.public_id, consent=ConsentState.NEVER_SUBSCRIBED)
    ) == ["b@example.com"]
    assert count_contacts(workspace, consent="bogus") == 0
    assert count_contacts(workspace, tag="nope") == 0
    segment = save_segment(
        workspace, name="VIP members", filters={"tag": tag.public_id, "member": "true"}
    )
    assert emails(contact_queryset(workspace, segment=segment)) == ["a@example.com"]


def test_created_dates_sorting_and_trash(workspace):
    old = ContactFactory(workspace=workspace, email="old@example.com", last_name="Abe")
    Contact.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    ContactFactory(workspace=workspace, email="new@example.com", last_name="Zen")
    gone = ContactFactory(workspace=workspace, email="gone@example.com")
    Contact.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    today = timezone.localdate()
    assert emails(contact_queryset(workspace, created_from=today)) == ["new@example.com"]
    assert emails(contact_queryset(workspace, created_to=today - timedelta(days=5))) == [
        "old@example.com"
    ]
    assert [c.email for c in contact_queryset(workspace, sort="name")] == [
        "old@example.com",
        "new@example.com",
    ]
    assert [c.email for c in contact_queryset(workspace, sort="newest")][0] == "new@example.com"
    assert emails(contact_queryset(workspace, trashed=True)) == ["gone@example.com"]
    assert count_contacts(workspace, include_deleted=True) == 3
    assert count_contacts(workspace, created_from="not a date") == 2


def test_other_workspace_is_never_listed(workspace, other_workspace):
    create_contact(workspace, email="mine@example.com", first_name="山田")
    create_contact(other_workspace, email="theirs@example.com", first_name="山田")
    theirs_tag = add_tag(
        other_workspace, contact=Contact.objects.get(email="theirs@example.com"), name="x"
    )
    assert emails(contact_queryset(workspace, q="山田")) == ["mine@example.com"]
    assert count_contacts(workspace, tag=theirs_tag) == 0


def test_preset_counts(workspace, other_workspace):
    from terakoya.contacts.queries import preset_counts

    offer = OfferFactory(workspace=workspace)
    create_contact(
        workspace, email="a@example.com", subscribe=True, consent_source="x", offers=[offer]
    )
    create_contact(workspace, email="b@example.com")
    create_contact(other_workspace, email="c@example.com")
    counts = preset_counts(workspace)
    assert counts == {
        "all": 2,
        "subscribed": 1,
        "unsubscribed": 0,
        "never_subscribed": 1,
        "members": 1,
    }


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_planner_samples_search_text_finely_on_postgresql():
    # Given the migrated database, when the planner's sample size for search_text is read
    with connection.cursor() as cur:
        cur.execute(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'contacts_contact'::regclass AND attname = 'search_text'"
        )
        (target,) = cur.fetchone()

    # Then it is 500 buckets, which keeps a common search on the newest-first index (0011)
    assert target == 500
