from __future__ import annotations

import pytest

from terakoya.accounts.tests.factories import (
    PASSWORD,
    code_in,
    latest_email,
    link_in,
    make_customer,
    path_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_logs_in_with_a_password(page, live_server, workspace, screenshot, axe_check):
    make_customer(workspace)
    # Given a logged-out customer opening their account page
    page.goto("/account/")
    assert "/login/" in page.url
    axe_check(page, also_japanese=True)
    screenshot(page, "customer-login")
    # When they type their email and password
    page.get_by_label("Email").fill("hanako@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Then they land on the page they wanted
    page.wait_for_url("**/account/")
    assert page.get_by_role("heading", name="Account").is_visible()
    axe_check(page, also_japanese=True)
    screenshot(page, "customer-account")


def test_a_customer_recovers_a_forgotten_password_through_the_email(
    page, live_server, workspace, screenshot, axe_check
):
    make_customer(workspace)
    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    axe_check(page, also_japanese=True)
    page.get_by_label("Email").fill("hanako@example.com")
    page.get_by_role("button", name="Send reset link").click()
    page.wait_for_url("**/password/forgot/sent/")
    assert page.get_by_text("If an account exists").is_visible()
    axe_check(page, also_japanese=True)
    # When they open the link from the email (read from the outbox)
    link = link_in(latest_email(workspace, "accounts.password_reset"), "/password/reset/")
    page.goto(path_of(link))
    # Then the token has left the address bar
    page.wait_for_url("**/password/reset/")
    axe_check(page, also_japanese=True)
    screenshot(page, "customer-password-reset")
    page.locator("#id_new_password1").fill("ねこが すきです 2026")
    page.locator("#id_new_password2").fill("ねこが すきです 2026")
    page.get_by_role("button", name="Save new password").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_text("Your new password is saved").is_visible()
    axe_check(page)


def test_a_customer_signs_in_with_the_six_digit_code_in_japanese(
    _chromium, live_server, workspace, screenshot, axe_check
):
    workspace.default_language = "ja"
    workspace.save()
    make_customer(workspace, language="ja")
    # A Japanese customer's browser asks for Japanese (pages follow Accept-Language).
    context = _chromium.new_context(base_url=live_server.url, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login/")
    page.get_by_role("link", name="ログインコードをメールで受け取る").click()
    page.get_by_label("メールアドレス").fill("hanako@example.com")
    page.get_by_role("button", name="コードを送る").click()
    page.wait_for_url("**/login/code/enter/")
    code = code_in(latest_email(workspace, "accounts.login_code"))
    page.get_by_label("6桁のコード").fill(code)
    axe_check(page)
    screenshot(page, "customer-code-ja")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="ようこそ").is_visible()
    axe_check(page)
    context.close()


def test_a_customer_signs_in_with_the_email_link_after_confirming(
    page, live_server, workspace, axe_check
):
    make_customer(workspace)
    page.goto("/login/code/")
    axe_check(page, also_japanese=True)
    page.get_by_label("Email").fill("hanako@example.com")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/login/code/enter/")
    link = link_in(latest_email(workspace, "accounts.login_code"), "/login/link/")
    page.goto(path_of(link))
    page.wait_for_url("**/login/link/")
    assert page.get_by_role("heading", name="Sign in as hanako@example.com?").is_visible()
    axe_check(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Welcome").is_visible()
    axe_check(page, also_japanese=True)


def test_staff_set_a_temporary_password_and_copy_the_message(
    page, live_server, workspace, owner, screenshot, axe_check
):
    from terakoya.core.factories import STAFF_PASSWORD

    account = make_customer(workspace, language="ja")
    page.goto("/dashboard/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/dashboard/{workspace.slug}/")
    page.goto(f"/dashboard/{workspace.slug}/customers/{account.contact.public_id}/access/")
    axe_check(page, also_japanese=True)
    page.locator("#id_new_password1").fill("temporary pass 123")
    page.locator("#id_new_password2").fill("temporary pass 123")
    page.get_by_role("button", name="Set temporary password").click()
    page.wait_for_url("**/access/?result=*")
    message = page.locator("#temp-message")
    assert "temporary pass 123" in message.input_value()
    assert "仮パスワード" in message.input_value()
    axe_check(page)
    screenshot(page, "staff-customer-access")
    # A reload neither posts the form again nor shows the password again
    page.reload()
    assert page.get_by_text("shown once and is not shown again").is_visible()
    assert page.locator("#temp-message").count() == 0
    assert "temporary pass 123" not in page.content()
    axe_check(page)
    page.goto(f"/dashboard/{workspace.slug}/customers/settings/")
    axe_check(page, also_japanese=True)
    screenshot(page, "staff-customer-login-settings")
