from __future__ import annotations

from pathlib import Path

import pytest

from terakoya.contacts.models import ConsentState, Contact
from terakoya.core.factories import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_add_a_contact_find_it_and_see_why_subscribe_is_gone(
    page, live_server, workspace, owner, screenshot, axe_check
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
    axe_check(page)
    screenshot(page, "contacts-add")
    page.get_by_role("button", name="Add contact").click()
    # Then the contact page shows the ledger and explains the consent rules
    page.wait_for_url("**/contacts/*/")
    assert page.get_by_text("Tokyo seminar").is_visible()
    contact = Contact.objects.get(email="hanako@example.com")
    assert contact.consent_state == ConsentState.SUBSCRIBED and contact.phone == "+819012345678"
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_text("Why is there no").is_visible()
    axe_check(page, also_japanese=True)
    screenshot(page, "contacts-detail")
    # And searching the list in Japanese finds them
    page.get_by_role("link", name="Contacts").first.click()
    page.get_by_label("Search").fill("山田")
    page.get_by_role("button", name="Filter").click()
    assert page.get_by_role("link", name="山田 花子").is_visible()  # family name first
    page.get_by_text("Bulk actions").click()
    assert page.get_by_role("button", name="Continue").is_visible()
    axe_check(page, also_japanese=True)
    screenshot(page, "contacts-list")


def test_a_search_in_a_large_workspace_shows_its_count_once_the_page_is_up(
    page, live_server, workspace, owner, screenshot, monkeypatch, axe_check
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
    axe_check(page)
    screenshot(page, "contacts-deferred-count")


def test_staff_click_export_and_the_downloaded_file_has_every_contact(
    page, live_server, workspace, owner, other_workspace, axe_check
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
    assert all(f"m{i}@example.com,山田{i} 花子,花子,山田{i}," in body for i in range(25))
    axe_check(page)
    assert "stranger@example.com" not in body
    assert download.suggested_filename.startswith(f"contacts-{workspace.slug}-")


FITS_THE_SCREEN = "document.documentElement.scrollWidth <= window.innerWidth"
TABLE_SCROLLS = """() => [...document.querySelectorAll('.table-wrap')].some(
  (w) => w.scrollWidth > w.clientWidth && w.clientWidth <= window.innerWidth)"""


def test_contacts_pages_on_a_phone_scroll_their_tables_not_the_page(
    page, live_server, workspace, owner, screenshot, axe_check
):
    from terakoya.contacts import services
    from terakoya.contacts.tests.factories import OfferFactory

    # Given contacts with long names and emails, tags, a grant and an address
    offer = OfferFactory(workspace=workspace, name="Premium membership course 2026")
    hanako = services.create_contact(
        workspace,
        email="hanako.yamada.longaddress@example-university.ac.jp",
        first_name="花子",
        last_name="山田",
        subscribe=True,
        consent_source="Tokyo seminar on a very long afternoon in May",
        tags=["VIP customer", "Seminar 2026"],
        offers=[offer],
    )
    services.create_contact(workspace, email="john.smith.with.a.long.mailbox@example.com")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/dashboard/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    for path in (
        f"/dashboard/{workspace.slug}/contacts/",
        f"/dashboard/{workspace.slug}/contacts/{hanako.public_id}/",
    ):
        for language in ("en", "ja"):
            page.context.add_cookies(
                [{"name": "terakoya_language", "value": language, "url": live_server.url}]
            )
            # When the page is opened 375 px wide
            page.goto(path)
            # Then the page does not scroll sideways; its wide tables scroll inside their frame
            assert page.evaluate(FITS_THE_SCREEN), page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert page.evaluate(TABLE_SCROLLS)
            axe_check(page)
    screenshot(page, "contact-detail-phone-ja")


def test_row_checkboxes_have_a_big_hit_area_and_name_their_contact(
    page, live_server, workspace, owner, axe_check
):
    from terakoya.contacts import services

    # Given a contact in the list
    services.create_contact(
        workspace, email="hanako@example.com", first_name="花子", last_name="山田"
    )
    page.goto("/dashboard/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    page.goto(f"/dashboard/{workspace.slug}/contacts/")
    # When staff look for the contact's checkbox by its name
    box = page.get_by_role("checkbox", name="Select 山田 花子")
    # Then it is there, with a clickable area of at least 24 × 24 px around it
    area = box.locator("xpath=ancestor::label[1]").bounding_box()
    assert area is not None and area["width"] >= 24 and area["height"] >= 24
    # And a click on the edge of that area (not on the box itself) selects the contact
    page.mouse.click(area["x"] + 2, area["y"] + 2)
    assert box.is_checked()
    select_all = page.get_by_role("checkbox", name="Select all on this page")
    all_area = select_all.locator("xpath=ancestor::label[1]").bounding_box()
    assert all_area is not None and all_area["width"] >= 24 and all_area["height"] >= 24
    axe_check(page)


def test_the_bulk_progress_page_polls_without_breaking_the_content_security_policy(
    page, live_server, workspace, owner, screenshot, axe_check
):
    from terakoya.contacts.models import BulkJob, BulkStatus

    # Given a bulk action still running, and a logged-in owner
    job = BulkJob.objects.create(
        workspace=workspace, action="add_tag", params={"tag": "VIP"}, total=10, processed=4
    )
    job.status = BulkStatus.RUNNING
    job.save()
    page.goto("/dashboard/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    refused: list[str] = []
    page.on(
        "console",
        lambda msg: (
            refused.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    # When they open its progress page and it polls twice
    progress_url = f"/dashboard/{workspace.slug}/contacts/bulk/{job.public_id}/"
    page.goto(progress_url)
    assert page.locator("progress").get_attribute("value") == "40"
    for _ in range(2):
        with page.expect_response(
            lambda r: progress_url in r.url and r.request.headers.get("hx-request")
        ):
            pass
    # And the job finishes meanwhile
    BulkJob.objects.filter(pk=job.pk).update(status=BulkStatus.DONE, processed=10, affected=10)
    page.get_by_text("Done: 10 contacts changed.").wait_for()
    # Then the browser refused nothing the page does
    assert refused == []
    axe_check(page, also_japanese=True)
    screenshot(page, "contacts-bulk-progress")
