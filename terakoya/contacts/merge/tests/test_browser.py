from __future__ import annotations

import pytest

from terakoya.contacts.merge.models import Merge
from terakoya.contacts.merge.tests.factories import account, full_contact
from terakoya.contacts.models import Contact
from terakoya.core.factories import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_whole_merge_flow_in_a_real_browser(
    page, live_server, workspace, owner, screenshot, axe_check
):
    # Given two contacts of the same customer
    a = full_contact(workspace, "hanako@example.com", phone="")
    b = full_contact(workspace, "hanako.yamada@example.com", phone="+819012345678", language="ja")
    account(b, "customer pw 123")
    # And the owner logged in
    page.goto("/dashboard/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    # When they open the merge preview
    page.goto(f"/dashboard/{workspace.slug}/merge/?contacts={a.public_id},{b.public_id}")
    assert page.get_by_role("heading", name="Merge contacts").is_visible()
    axe_check(page, also_japanese=True)
    path = screenshot(page, "merge-preview")
    assert path.stat().st_size > 10_000
    # And make the second contact the primary and update the preview
    page.get_by_label("Make primary").check()
    page.get_by_role("button", name="Update preview").click()
    page.wait_for_load_state()
    # And type the primary's email and merge
    page.get_by_label("Type the merged contact's email").fill("hanako.yamada@example.com")
    page.get_by_role("button", name="Merge 2 contacts").click()
    # Then the result page says where it came from, with a checklist and Undo
    page.wait_for_url("**/merge/*/")
    assert page.get_by_role("heading", name="Merged from").is_visible()
    assert page.get_by_text("hanako@example.com").first.is_visible()
    assert page.get_by_role("button", name="Undo merge").is_visible()
    axe_check(page, also_japanese=True)
    screenshot(page, "merge-result")
    merge = Merge.objects.get()
    assert merge.primary_contact_id == b.pk
    assert not Contact.objects.filter(pk=a.pk).exists()


def test_possible_duplicates_page_in_japanese(
    page, live_server, workspace, owner, screenshot, axe_check
):
    from terakoya.contacts.merge.queries import compute_suggestions
    from terakoya.core.factories import ContactFactory

    # Given two look-alike contacts and computed suggestions
    ContactFactory(
        workspace=workspace, email="taro.yamada@gmail.com", first_name="太郎", last_name="山田"
    )
    ContactFactory(
        workspace=workspace,
        email="taroyamada+shop@gmail.com",
        first_name="タロウ",
        last_name="ヤマダ",
    )
    compute_suggestions(workspace)
    page.goto("/dashboard/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    # When the owner switches to Japanese and opens "Duplicates"
    page.context.add_cookies([{"name": "terakoya_language", "value": "ja", "url": live_server.url}])
    page.goto(f"/dashboard/{workspace.slug}/merge/duplicates/")
    # Then the pair is listed with its reason, in Japanese, with a way to merge it
    assert page.get_by_role("heading", name="重複の可能性").is_visible()
    assert page.get_by_text("表記の違う同じメールアドレス", exact=True).is_visible()
    axe_check(page)
    screenshot(page, "merge-duplicates-ja")
    page.get_by_role("link", name="統合を確認").click()
    assert page.get_by_role("heading", name="連絡先を統合").is_visible()
    axe_check(page)
