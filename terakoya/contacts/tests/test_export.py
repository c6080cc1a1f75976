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
