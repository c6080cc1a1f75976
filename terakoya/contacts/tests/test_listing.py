"""The contacts list in a large workspace: pages without a full count, the count loaded after."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from terakoya.contacts import listing, queries
from terakoya.core.factories import ContactFactory

pytestmark = pytest.mark.django_db


def url(name, ws="alpha"):
    return reverse(f"dashboard:contacts:{name}", args=[ws])


@pytest.fixture
def large(monkeypatch):
    # Every workspace counts as large, so the deferred path is taken with a few rows.
    monkeypatch.setattr(listing, "PRESET_COUNTS_CACHE_FROM", 1)
    monkeypatch.setattr(queries, "PRESET_COUNTS_CACHE_FROM", 1)
    monkeypatch.setattr("terakoya.contacts.views.PAGE_SIZE", 3)


def _counts(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_search_in_a_large_workspace_shows_the_page_then_loads_its_count(
    owner_client, workspace, large
):
    # given five Smiths and one other contact
    for i in range(5):
        ContactFactory(workspace=workspace, email=f"smith{i}@example.com", last_name="Smith")
    ContactFactory(workspace=workspace, email="other@example.com", last_name="Other")

    # when the list is searched
    with CaptureQueriesContext(connection) as captured:
        page = owner_client.get(url("list"), {"q": "smith"})

    # then the first page is shown without counting the matches, with a next page
    body = page.content.decode()
    assert page.status_code == 200
    assert not [sql for sql in _counts(captured) if "search_text" in sql or "fts" in sql]
    assert body.count('name="ids"') == 3
    assert "Counting the matching contacts" in body and "page=2" in body
    # and the count, asked for by the page, is the number of Smiths
    count = owner_client.get(url("count"), {"q": "smith"})
    assert count.status_code == 200
    assert "5 contacts" in count.content.decode()
    # and once counted, the list shows it at once (cached for a minute)
    again = owner_client.get(url("list"), {"q": "smith"}).content.decode()
    assert "5 contacts" in again and "Page 1 of 2" in again


def test_the_last_page_knows_its_total_without_a_count(owner_client, workspace, large):
    # given two matching contacts: fewer than a page
    ContactFactory(workspace=workspace, email="a.clarke@example.com", last_name="Clarke")
    ContactFactory(workspace=workspace, email="b.clarke@example.com", last_name="Clarke")

    # when searched
    with CaptureQueriesContext(connection) as captured:
        body = owner_client.get(url("list"), {"q": "clarke"}).content.decode()

    # then the total is shown exactly, and no count query ran for it
    assert "2 contacts" in body
    assert not [sql for sql in _counts(captured) if "search_text" in sql or "fts" in sql]


def test_without_javascript_the_count_link_counts_inline(owner_client, workspace, large):
    # given more Smiths than one page holds
    for i in range(4):
        ContactFactory(workspace=workspace, email=f"s{i}@example.com", last_name="Smith")

    # when the "count" link (the page's fallback) is followed
    body = owner_client.get(url("list"), {"q": "smith", "count": "1"}).content.decode()

    # then the page carries the total
    assert "4 contacts" in body and "Page 1 of 2" in body


def test_the_count_is_per_workspace(owner_client, workspace, other_workspace, large):
    # given a Smith in each workspace
    ContactFactory(workspace=workspace, email="mine@example.com", last_name="Smith")
    ContactFactory(workspace=other_workspace, email="theirs@example.com", last_name="Smith")
    ContactFactory(workspace=other_workspace, email="theirs2@example.com", last_name="Smith")

    # when our staff counts, and tries the other workspace's count
    mine = owner_client.get(url("count"), {"q": "smith"})
    theirs = owner_client.get(url("count", ws="beta"), {"q": "smith"})

    # then only our contact is counted, and the other workspace's page does not answer
    assert "1 contact" in mine.content.decode()
    assert theirs.status_code == 404


@pytest.mark.parametrize("page", ["0", "-3", "abc", "99999999999", "9"])
def test_any_page_number_answers(owner_client, workspace, large, page):
    # given a few contacts
    for i in range(4):
        ContactFactory(workspace=workspace, email=f"p{i}@example.com")

    # when any page number is asked for
    response = owner_client.get(url("list"), {"q": "example", "page": page})

    # then the list answers (an empty page past the end offers a way back)
    assert response.status_code == 200
