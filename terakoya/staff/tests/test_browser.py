from __future__ import annotations

import pytest

from terakoya.core.factories import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_through_the_real_page_and_sees_the_dashboard(
    page, live_server, workspace, owner, screenshot, axe_check
):
    # Given the staff login page in a real browser
    page.goto("/dashboard/")
    assert "/dashboard/login/" in page.url
    axe_check(page, also_japanese=True)
    # When the owner types their email and password and presses the button
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Then the workspace's dashboard home opens
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    assert page.get_by_role("heading", name="Alpha Academy").is_visible()
    assert page.get_by_role("link", name="Settings").is_visible()
    axe_check(page, also_japanese=True)
    path = screenshot(page, "staff-dashboard")
    assert path.stat().st_size > 5_000
    # And on a phone-sized screen the navigation is still reachable
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.get_by_role("link", name="Settings").is_visible()
    screenshot(page, "staff-dashboard-mobile")
