from __future__ import annotations

from pathlib import Path

import pytest

from terakoya.contacts.models import ConsentState, Contact
from terakoya.core.factories import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_add_a_contact_find_it_and_see_why_subscribe_is_gone(
    page, live_server, workspace, owner, screenshot
):
    # Given a logged-in owner
    page.goto("/dashboard/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    # When they add a single contact with consent from an event
    page.get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Add single contact").click()
    page.locator("#id_email").fill("hanako@example.com")
    page.get_by_label("First name").fill("花子")
    page.get_by_label("Last name").fill("山田")
    page.locator("#id_phone").fill("090-1234-5678")
    page.get_by_label("Subscribe to marketing email").check()
    page.get_by_label("Where did this contact agree").fill("Tokyo seminar")
    screenshot(page, "contacts-add")
    page.get_by_role("button", name="Add contact").click()
    # Then the contact page shows the ledger and explains the consent rules
    page.wait_for_url("**/contacts/*/")
    assert page.get_by_text("Tokyo seminar").is_visible()
    contact = Contact.objects.get(email="hanako@example.com")
    assert contact.consent_state == ConsentState.SUBSCRIBED and contact.phone == "+819012345678"
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_text("Why is there no").is_visible()
    screenshot(page, "contacts-detail")
    # And searching the list in Japanese finds them
    page.get_by_role("link", name="Contacts").first.click()
    page.get_by_label("Search").fill("山田")
    page.get_by_role("button", name="Filter").click()
    assert page.get_by_role("link", name="山田 花子").is_visible()  # family name first
    page.get_by_text("Bulk actions").click()
    assert page.get_by_role("button", name="Continue").is_visible()
    screenshot(page, "contacts-list")


def test_a_search_in_a_large_workspace_shows_its_count_once_the_page_is_up(
    page, live_server, workspace, owner, screenshot, monkeypatch
):
    # Given a workspace treated as large (counts deferred) with more Smiths than a page holds
    from terakoya.contacts import listing, queries
    from terakoya.core.factories import ContactFactory

    monkeypatch.setattr(listing, "PRESET_COUNTS_CACHE_FROM", 1)
    monkeypatch.setattr(queries, "PRESET_COUNTS_CACHE_FROM", 1)
    monkeypatch.setattr("terakoya.contacts.views.PAGE_SIZE", 3)
    for i in range(5):
        ContactFactory(workspace=workspace, email=f"smith{i}@example.com", last_name="Smith")
    page.goto("/dashboard/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")

    # When they search the list
    page.goto(f"/dashboard/{workspace.slug}/contacts/?q=smith")

    # Then the first page is there, and the count arrives by itself
    page.get_by_text("5 contacts").wait_for()
    assert page.get_by_text("Page 1").is_visible()
    screenshot(page, "contacts-deferred-count")


def test_staff_click_export_and_the_downloaded_file_has_every_contact(
    page, live_server, workspace, owner, other_workspace
):
    # Given 25 contacts with Japanese names, and one in another workspace
    from terakoya.core.factories import ContactFactory

    for i in range(25):
        ContactFactory(
            workspace=workspace, email=f"m{i}@example.com", first_name="花子", last_name=f"山田{i}"
        )
    ContactFactory(workspace=other_workspace, email="stranger@example.com")
    page.goto("/dashboard/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    page.get_by_role("link", name="Contacts").click()
    # When they click "Export CSV" and the browser saves the file
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV", exact=True).click()
    download = download_info.value
    assert download.failure() is None
    body = Path(download.path()).read_text(encoding="utf-8")
    # Then the file has the header and all 25 rows, names intact, and nobody else
    lines = body.strip().splitlines()
    assert lines[0].startswith("Email,") and len(lines) == 26
    assert all(f"m{i}@example.com,花子,山田{i}," in body for i in range(25))
    assert "stranger@example.com" not in body
    assert download.suggested_filename.startswith(f"contacts-{workspace.slug}-")
