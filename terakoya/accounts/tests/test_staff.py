from __future__ import annotations

import pytest
from django.test import Client

from terakoya.accounts.models import LOCKOUT_THRESHOLD, CustomerAccount
from terakoya.accounts.services import get_login_settings
from terakoya.accounts.tests.factories import (
    PASSWORD,
    delivered_text,
    latest_email,
    login,
    make_customer,
)
from terakoya.activity.models import ActivityEvent
from terakoya.core.factories import ContactFactory, MembershipFactory
from terakoya.mail.models import OutboxMessage
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db
TEMP = "temporary pass 123"  # noqa: S105


def _access(workspace, contact) -> str:
    return f"/dashboard/{workspace.slug}/customers/{contact.public_id}/access/"


def test_staff_send_a_password_reset_from_the_access_page(workspace, owner_client):
    account = make_customer(workspace)
    page = owner_client.get(_access(workspace, account.contact))
    assert page.status_code == 200
    assert "Send password reset" in page.content.decode()
    response = owner_client.post(_access(workspace, account.contact) + "send-reset/")
    assert response.status_code == 302
    message = latest_email(workspace, "accounts.password_reset")
    assert message.to_email == "hanako@example.com"
    assert ActivityEvent.objects.filter(verb="account.reset_sent", contact=account.contact).exists()
    # And the email is readable on the contact's login activity page
    page = owner_client.get(_access(workspace, account.contact)).content.decode()
    assert message.subject in page
    assert "/password/reset/" in page


def test_a_temporary_password_must_be_changed_and_ends_every_session(
    workspace, owner_client, owner
):
    # Given a Japanese customer logged in somewhere
    account = make_customer(workspace, language="ja")
    somewhere = Client(HTTP_HOST=workspace.host)
    login(somewhere, "hanako@example.com")
    # When the owner sets a temporary password and asks for the email too
    response = owner_client.post(
        _access(workspace, account.contact) + "temporary-password/",
        {"new_password1": TEMP, "new_password2": TEMP, "send_email": "on"},
        follow=True,
    )
    # Then a ready-to-copy message in their language has the login URL, email and password
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{workspace.public_url}/login/" in body
    assert "hanako@example.com" in body and TEMP in body
    assert "仮パスワード" in body
    # And every session ended, the audit log has it, and the email was queued
    assert somewhere.get("/account/").status_code == 302
    event = ActivityEvent.objects.get(verb="account.temporary_password_set")
    assert event.actor_user == owner
    emailed = latest_email(workspace, "accounts.temporary_password")
    assert TEMP in delivered_text(emailed) and TEMP not in emailed.body_text
    # And the customer must change it right after logging in
    customer = Client(HTTP_HOST=workspace.host)
    response = login(customer, "hanako@example.com", TEMP)
    assert response["Location"].startswith("/account/password/")
    assert customer.get("/").status_code == 302
    response = customer.post(
        "/account/password/", {"new_password1": PASSWORD + "!", "new_password2": PASSWORD + "!"}
    )
    assert response.status_code == 302
    assert customer.get("/").status_code == 200
    assert not CustomerAccount.objects.get(pk=account.pk).must_change_password


def test_the_temporary_password_email_is_optional(workspace, owner_client):
    account = make_customer(workspace)
    owner_client.post(
        _access(workspace, account.contact) + "temporary-password/",
        {"new_password1": TEMP, "new_password2": TEMP},
    )
    assert not OutboxMessage.objects.filter(kind="accounts.temporary_password").exists()


def test_a_bad_temporary_password_changes_nothing(workspace, owner_client):
    account = make_customer(workspace)
    response = owner_client.post(
        _access(workspace, account.contact) + "temporary-password/",
        {"new_password1": "short", "new_password2": "short"},
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert login(Client(HTTP_HOST=workspace.host), "hanako@example.com").status_code == 302


def test_support_agents_see_activity_but_cannot_set_passwords(workspace):
    account = make_customer(workspace)
    agent = MembershipFactory(workspace=workspace, role=Role.SUPPORT).user
    client = Client()
    client.force_login(agent)
    assert client.get(_access(workspace, account.contact)).status_code == 200
    response = client.post(
        _access(workspace, account.contact) + "temporary-password/",
        {"new_password1": TEMP, "new_password2": TEMP},
    )
    assert response.status_code == 403
    assert client.get(f"/dashboard/{workspace.slug}/customers/settings/").status_code == 403


def test_login_activity_shows_logins_and_lets_staff_unlock(workspace, owner_client):
    account = make_customer(workspace)
    for i in range(11):
        login(Client(REMOTE_ADDR=f"10.0.0.{i}"), "hanako@example.com", "wrong guess")
    CustomerAccount.objects.filter(pk=account.pk).update(failed_logins=LOCKOUT_THRESHOLD)
    page = owner_client.get(_access(workspace, account.contact)).content.decode()
    # The limits are told in words with a clock time, never internal names or seconds
    assert "Too many password attempts — blocked until " in page
    assert "login-email" not in page and "seconds" not in page
    assert "locked" in page
    assert page.count("Failed") >= 10
    # When staff unlock
    owner_client.post(_access(workspace, account.contact) + "unlock/")
    # Then the customer can log in again at once
    assert login(Client(), "hanako@example.com").status_code == 302
    assert ActivityEvent.objects.filter(verb="account.unlocked").exists()


def test_another_workspaces_contact_is_a_404(workspace, other_workspace, owner_client):
    stranger = make_customer(other_workspace)
    assert owner_client.get(_access(workspace, stranger.contact)).status_code == 404
    assert (
        owner_client.post(_access(workspace, stranger.contact) + "send-reset/").status_code == 404
    )
    assert owner_client.get(_access(other_workspace, stranger.contact)).status_code == 404
    assert not OutboxMessage.objects.exists()


def test_the_contact_page_panel_renders(workspace, owner_client):
    from django.template.loader import render_to_string

    account = make_customer(workspace)
    html = render_to_string(
        "accounts/dashboard/contact_panel.html",
        {"contact": account.contact, "workspace": workspace},
    )
    assert "Send password reset" in html
    assert account.contact.public_id in html


def test_the_creator_chooses_login_methods(workspace, owner_client):
    url = f"/dashboard/{workspace.slug}/customers/settings/"
    assert owner_client.get(url).status_code == 200
    # Both password and email code off is refused
    response = owner_client.post(url, {"reset_link_minutes": 60, "action": "save"})
    assert response.status_code == 200
    assert "Keep at least one way" in response.content.decode()
    # Password off: the login page leads to the code, recovery is gone
    response = owner_client.post(
        url, {"allow_email_code": "on", "reset_link_minutes": 30, "action": "save"}
    )
    assert response.status_code == 302
    login_settings = get_login_settings(workspace)
    assert not login_settings.allow_password and login_settings.reset_link_minutes == 30
    portal = Client(HTTP_HOST=workspace.host)
    assert portal.get("/login/")["Location"] == "/login/code/"
    assert portal.get("/password/forgot/").status_code == 404
    # Email code off: its pages are gone
    owner_client.post(url, {"allow_password": "on", "reset_link_minutes": 60, "action": "save"})
    assert portal.get("/login/code/").status_code == 404
    assert "Email me a sign-in code" not in portal.get("/login/").content.decode()


def test_text_overrides_per_language_with_preview(workspace, owner_client):
    url = f"/dashboard/{workspace.slug}/customers/settings/"
    data = {
        "allow_password": "on",
        "allow_email_code": "on",
        "reset_link_minutes": 60,
        "ja__recovery_heading": "パスワードをお忘れの方へ",
        "ja__reset_button": "この内容で保存",
        "en__login_heading": "Welcome back, student",
        "preview_language": "ja",
        "action": "preview",
    }
    # A preview shows the texts without saving them
    response = owner_client.post(url, data)
    assert "パスワードをお忘れの方へ" in response.content.decode()
    assert get_login_settings(workspace).text_overrides == {}
    # Saving applies them to the pages in that language only
    owner_client.post(url, {**data, "action": "save"})
    portal = Client(HTTP_HOST=workspace.host)
    assert "Welcome back, student" in portal.get("/login/").content.decode()
    assert "パスワードをお忘れの方へ" not in portal.get("/password/forgot/").content.decode()
    portal.cookies["terakoya_language"] = "ja"
    assert "パスワードをお忘れの方へ" in portal.get("/password/forgot/").content.decode()
    assert "Welcome back, student" not in portal.get("/login/").content.decode()


def test_the_dashboard_nav_has_customer_login_for_managers(workspace, owner_client):
    page = owner_client.get(f"/dashboard/{workspace.slug}/").content.decode()
    assert f"/dashboard/{workspace.slug}/customers/settings/" in page


def test_a_contact_without_account_gets_one_on_reset(workspace, owner_client):
    contact = ContactFactory(workspace=workspace, email="fresh@example.com")
    owner_client.post(_access(workspace, contact) + "send-reset/")
    assert CustomerAccount.objects.filter(contact=contact).exists()
    assert latest_email(workspace, "accounts.password_reset").to_email == "fresh@example.com"


OFFICE = "203.0.113.7"


def _forgot(email: str = "hanako@example.com", *, host: str = "127.0.0.1", ip: str = OFFICE):
    return Client(HTTP_HOST=host, REMOTE_ADDR=ip).post("/password/forgot/", {"email": email})


def _ask_code(email: str = "hanako@example.com", *, host: str = "127.0.0.1", ip: str = OFFICE):
    return Client(HTTP_HOST=host, REMOTE_ADDR=ip).post("/login/code/", {"email": email})


def test_unlock_lifts_the_per_ip_reset_and_code_limits_the_customer_hit(
    workspace, other_workspace, owner_client
):
    # Given a customer who asked for reset links and sign-in codes again and again from one IP
    account = make_customer(workspace)
    make_customer(other_workspace)  # the same person, customer of another workspace too
    resets = [_forgot().status_code for _ in range(11)]
    codes = [_ask_code().status_code for _ in range(11)]
    assert resets[-1] == 429 and codes[-1] == 429
    # And the same in the other workspace
    assert [_forgot(host=other_workspace.host).status_code for _ in range(11)][-1] == 429
    # Then the login-access panel says what blocks them, in words, until when
    page = owner_client.get(_access(workspace, account.contact)).content.decode()
    assert "Too many password reset requests — blocked until " in page
    assert f"Too many password reset requests from {OFFICE} — blocked until " in page
    assert f"Too many sign-in code requests from {OFFICE} — blocked until " in page
    assert "reset-request-ip" not in page and "seconds" not in page
    # When staff unlock
    response = owner_client.post(_access(workspace, account.contact) + "unlock/")
    assert response.status_code == 302
    # Then the customer can ask for a reset link and a code again, from the same IP
    assert _forgot().status_code == 302
    assert _ask_code().status_code == 302
    page = owner_client.get(_access(workspace, account.contact)).content.decode()
    assert "Not rate-limited or locked." in page
    event = ActivityEvent.objects.get(verb="account.unlocked")
    assert event.data == {"ips": [OFFICE]}
    # But the other workspace's limits on the same person stand
    assert _forgot(host=other_workspace.host).status_code == 429


def test_the_panel_shows_limits_in_japanese(workspace, owner_client):
    account = make_customer(workspace)
    for _ in range(6):
        _forgot()
    owner_client.cookies["terakoya_language"] = "ja"
    page = owner_client.get(_access(workspace, account.contact)).content.decode()
    assert "パスワード再設定の依頼が多すぎます" in page
    assert "までブロック中" in page


def test_the_temporary_password_result_is_a_redirect_and_shows_the_password_once(
    workspace, owner_client
):
    from django.contrib.sessions.models import Session

    account = make_customer(workspace)
    # Given the owner set a temporary password
    response = owner_client.post(
        _access(workspace, account.contact) + "temporary-password/",
        {"new_password1": TEMP, "new_password2": TEMP},
    )
    # Then the POST answers with a redirect (a reload cannot post it again)
    assert response.status_code == 302
    result_url = response["Location"]
    assert result_url.startswith(_access(workspace, account.contact) + "?result=")
    # And while it waits, no session row holds the password in clear
    assert all(TEMP not in str(s.get_decoded()) for s in Session.objects.all())
    # When the result page is opened, the password is shown once
    first = owner_client.get(result_url)
    assert first.status_code == 200 and TEMP in first.content.decode()
    assert first["Referrer-Policy"] == "no-referrer"
    # And reloading it never shows the password again, and says so
    again = owner_client.get(result_url)
    body = again.content.decode()
    assert again.status_code == 200 and TEMP not in body
    assert "shown once and is not shown again" in body


def test_a_temporary_password_result_address_is_useless_in_another_session(
    workspace, other_workspace, owner_client, owner
):
    account = make_customer(workspace)
    response = owner_client.post(
        _access(workspace, account.contact) + "temporary-password/",
        {"new_password1": TEMP, "new_password2": TEMP},
    )
    result_url = response["Location"]
    # Given another logged-in owner of the same workspace, and a staff user of another one
    colleague = MembershipFactory(workspace=workspace, role=Role.OWNER).user
    other_owner = MembershipFactory(workspace=other_workspace, role=Role.OWNER).user
    for user, status in ((colleague, 200), (other_owner, 404)):
        client = Client()
        client.force_login(user)
        # When they open the result address
        response = client.get(result_url)
        # Then they do not see the password
        assert response.status_code == status
        assert TEMP not in response.content.decode()
    # And the owner who set it still sees it once
    assert TEMP in owner_client.get(result_url).content.decode()
