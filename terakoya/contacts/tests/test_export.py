from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from terakoya.contacts import services
from terakoya.contacts.export import neutralize
from terakoya.contacts.tests.factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+81", "'+81"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("山田", "山田"),
        ("", ""),
    ],
)
def test_neutralize(value, expected):
    assert neutralize(value) == expected


def test_export_streams_filtered_csv_with_bom_and_no_formulas(owner_client, workspace):
    # given a contact whose name is a formula, tagged and granted
    offer = OfferFactory(workspace=workspace, name="=cmd|' /C calc'!A0")
    services.create_contact(
        workspace,
        email="a@example.com",
        first_name='=HYPERLINK("http://x")',
        last_name="山田",
        phone="090-1234-5678",
        tags=["VIP"],
        offers=[offer],
    )
    services.create_contact(workspace, email="b@example.com")
    # when exporting the filter "q=a@" for Excel
    url = reverse("dashboard:contacts:export", args=["alpha"])
    response = owner_client.get(url, {"q": "a@", "bom": "1"})
    body = b"".join(response.streaming_content).decode("utf-8")
    # then only the match, BOM first, formulas neutralized
    assert response["Content-Type"].startswith("text/csv")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2
    row = rows[1]
    assert row[0] == "a@example.com"
    assert row[1] == '山田 =HYPERLINK("http://x")'  # the name as shown: family name first
    assert row[2] == '\'=HYPERLINK("http://x")' and row[3] == "山田"
    assert row[4] == "'+819012345678"
    assert row[7] == "VIP" and row[8].startswith("'=cmd")
    # without the option there is no BOM
    plain = b"".join(owner_client.get(url).streaming_content).decode()
    assert not plain.startswith("\ufeff") and "b@example.com" in plain


# --- Streaming keeps the workspace scope until the last row ---------------------------------------
JAPANESE_NAMES = [("花子", "山田"), ("太郎", "佐藤"), ("さくら", "鈴木"), ("健", "髙橋")]


def _read_to_the_end(response) -> str:  # type: ignore[no-untyped-def]
    """Read a streamed body the way the server does: after the view returned, with scopes on
    and no workspace scope entered (a scoped query here raises ScopeError)."""
    from django_scopes import scope

    with scope():
        return b"".join(response.streaming_content).decode("utf-8")


def _contacts(workspace, count):  # type: ignore[no-untyped-def]
    made = []
    for i in range(count):
        first, last = JAPANESE_NAMES[i % len(JAPANESE_NAMES)]
        made.append(
            services.create_contact(
                workspace,
                email=f"member{i}@example.com",
                first_name=first,
                last_name=f"{last}{i}",
                tags=["受講生"],
            )
        )
    return made


def test_export_outside_the_views_scope_streams_every_row(owner_client, workspace, other_workspace):
    # given 30 contacts with Japanese names, and a contact of another workspace
    made = _contacts(workspace, 30)
    services.create_contact(other_workspace, email="stranger@example.com", first_name="他人")
    # when the owner downloads the export and it is read to the end after the view returned
    response = owner_client.get(reverse("dashboard:contacts:export", args=["alpha"]))
    body = _read_to_the_end(response)
    # then the header and every contact's row are there, names intact, and nothing else
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Email"
    by_email = {row[0]: row for row in rows[1:]}
    assert set(by_email) == {c.email for c in made}
    assert by_email["member0@example.com"][1:4] == ["山田0 花子", "花子", "山田0"]
    assert by_email["member7@example.com"][1:4] == ["髙橋7 健", "健", "髙橋7"]
    assert all(row[7] == "受講生" for row in rows[1:])
    assert "stranger@example.com" not in body


def test_export_header_follows_the_language_the_page_was_asked_in(owner_client, workspace):
    # given a contact
    _contacts(workspace, 1)
    # when the export is asked for in Japanese and read after the view returned
    owner_client.cookies["terakoya_language"] = "ja"
    response = owner_client.get(reverse("dashboard:contacts:export", args=["alpha"]))
    body = _read_to_the_end(response)
    # then the header is still Japanese and the row is there
    header, row = list(csv.reader(io.StringIO(body)))
    assert header[0] == "メールアドレス" and row[0] == "member0@example.com"


def test_bulk_export_of_selected_contacts_streams_every_selected_row(owner_client, workspace):
    # given 12 contacts of which 9 are selected
    made = _contacts(workspace, 12)
    chosen = made[:9]
    # when the owner runs the bulk action "Export" on them and the file is read to the end
    response = owner_client.post(
        reverse("dashboard:contacts:bulk", args=["alpha"]),
        {"scope": "selected", "ids": [c.public_id for c in chosen], "action": "export"},
    )
    body = _read_to_the_end(response)
    # then exactly the selected contacts are in it, with their Japanese names
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert {row[0] for row in rows} == {c.email for c in chosen}
    assert {row[3] for row in rows} == {c.last_name for c in chosen}
    assert response["Content-Disposition"].startswith('attachment; filename="contacts-alpha-')


def test_bulk_export_cannot_reach_another_workspaces_contacts(
    owner_client, workspace, other_workspace
):
    # given a contact in another workspace
    stranger = services.create_contact(other_workspace, email="stranger@example.com")
    mine = services.create_contact(workspace, email="mine@example.com")
    # when the owner posts its id to their own bulk export
    response = owner_client.post(
        reverse("dashboard:contacts:bulk", args=["alpha"]),
        {"scope": "selected", "ids": [stranger.public_id, mine.public_id], "action": "export"},
    )
    body = _read_to_the_end(response)
    # then only their own contact is exported
    assert "mine@example.com" in body and "stranger@example.com" not in body
