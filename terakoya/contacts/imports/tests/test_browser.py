from __future__ import annotations

import pytest

from terakoya.contacts.imports.models import ImportJob
from terakoya.contacts.models import Contact
from terakoya.core.factories import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "".join(f"user{i}@example.jp,山田 花子{i},セミナー\n" for i in range(40))
CP932_FILE = ("メールアドレス,氏名,タグ\n" + ROWS).encode("cp932")


def test_import_a_cp932_file_through_the_pages(
    page, live_server, workspace, owner, tmp_path, screenshot, axe_check
):
    path = tmp_path / "名簿.csv"
    path.write_bytes(CP932_FILE)
    # Given a logged-in owner on the import page
    page.goto("/dashboard/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_role("link", name="Import contacts").click()
    axe_check(page, also_japanese=True)
    # When a Shift_JIS file is uploaded, the suggested mapping kept and checked
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and continue").click()
    assert page.get_by_label("氏名").input_value() == "full_name"
    axe_check(page)
    page.get_by_role("button", name="Check (dry run)").click()
    assert page.locator("#count-created").inner_text() == "40"
    axe_check(page)
    assert Contact.objects.filter(workspace=workspace).count() == 0
    # And the import is run
    page.get_by_role("button", name="Run the import").click()
    # Then the progress bar fills up and the result shows the new contacts
    bar = page.locator("#import-progress-bar")
    bar.wait_for()
    page.wait_for_function(
        "document.querySelector('#import-progress-bar').value == 100", timeout=30_000
    )
    page.get_by_text("The import is finished.").wait_for()
    assert page.locator("#result-created").inner_text() == "40"
    axe_check(page, also_japanese=True)
    screenshot(page, "contact-import-result")
    assert Contact.objects.filter(workspace=workspace).count() == 40
    hanako = Contact.objects.get(workspace=workspace, email="user7@example.jp")
    assert (hanako.last_name, hanako.first_name) == ("山田", "花子7")
    assert ImportJob.objects.get(workspace=workspace).status == "done"
    # And the contacts page lists them
    page.get_by_role("link", name="See your contacts").click()
    page.get_by_text("user7@example.jp").wait_for()
    axe_check(page)
