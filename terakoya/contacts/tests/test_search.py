"""Contact search finds what Japanese staff type: names in either order, with or without a
space, phones in any written form, merged-away emails and full-width letters — through the
contacts list page (`?q=`), and never another workspace's contacts."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from terakoya.contacts import services
from terakoya.contacts.imports.tests.helpers import run_file
from terakoya.contacts.merge.services import merge_contacts
from terakoya.contacts.models import Contact
from terakoya.core.factories import MembershipFactory
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db


def found(client, workspace, q):
    """The emails the contacts list shows for the search `q` (page read to the end)."""
    response = client.get(reverse("dashboard:contacts:list", args=[workspace.slug]), {"q": q})
    assert response.status_code == 200
    body = response.content.decode()
    emails = set(re.findall(r"[\w.+-]+@example\.(?:com|org)", body))
    return sorted(e for e in emails if not e.startswith("staff"))  # the signed-in staff user


@pytest.fixture
def people(workspace, other_workspace):
    services.create_contact(
        workspace, email="misaki@example.com", first_name="美咲", last_name="高橋"
    )
    services.create_contact(
        workspace,
        email="ichiro@example.com",
        first_name="一郎",
        last_name="鈴木",
        phone="090-1111-2222",
    )
    services.create_contact(
        workspace, email="emma@example.com", first_name="Emma", last_name="Clarke"
    )
    # The same person in another workspace must never show up in this one's search.
    services.create_contact(
        other_workspace,
        email="misaki.beta@example.org",
        first_name="美咲",
        last_name="高橋",
        phone="090-1111-2222",
    )


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # family name first with a space, as Japanese staff type it
        ("高橋 美咲", ["misaki@example.com"]),
        ("鈴木 一郎", ["ichiro@example.com"]),
        # with the ideographic space of a Japanese keyboard
        ("高橋\u3000美咲", ["misaki@example.com"]),
        # no space at all
        ("高橋美咲", ["misaki@example.com"]),
        ("鈴木一郎", ["ichiro@example.com"]),
        # given name first still works
        ("美咲 高橋", ["misaki@example.com"]),
        # a Western name in either order
        ("emma clarke", ["emma@example.com"]),
        ("Clarke Emma", ["emma@example.com"]),
    ],
)
def test_names_are_found_in_either_order_with_or_without_a_space(
    owner_client, workspace, people, q, expected
):
    # given contacts with Japanese and Western names (and a namesake in another workspace)
    # when staff search the list
    # then the contact is found, and only this workspace's
    assert found(owner_client, workspace, q) == expected


@pytest.mark.parametrize(
    "q",
    [
        "090-1111-2222",
        "09011112222",
        "+819011112222",
        "+81 90-1111-2222",
        "+8190",
        "090 1111 2222",
        "０９０－１１１１－２２２２",  # full-width, as a Japanese IME types it
        "(090) 1111-2222",
    ],
)
def test_a_phone_is_found_however_it_is_written(owner_client, workspace, people, q):
    # given a contact whose phone was entered as 090-1111-2222 (stored +819011112222),
    # and one in another workspace with the same phone
    # when staff search for it in any usual form
    # then this workspace's contact is found
    assert found(owner_client, workspace, q) == ["ichiro@example.com"]


def test_full_width_letters_are_folded(owner_client, workspace, people):
    # given misaki@example.com; when staff type the name in full-width letters
    # then it is found (NFKC), whatever the case
    assert found(owner_client, workspace, "ｍｉｓａｋｉ") == ["misaki@example.com"]
    assert found(owner_client, workspace, "ＭＩＳＡＫＩ@") == ["misaki@example.com"]


def test_a_merged_away_email_finds_the_contact_it_was_merged_into(
    owner_client, owner, workspace, other_workspace
):
    # given two contacts merged into one, and a contact of another workspace
    primary = services.create_contact(workspace, email="hanako@example.com")
    old = services.create_contact(workspace, email="hanako.old@example.com", last_name="山田")
    services.create_contact(other_workspace, email="hanako.older@example.org")
    merge_contacts(
        workspace,
        contact_ids=[primary.public_id, old.public_id],
        primary_id=primary.public_id,
        confirm_email=primary.email,
        actor=owner,
    )
    # when staff search for the merged-away email
    # then the list shows the merged contact (under its own email), not the other workspace's
    assert found(owner_client, workspace, "hanako.old@example") == ["hanako@example.com"]
    assert found(owner_client, workspace, "hanako.old") == ["hanako@example.com"]
    # and an import that fills a blank field of the merged contact keeps it findable
    job = run_file(workspace, "email,first_name\nhanako@example.com,花子\n", actor=owner)
    assert job.updated_count == 1
    assert found(owner_client, workspace, "hanako.old@example") == ["hanako@example.com"]
    assert found(owner_client, workspace, "山田 花子") == ["hanako@example.com"]


def test_an_undone_merge_takes_the_alternate_email_back(owner_client, owner, workspace):
    # given a merge that is undone
    from terakoya.contacts.merge.services import undo_merge

    primary = services.create_contact(workspace, email="taro@example.com")
    old = services.create_contact(workspace, email="taro.old@example.com")
    merge = merge_contacts(
        workspace,
        contact_ids=[primary.public_id, old.public_id],
        primary_id=primary.public_id,
        confirm_email=primary.email,
        actor=owner,
    )
    undo_merge(workspace, merge=merge, actor=owner)
    # when staff search for the once merged-away email
    # then only the restored contact is found
    assert found(owner_client, workspace, "taro.old") == ["taro.old@example.com"]


def test_another_workspace_cannot_search_this_ones_contacts(client, workspace, other_workspace):
    # given a contact in alpha and a staff member of beta only
    services.create_contact(
        workspace, email="misaki@example.com", first_name="美咲", last_name="高橋"
    )
    beta_owner = MembershipFactory(workspace=other_workspace, role=Role.OWNER).user
    client.force_login(beta_owner)
    # when beta's owner searches beta's list, or asks for alpha's list
    # then nothing of alpha's is shown, and alpha's list is a 404
    assert found(client, other_workspace, "高橋 美咲") == []
    response = client.get(reverse("dashboard:contacts:list", args=[workspace.slug]), {"q": "高橋"})
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_migration_recomputes_the_search_text_of_existing_contacts(
    owner_client, owner, workspace
):
    # given contacts written before the new search text (old form: "email first last phone")
    services.create_contact(
        workspace,
        email="ichiro@example.com",
        first_name="一郎",
        last_name="鈴木",
        phone="090-1111-2222",
    )
    call_command("migrate", "contacts", "0011", verbosity=0)
    try:
        # (only the column: later migrations add fields the table does not have at 0011)
        old = Contact.objects.filter(email="ichiro@example.com").values_list(
            "search_text", flat=True
        )
        assert list(old) == ["ichiro@example.com 一郎 鈴木 +819011112222"]
    finally:
        # when the migration runs (also after a failed check, so no later test meets an old table)
        call_command("migrate", verbosity=0)
    # then the contact is found the new ways
    assert found(owner_client, workspace, "鈴木一郎") == ["ichiro@example.com"]
    assert found(owner_client, workspace, "09011112222") == ["ichiro@example.com"]
    if connection.vendor == "sqlite":  # the FTS index followed the UPDATEs
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM contacts_contact_fts WHERE search_text MATCH '\"鈴木一郎\"'"
            )
            assert cur.fetchone()[0] == 1
