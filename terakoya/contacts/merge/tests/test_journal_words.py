"""The merge pages in words (Japanese UI): the journal says what changed without hashes or
`Model #pk`, the undo result names what stayed, languages show by name, and the consent
ledger says which state the merge kept and why."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from terakoya.accounts.models import CustomerAccount
from terakoya.contacts.merge.models import Merge
from terakoya.contacts.merge.tests.factories import account
from terakoya.contacts.models import ConsentEvent, ConsentMethod
from terakoya.contacts.services import create_contact
from terakoya.core.factories import MembershipFactory
from terakoya.workspaces.models import Role
from terakoya.workspaces.services import update_workspace_settings

pytestmark = pytest.mark.django_db


def url(workspace, name, *args):  # type: ignore[no-untyped-def]
    return reverse(f"dashboard:contact_merge:{name}", args=[workspace.slug, *args])


@pytest.fixture
def japanese(workspace, owner):
    update_workspace_settings(workspace, actor=owner, changes={"default_language": "ja"})
    return workspace


@pytest.fixture
def pair(japanese, owner):
    primary = create_contact(
        japanese,
        email="taro@example.com",
        first_name="太郎",
        subscribe=True,
        consent_source="セミナー申込フォーム",
        actor=owner,
    )
    other = create_contact(japanese, email="taro2@example.com", language="en", actor=owner)
    account(other, "合言葉はねこ 1234")
    return primary, other


def _merge_by_page(client, workspace, primary, other, **extra):  # type: ignore[no-untyped-def]
    return client.post(
        url(workspace, "preview"),
        {
            "contacts": f"{primary.public_id},{other.public_id}",
            "primary": primary.public_id,
            "keep_password_from": other.public_id,
            "confirm_email": primary.email,
            "action": "merge",
            **extra,
        },
        follow=True,
    )


def test_the_preview_shows_languages_by_name(japanese, pair, owner_client):
    # Given a contact whose language is English
    primary, other = pair
    # When the owner opens the merge preview
    body = owner_client.get(
        url(japanese, "preview"), {"contacts": f"{primary.public_id},{other.public_id}"}
    ).content.decode()
    # Then the language reads 英語, never the code
    assert "英語" in body
    assert re.search(r">\s*en\s*<", body) is None


def test_the_journal_shows_changes_in_words_and_no_secret(japanese, pair, owner_client):
    # Given a merge that moved a password, activity and a language
    primary, other = pair
    hashed = CustomerAccount.objects.get(contact=other).password
    # When it is merged through the page (Japanese UI)
    body = _merge_by_page(owner_client, japanese, primary, other).content.decode()
    # Then the journal says what changed in words
    assert "パスワード（変更あり）" in body
    assert "言語" in body and "英語" in body
    assert "taro2@example.com" in body
    # And never shows the hash, raw ids or field names
    assert hashed not in body
    assert "argon2" not in body and "pbkdf2" not in body
    assert re.search(r"#\d+", body) is None
    for raw in ("contact_id", "account_id", "must_change_password", "accounts.CustomerAccount"):
        assert raw not in body


def test_the_undo_page_names_what_stayed_in_words(japanese, pair, owner_client):
    # Given a merge that emailed the customer
    primary, other = pair
    _merge_by_page(owner_client, japanese, primary, other, notify="1")
    merge = Merge.objects.get()
    # When it is undone from the page
    body = owner_client.post(url(japanese, "undo", merge.public_id), follow=True).content.decode()
    # Then what stayed on the contact is named by its subject, not its internal kind
    assert "contact_merge.merged_notice" not in body
    assert "メール" in body
    assert "取り消し" in body


def test_the_consent_ledger_says_which_state_the_merge_kept(japanese, pair, owner_client):
    # Given a subscribed primary and a never-subscribed duplicate
    primary, other = pair
    # When they are merged
    _merge_by_page(owner_client, japanese, primary, other)
    # Then the ledger has an entry saying which state was kept, from whom and why
    event = ConsentEvent.objects.get(contact=primary, method=ConsentMethod.MERGE)
    assert (event.from_state, event.to_state) == ("subscribed", "subscribed")
    page = owner_client.get(
        reverse("dashboard:contacts:detail", args=[japanese.slug, primary.public_id])
    ).content.decode()
    assert "統合時に、主連絡先 taro@example.com の「購読中」を引き継ぎました" in page
    assert "連絡先を統合" in page


def test_undo_takes_the_merge_entry_out_of_the_ledger(japanese, pair, owner_client):
    # Given a merge
    primary, other = pair
    _merge_by_page(owner_client, japanese, primary, other)
    # When it is undone
    owner_client.post(url(japanese, "undo", Merge.objects.get().public_id))
    # Then the ledger is as before the merge
    assert not ConsentEvent.objects.filter(method=ConsentMethod.MERGE).exists()


def test_another_workspace_cannot_open_the_journal(japanese, pair, owner_client, other_workspace):
    # Given a merge in the first workspace
    primary, other = pair
    _merge_by_page(owner_client, japanese, primary, other)
    merge = Merge.objects.get()
    stranger = MembershipFactory(workspace=other_workspace, role=Role.OWNER).user
    client = Client()
    client.force_login(stranger)
    # Then its journal is a 404 through the other workspace, like a missing one
    assert client.get(url(other_workspace, "detail", merge.public_id)).status_code == 404
    assert client.get(url(japanese, "detail", merge.public_id)).status_code == 404
