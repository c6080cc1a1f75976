from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client

from terakoya.accounts.models import LoginToken, TokenPurpose
from terakoya.accounts.services import get_login_settings, issue_login_code, send_password_reset
from terakoya.accounts.tests.factories import (
    PASSWORD,
    comparable,
    latest_email,
    link_in,
    login,
    make_customer,
    path_of,
)
from terakoya.activity.models import ActivityEvent
from terakoya.mail.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a brand new passphrase"  # noqa: S105
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _request_reset(client: Client, email: str = "hanako@example.com"):
    return client.post("/password/forgot/", {"email": email})


def _reset_path(workspace) -> str:
    return path_of(link_in(latest_email(workspace, "accounts.password_reset"), "/password/reset/"))


def test_recovery_answers_the_same_for_known_and_unknown_emails_and_only_queues(workspace):
    make_customer(workspace)
    # When a known and an unknown email ask for a reset
    known = _request_reset(Client())
    unknown = _request_reset(Client(), "nobody@example.com")
    # Then both get the same redirect and the same page
    assert comparable(known) == comparable(unknown)
    assert known["Location"] == "/password/forgot/sent/"
    page = Client().get(known["Location"])
    assert "If an account exists" in page.content.decode()
    # And exactly one email was queued (for the customer), none sent inline
    assert OutboxMessage.objects.filter(kind="accounts.password_reset").count() == 1
    assert OutboxMessage.objects.get().status == OutboxStatus.QUEUED
    assert mail.outbox == []


def test_reset_links_are_built_from_the_workspace_url_never_the_host_header(workspace):
    make_customer(workspace)
    # Given a request arriving with another (but accepted) Host header
    _request_reset(Client(HTTP_HOST="localhost"))
    # Then the link uses the workspace's configured public URL
    body = latest_email(workspace, "accounts.password_reset").body_text
    assert f"{workspace.public_url}/password/reset/" in body
    assert "http://localhost/" not in body


def test_the_reset_link_leaves_the_url_changes_the_password_and_ends_other_sessions(
    workspace, portal_client
):
    # Given a customer logged in on another device
    make_customer(workspace)
    other_device = Client(HTTP_HOST=workspace.host)
    login(other_device, "hanako@example.com")
    _request_reset(portal_client)
    # When they open the link
    response = portal_client.get(_reset_path(workspace))
    # Then the token leaves the URL at once, with no Referer to leak it
    assert response.status_code == 302
    assert response["Location"] == "/password/reset/"
    assert response["Referrer-Policy"] == "no-referrer"
    page = portal_client.get("/password/reset/")
    # (the form page no longer holds the token; no-referrer there would make browsers send
    # "Origin: null" with its POST, which CSRF refuses — so: never a Referer to other sites)
    assert page["Referrer-Policy"] == "same-origin"
    assert "Password Reset" in page.content.decode()
    # When they choose a new password
    response = portal_client.post(
        "/password/reset/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    # Then they are signed in here, the other device is signed out
    assert response.status_code == 302
    assert portal_client.get("/account/").status_code == 200
    assert other_device.get("/account/").status_code == 302
    # And the new password works, the old one not
    assert login(Client(), "hanako@example.com", NEW_PASSWORD).status_code == 302
    assert login(Client(), "hanako@example.com", PASSWORD).status_code == 200
    # And a "password changed" email is queued, and the audit log has it
    latest_email(workspace, "accounts.password_changed")
    assert ActivityEvent.objects.filter(verb="account.password_reset").exists()


def test_a_reset_link_works_once(workspace):
    make_customer(workspace)
    _request_reset(Client())
    path = _reset_path(workspace)
    first = Client(HTTP_HOST=workspace.host)
    first.get(path)
    first.post("/password/reset/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    second = Client(HTTP_HOST=workspace.host)
    second.get(path)
    page = second.get("/password/reset/")
    assert "expired or was already used" in page.content.decode()


def test_a_weak_new_password_is_refused_and_the_link_stays_usable(workspace, portal_client):
    make_customer(workspace)
    _request_reset(portal_client)
    portal_client.get(_reset_path(workspace))
    response = portal_client.post(
        "/password/reset/", {"new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    response = portal_client.post(
        "/password/reset/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(("minutes", "valid"), [(59, True), (61, False)])
def test_the_reset_link_expires_after_one_hour_by_default(workspace, minutes, valid):
    make_customer(workspace)
    with time_machine.travel(START, tick=False) as clock:
        _request_reset(Client())
        path = _reset_path(workspace)
        clock.shift(dt.timedelta(minutes=minutes, seconds=59 if valid else 1))
        client = Client(HTTP_HOST=workspace.host)
        client.get(path)
        page = client.get("/password/reset/").content.decode()
    assert ("expired or was already used" not in page) is valid


def test_the_reset_link_lifetime_is_a_workspace_setting(workspace):
    make_customer(workspace)
    login_settings = get_login_settings(workspace)
    login_settings.reset_link_minutes = 15
    login_settings.save()
    with time_machine.travel(START, tick=False) as clock:
        _request_reset(Client())
        token = LoginToken.objects.get(purpose=TokenPurpose.PASSWORD_RESET)
        assert token.expires_at == START + dt.timedelta(minutes=15)
        path = _reset_path(workspace)
        clock.shift(dt.timedelta(minutes=15, seconds=1))
        client = Client(HTTP_HOST=workspace.host)
        client.get(path)
        assert "expired" in client.get("/password/reset/").content.decode()


def test_the_reset_link_dies_when_the_customer_logs_in_or_changes_password(workspace):
    account = make_customer(workspace)
    # Given a reset link, When the customer then logs in with their password
    _request_reset(Client())
    path = _reset_path(workspace)
    login(Client(HTTP_HOST=workspace.host), "hanako@example.com")
    # Then the link no longer works
    client = Client(HTTP_HOST=workspace.host)
    client.get(path)
    assert "expired" in client.get("/password/reset/").content.decode()
    # And a new link dies when staff set a password
    send_password_reset(workspace, contact=account.contact, actor="test")
    path = _reset_path(workspace)
    from terakoya.accounts.services import set_customer_password

    set_customer_password(workspace, contact=account.contact, password="another password 9")
    client = Client(HTTP_HOST=workspace.host)
    client.get(path)
    assert "expired" in client.get("/password/reset/").content.decode()


def test_a_reset_link_of_workspace_a_does_nothing_on_workspace_b(workspace, other_workspace):
    make_customer(workspace)
    make_customer(other_workspace)
    _request_reset(Client())
    path = _reset_path(workspace)
    beta = Client(HTTP_HOST=other_workspace.host)
    beta.get(path)
    assert "expired" in beta.get("/password/reset/").content.decode()


def test_a_sign_in_link_cannot_be_used_as_a_reset_link(workspace):
    account = make_customer(workspace)
    link, _code = issue_login_code(workspace, account=account)
    client = Client(HTTP_HOST=workspace.host)
    client.get(f"/password/reset/{link}/")
    assert "expired" in client.get("/password/reset/").content.decode()


def test_reset_requests_are_rate_limited(workspace):
    statuses = [_request_reset(Client(), "a@example.com").status_code for _ in range(6)]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429


def test_a_neighbour_on_a_shared_ip_cannot_lock_a_customer_out_of_recovery(workspace):
    # Given an office where everybody shares one public IP, and someone there asking for
    # reset links for ten other addresses
    make_customer(workspace)
    office = "198.51.100.20"
    for i in range(10):
        response = Client(REMOTE_ADDR=office).post(
            "/password/forgot/", {"email": f"colleague{i}@example.com"}
        )
        assert response.status_code == 302
    # When the customer asks for their own link from the same IP
    response = Client(REMOTE_ADDR=office).post("/password/forgot/", {"email": "hanako@example.com"})
    # Then it goes out
    assert response.status_code == 302
    assert latest_email(workspace, "accounts.password_reset").to_email == "hanako@example.com"


def test_reset_pages_follow_the_customers_language(workspace):
    make_customer(workspace, language="ja")
    _request_reset(Client())
    message = latest_email(workspace, "accounts.password_reset")
    assert message.language == "ja"
    assert "パスワード" in message.subject
    client = Client(HTTP_HOST=workspace.host)
    client.cookies["terakoya_language"] = "ja"
    assert "パスワードの再設定" in client.get("/password/forgot/").content.decode()
