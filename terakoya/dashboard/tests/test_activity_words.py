"""Staff read the activity in words (Japanese UI): labels for every event, details as
label: value pairs, languages by name; never event codes or Python dicts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from terakoya.contacts.bulk import start_bulk_action
from terakoya.contacts.merge.services import merge_contacts
from terakoya.contacts.services import create_contact, update_contact
from terakoya.core.factories import MembershipFactory
from terakoya.workspaces.models import Role
from terakoya.workspaces.services import update_workspace_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def japanese(workspace, owner):
    update_workspace_settings(workspace, actor=owner, changes={"default_language": "ja"})
    return workspace


def _merge(workspace, owner):
    a = create_contact(workspace, email="taro@example.com", first_name="太郎", actor=owner)
    b = create_contact(workspace, email="taro2@example.com", language="en", actor=owner)
    return merge_contacts(
        workspace,
        contact_ids=[a.public_id, b.public_id],
        primary_id=a.public_id,
        confirm_email="taro@example.com",
        actor=owner,
    )


def test_recent_activity_on_the_home_page_is_in_words(japanese, owner, owner_client):
    # Given a merge in a Japanese workspace
    _merge(japanese, owner)
    # When the owner opens the dashboard home
    body = owner_client.get(reverse("dashboard:home", args=[japanese.slug])).content.decode()
    # Then the event reads as words, not as its code
    assert "連絡先を統合" in body
    assert "contact.merged" not in body
    assert "contact.created" not in body


def test_the_activity_log_shows_details_as_words(japanese, owner, owner_client):
    # Given events with list, dict and language details
    _merge(japanese, owner)
    contact = create_contact(japanese, email="hanako@example.com", actor=owner)
    update_contact(japanese, contact=contact, changes={"language": "en"}, actor=owner)
    start_bulk_action(
        japanese, action="add_tag", selection={"q": "hanako"}, params={"tag": "VIP"}, actor=owner
    )
    # When the owner opens the activity log
    body = owner_client.get(reverse("dashboard:activity", args=[japanese.slug])).content.decode()
    # Then details are label: value pairs in Japanese, never Python reprs or codes
    assert "統合した連絡先: taro2@example.com" in body
    assert "変更した項目: 言語" in body
    assert "既定の言語: 日本語" in body
    assert "操作: タグを追加" in body or "操作: タグの追加" in body
    assert "タグ: VIP" in body
    for raw in ("{&#x27;", "[&#x27;", "default_language", "add_tag", ": ja<", "fields:"):
        assert raw not in body


def test_another_workspace_sees_none_of_the_activity(japanese, owner, other_workspace):
    # Given a merge in the first workspace
    _merge(japanese, owner)
    other_owner = MembershipFactory(workspace=other_workspace, role=Role.OWNER).user
    client = Client()
    client.force_login(other_owner)
    # When the other workspace's owner opens their log and home
    log = client.get(reverse("dashboard:activity", args=[other_workspace.slug])).content.decode()
    home = client.get(reverse("dashboard:home", args=[other_workspace.slug])).content.decode()
    # Then nothing of the first workspace is there
    assert "taro2@example.com" not in log and "taro2@example.com" not in home
    # And the first workspace's log is a 404 for them
    assert client.get(reverse("dashboard:activity", args=[japanese.slug])).status_code == 404
