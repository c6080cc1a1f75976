from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.exceptions import ValidationError
from django.test import Client

from terakoya.accounts.models import LOCKOUT_THRESHOLD, CustomerAccount, LoginAttempt
from terakoya.accounts.services import set_customer_password
from terakoya.accounts.tests.factories import (
    PASSWORD,
    code_in,
    comparable,
    latest_email,
    login,
    make_customer,
)
from terakoya.core.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_password_login_rotates_the_session_and_follows_a_same_workspace_next(
    workspace, portal_client
):
    # Given a customer and a visitor who already has a session
    make_customer(workspace)
    portal_client.get("/login/")
    before = portal_client.session.session_key
    # When they log in on the way to the account page
    response = portal_client.post(
        "/login/", {"email": " Hanako@Example.com ", "password": PASSWORD, "next": "/account/"}
    )
    # Then they land there, on a new session key
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert portal_client.session.session_key != before
    assert portal_client.get("/account/").status_code == 200
    assert LoginAttempt.objects.filter(succeeded=True, method="password").count() == 1


def test_any_customer_center_page_sends_a_visitor_to_login_and_back(workspace, portal_client):
    make_customer(workspace)
    # Given a logged-out visitor opening the account page
    response = portal_client.get("/account/phone/")
    # Then they go to the one login page, remembering where they were going
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Faccount%2Fphone%2F"
    # And after logging in they are sent there
    response = portal_client.post(
        response["Location"],
        {"email": "hanako@example.com", "password": PASSWORD, "next": "/account/phone/"},
    )
    assert response["Location"] == "/account/phone/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_to_another_site_is_ignored(workspace, portal_client, target):
    make_customer(workspace)
    response = portal_client.post(
        "/login/", {"email": "hanako@example.com", "password": PASSWORD, "next": target}
    )
    assert response["Location"] == "/"


def test_wrong_password_and_unknown_email_get_identical_answers(workspace):
    # Given a customer
    make_customer(workspace)
    # When one browser tries a wrong password and another an unknown email
    known = login(Client(), "hanako@example.com", "wrong password!")
    unknown = login(Client(), "nobody@example.com", "wrong password!")
    # Then status, redirects and body (apart from the CSRF token) are the same
    assert known.status_code == 200
    assert comparable(known, "hanako@example.com") == comparable(unknown, "nobody@example.com")
    assert "do not match" in known.content.decode()


def test_brute_force_from_rotating_ips_hits_the_per_account_limit(workspace):
    make_customer(workspace)
    # Given an attacker who changes IP address for every guess
    statuses = [
        login(Client(), "hanako@example.com", f"guess {i}", REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(12)
    ]
    # Then after 10 guesses the account answers 429 with Retry-After, even with the right password
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]
    response = login(Client(), "hanako@example.com", PASSWORD, REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # And an unknown email is limited exactly the same way (no enumeration through limits)
    unknown = [login(Client(), "ghost@example.com", "x" * 8).status_code for _ in range(11)]
    assert unknown[-1] == 429


def test_one_ip_trying_many_accounts_is_limited_per_ip(workspace):
    statuses = [
        login(Client(), f"user{i}@example.com", "password guess").status_code for i in range(31)
    ]
    assert statuses[-1] == 429
    assert 200 in statuses


def test_after_100_consecutive_failures_password_login_stops_but_the_email_code_works(
    workspace, portal_client
):
    # Given a customer one failure away from the durable lock
    account = make_customer(workspace)
    CustomerAccount.objects.filter(pk=account.pk).update(failed_logins=LOCKOUT_THRESHOLD - 1)
    # When one more wrong password arrives
    login(Client(), "hanako@example.com", "still wrong")
    account.refresh_from_db()
    assert account.failed_logins == LOCKOUT_THRESHOLD
    # Then even the right password no longer logs in
    response = login(portal_client, "hanako@example.com")
    assert response.status_code == 200
    assert "password sign-in is paused" in response.content.decode()
    assert "customer:" not in str(dict(portal_client.session))
    # But the email code does, and clears the lock
    portal_client.post("/login/code/", {"email": "hanako@example.com"})
    code = code_in(latest_email(workspace, "accounts.login_code"))
    response = portal_client.post(
        "/login/code/enter/", {"email": "hanako@example.com", "code": code}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.failed_logins == 0


@pytest.mark.parametrize("language", ["en", "ja"])
def test_while_locked_the_right_and_a_wrong_password_get_the_same_answer(workspace, language):
    # Given a customer whose password login is locked after 100 failures in a row
    account = make_customer(workspace)
    CustomerAccount.objects.filter(pk=account.pk).update(failed_logins=LOCKOUT_THRESHOLD)
    right, wrong = Client(), Client()
    for client in (right, wrong):
        client.cookies["terakoya_language"] = language
    # When someone tries the right password, and someone else a wrong one
    with_right = login(right, "hanako@example.com", PASSWORD, REMOTE_ADDR="10.7.0.1")
    with_wrong = login(wrong, "hanako@example.com", "a wrong guess", REMOTE_ADDR="10.7.0.2")
    # Then status and body are byte for byte the same (apart from the CSRF token)
    assert comparable(with_right) == comparable(with_wrong)
    assert with_right.status_code == 200
    assert "customer:" not in str(dict(right.session))
    # And it is the same answer an unknown email gets
    unknown = Client()
    unknown.cookies["terakoya_language"] = language
    with_unknown = login(unknown, "nobody@example.com", PASSWORD, REMOTE_ADDR="10.7.0.3")
    assert comparable(with_unknown, "nobody@example.com") == comparable(
        with_right, "hanako@example.com"
    )


def test_a_success_resets_the_consecutive_failure_count(workspace):
    account = make_customer(workspace)
    for _ in range(3):
        login(Client(), "hanako@example.com", "wrong one")
    account.refresh_from_db()
    assert account.failed_logins == 3
    login(Client(), "hanako@example.com")
    account.refresh_from_db()
    assert account.failed_logins == 0


def test_same_email_in_two_workspaces_has_two_passwords_and_two_sessions(
    workspace, other_workspace
):
    # Given the same person as a customer of two workspaces
    make_customer(workspace, password="alpha password 1")
    make_customer(other_workspace, password="beta password 22")
    alpha, beta = Client(HTTP_HOST=workspace.host), Client(HTTP_HOST=other_workspace.host)
    # Then each password works only where it was set
    assert login(alpha, "hanako@example.com", "beta password 22").status_code == 200
    assert login(beta, "hanako@example.com", "alpha password 1").status_code == 200
    assert login(alpha, "hanako@example.com", "alpha password 1").status_code == 302
    # And a session of workspace A is useless on workspace B, even with its cookie
    beta.cookies = alpha.cookies
    response = beta.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_logout_and_session_epoch(workspace, portal_client):
    make_customer(workspace)
    login(portal_client, "hanako@example.com")
    assert portal_client.get("/logout/").status_code == 405  # GET never logs out
    assert portal_client.post("/logout/").status_code == 302
    assert portal_client.get("/account/").status_code == 302


def test_login_form_errors_are_friendly(workspace, portal_client):
    response = portal_client.post("/login/", {"email": "not an email", "password": ""})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_passwords_follow_the_rules_of_the_issue(workspace):
    person = ContactFactory(workspace=workspace)
    # Too short and too common are refused, with no composition rules
    for bad in ["short12", "password123"]:
        with pytest.raises(ValidationError):
            set_customer_password(workspace, contact=person, password=bad)
    # Long passphrases with Japanese characters and spaces are welcome
    long_japanese = "ねこが すきです " * 8  # 72 characters
    assert len(long_japanese) >= 64
    account = set_customer_password(workspace, contact=person, password=long_japanese)
    client = Client(HTTP_HOST=workspace.host)
    assert login(client, person.email, long_japanese).status_code == 302
    assert account.password


def test_the_production_hasher_is_argon2id_with_the_tuned_parameters(settings):
    settings.PASSWORD_HASHERS = ["terakoya.core.hashers.TunedArgon2PasswordHasher"]
    encoded = make_password("ねこが すきです")
    hasher = identify_hasher(encoded)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify("ねこが すきです", encoded)


def test_the_session_cookie_belongs_to_the_workspace_host_only(workspace, other_workspace):
    make_customer(other_workspace)
    beta = Client(HTTP_HOST=other_workspace.host)
    response = login(beta, "hanako@example.com")
    cookie = response.cookies["terakoya_session"]
    # No Domain attribute: the browser sends it back to beta.localhost only
    assert cookie["domain"] == ""
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_every_login_form_carries_a_csrf_token(workspace):
    client = Client(HTTP_HOST=workspace.host, enforce_csrf_checks=True)
    for url in ["/login/", "/login/code/", "/password/forgot/"]:
        assert 'name="csrfmiddlewaretoken"' in client.get(url).content.decode()
    assert (
        client.post("/login/", {"email": "a@example.com", "password": "x" * 8}).status_code == 403
    )


def test_a_strange_remote_addr_is_not_a_500(workspace):
    make_customer(workspace)
    response = login(Client(REMOTE_ADDR="unix:/run/gunicorn.sock"), "hanako@example.com")
    assert response.status_code == 302
    assert LoginAttempt.objects.get().ip is None
