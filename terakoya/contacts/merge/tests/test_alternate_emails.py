"""After a merge, the merged-away emails keep pointing at the merged contact."""

from __future__ import annotations

import pytest

from terakoya.contacts import services as contact_services
from terakoya.contacts.imports.tests.helpers import run_file
from terakoya.contacts.merge.services import merge_contacts
from terakoya.contacts.models import Contact, ContactTag
from terakoya.core.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(workspace, owner):
    primary = ContactFactory(workspace=workspace, email="hanako@example.com", first_name="")
    other = ContactFactory(workspace=workspace, email="hanako.old@example.com")
    merge_contacts(
        workspace,
        contact_ids=[primary.public_id, other.public_id],
        primary_id=primary.public_id,
        confirm_email=primary.email,
        actor=owner,
    )
    primary.refresh_from_db()
    return primary


def test_import_of_a_merged_away_email_updates_the_merged_contact(workspace, owner, merged):
    # Given a contact merged from two; when a file lists the old email with a new tag
    job = run_file(
        workspace, "email,first_name,tags\nHANAKO.OLD@example.com,花子,再購入\n", actor=owner
    )
    # Then no duplicate comes back: the merged contact gets the tag
    assert job.created_count == 0 and job.updated_count == 1
    assert Contact.objects.filter(workspace=workspace).count() == 1
    assert ContactTag.objects.filter(contact=merged, tag__name="再購入").exists()
    # And its own email stays what search finds
    merged.refresh_from_db()
    assert merged.email == "hanako@example.com"
    assert merged.search_text.startswith("hanako@example.com")


def test_adding_a_merged_away_email_points_at_the_merged_contact(workspace, owner, merged):
    with pytest.raises(contact_services.DuplicateContactError) as caught:
        contact_services.create_contact(workspace, email="hanako.old@example.com", actor=owner)
    assert caught.value.existing == merged


def test_alternate_emails_of_another_workspace_do_not_match(workspace, other_workspace, merged):
    job = run_file(other_workspace, "email\nhanako.old@example.com\n")
    assert job.created_count == 1
    assert Contact.objects.filter(workspace=other_workspace).count() == 1
