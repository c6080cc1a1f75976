from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from terakoya.accounts import sms
from terakoya.accounts.models import CustomerAccount, LoginToken, SmsMessage, TokenPurpose
from terakoya.accounts.services import MAX_CODE_TRIES, issue_login_code
from terakoya.accounts.tests.factories import (
    code_in,
    comparable,
    delivered_text,
    latest_email,
    link_in,
    make_customer,
    path_of,
)
from terakoya.accounts.tokens import token_hash
from terakoya.mail.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
EMAIL = "hanako@example.com"


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.outbox.clear()


def _ask(client: Client, email: str = EMAIL):
    return client.post("/login/code/", {"email": email})


def _enter(client: Client, code: str, email: str = EMAIL):
    return client.post("/login/code/enter/", {"email": email, "code": code})


def _link_path(workspace) -> str:
    return path_of(link_in(latest_email(workspace, "accounts.login_code"), "/login/link/"))


def test_one_email_carries_a_link_and_a_code_and_only_is_queued(workspace, portal_client):
    make_customer(workspace)
    response = _ask(portal_client)
    assert response["Location"] == "/login/code/enter/"
    message = latest_email(workspace, "accounts.login_code")
    assert message.status == OutboxStatus.QUEUED
    code = code_in(message)
    assert f"{workspace.public_url}/login/link/" in delivered_text(message)
    # The stored copy (what staff can read) has neither the code nor the link's token
    assert code not in message.body_text and code not in message.subject
    assert path_of(link_in(message, "/login/link/")) not in message.body_text
    # The secrets are stored only as hashes
    stored = LoginToken.objects.filter(account__contact__email=EMAIL)
    assert {t.purpose for t in stored} == {TokenPurpose.LOGIN_LINK, TokenPurpose.LOGIN_CODE}
    assert all(code not in t.token_hash and len(t.token_hash) == 64 for t in stored)
    # And the code signs in
    assert _enter(portal_client, code)["Location"] == "/"
    assert portal_client.get("/account/").status_code == 200


def test_code_requests_answer_the_same_for_known_and_unknown_emails(workspace):
    make_customer(workspace)
    known_client, unknown_client = Client(), Client()
    known, unknown = _ask(known_client), _ask(unknown_client, "nobody@example.com")
    assert comparable(known) == comparable(unknown)
    assert comparable(known_client.get("/login/code/enter/"), EMAIL) == comparable(
        unknown_client.get("/login/code/enter/"), "nobody@example.com"
    )
    assert OutboxMessage.objects.count() == 1


def test_a_contact_without_a_password_can_sign_in_with_a_code(workspace, portal_client):
    from terakoya.core.factories import ContactFactory

    ContactFactory(workspace=workspace, email="new@example.com")
    _ask(portal_client, "new@example.com")
    code = code_in(latest_email(workspace, "accounts.login_code"))
    assert _enter(portal_client, code, "new@example.com").status_code == 302
    assert CustomerAccount.objects.get(contact__email="new@example.com").last_login_at


@pytest.mark.parametrize(("elapsed", "works"), [((3, 59), True), ((4, 1), False)])
def test_the_code_works_for_four_minutes(workspace, elapsed, works):
    make_customer(workspace)
    with time_machine.travel(START, tick=False) as clock:
        client = Client(HTTP_HOST=workspace.host)
        _ask(client)
        code = code_in(latest_email(workspace, "accounts.login_code"))
        clock.shift(dt.timedelta(minutes=elapsed[0], seconds=elapsed[1]))
        response = _enter(client, code)
    assert (response.status_code == 302) is works


@pytest.mark.parametrize(("elapsed", "works"), [((9, 59), True), ((10, 1), False)])
def test_the_link_works_for_ten_minutes(workspace, elapsed, works):
    make_customer(workspace)
    with time_machine.travel(START, tick=False) as clock:
        client = Client(HTTP_HOST=workspace.host)
        _ask(client)
        path = _link_path(workspace)
        clock.shift(dt.timedelta(minutes=elapsed[0], seconds=elapsed[1]))
        client.get(path)
        response = client.post("/login/link/")
    assert (response.status_code == 302) is works


def test_opening_the_link_only_shows_a_confirm_page_scanners_cannot_use_it(workspace):
    make_customer(workspace)
    _ask(Client())
    path = _link_path(workspace)
    # Given an email scanner that follows the link (GETs only), twice
    scanner = Client(HTTP_HOST=workspace.host)
    for _ in range(2):
        response = scanner.get(path, follow=True)
        assert "Sign in as hanako@example.com?" in response.content.decode()
    assert response.redirect_chain[0][0] == "/login/link/"  # the token left the URL
    assert scanner.get(path)["Referrer-Policy"] == "no-referrer"
    assert response["Referrer-Policy"] == "same-origin"
    assert scanner.get("/account/").status_code == 302
    # Then the customer can still sign in by pressing the button
    customer = Client(HTTP_HOST=workspace.host)
    customer.get(path)
    assert customer.post("/login/link/").status_code == 302
    assert customer.get("/account/").status_code == 200
    # And the link is now used up
    late = Client(HTTP_HOST=workspace.host)
    late.get(path)
    assert "no longer works" in late.post("/login/link/").content.decode()


def test_a_link_opened_in_another_browser_lands_where_it_was_asked_for(workspace):
    # Given a customer who asked for a sign-in email on their laptop, on the way to /account/
    make_customer(workspace)
    laptop = Client(HTTP_HOST=workspace.host)
    assert laptop.post("/login/code/?next=/account/", {"email": EMAIL}).status_code == 302
    path = _link_path(workspace)
    # When they open the link on their phone (a browser without the laptop's session)
    phone = Client(HTTP_HOST=workspace.host)
    confirm = phone.get(path, follow=True)
    assert "Sign in as hanako@example.com?" in confirm.content.decode()
    response = phone.post("/login/link/")
    # Then the phone lands on the destination requested with the link, signed in
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    page = phone.get("/account/")
    assert page.status_code == 200
    assert EMAIL in page.content.decode()


def test_a_link_asked_for_without_a_destination_leads_home_in_another_browser(workspace):
    # Given a sign-in email asked for with no destination
    make_customer(workspace)
    Client(HTTP_HOST=workspace.host).post("/login/code/", {"email": EMAIL})
    # When it is opened and confirmed in another browser
    phone = Client(HTTP_HOST=workspace.host)
    phone.get(_link_path(workspace))
    response = phone.post("/login/link/")
    # Then it leads to the customer center's home
    assert response["Location"] == "/"


def test_using_the_code_ends_the_link(workspace):
    make_customer(workspace)
    client = Client(HTTP_HOST=workspace.host)
    _ask(client)
    path = _link_path(workspace)
    _enter(client, code_in(latest_email(workspace, "accounts.login_code")))
    other = Client(HTTP_HOST=workspace.host)
    other.get(path)
    assert "no longer works" in other.get("/login/link/").content.decode()


def test_using_the_link_ends_the_code(workspace):
    make_customer(workspace)
    client = Client(HTTP_HOST=workspace.host)
    _ask(client)
    code = code_in(latest_email(workspace, "accounts.login_code"))
    client.get(_link_path(workspace))
    client.post("/login/link/")
    assert _enter(Client(HTTP_HOST=workspace.host), code).status_code == 200


def test_five_wrong_codes_end_the_code(workspace):
    make_customer(workspace)
    client = Client(HTTP_HOST=workspace.host)
    _ask(client)
    code = code_in(latest_email(workspace, "accounts.login_code"))
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(MAX_CODE_TRIES):
        response = _enter(client, wrong)
        assert "wrong or has expired" in response.content.decode()
    # Then even the right code is refused: a new one must be requested
    assert _enter(client, code).status_code == 200
    _ask(client)
    assert (
        _enter(client, code_in(latest_email(workspace, "accounts.login_code"))).status_code == 302
    )


def test_codes_are_accepted_with_spaces_and_full_width_digits(workspace):
    make_customer(workspace)
    client = Client(HTTP_HOST=workspace.host)
    _ask(client)
    code = code_in(latest_email(workspace, "accounts.login_code"))
    full_width = (
        code[:3].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " " + code[3:]
    )
    assert _enter(client, full_width).status_code == 302


def test_a_new_request_ends_the_older_code(workspace):
    make_customer(workspace)
    client = Client(HTTP_HOST=workspace.host)
    _ask(client)
    first = code_in(latest_email(workspace, "accounts.login_code"))
    _ask(client)
    second = code_in(latest_email(workspace, "accounts.login_code"))
    if first != second:
        assert _enter(client, first).status_code == 200
    assert _enter(client, second).status_code == 302


def test_codes_and_links_of_workspace_a_are_useless_on_workspace_b(workspace, other_workspace):
    alpha_account = make_customer(workspace)
    make_customer(other_workspace)
    link, code = issue_login_code(workspace, account=alpha_account)
    beta = Client(HTTP_HOST=other_workspace.host)
    assert _enter(beta, code).status_code == 200
    beta.get(f"/login/link/{link}/")
    assert "no longer works" in beta.get("/login/link/").content.decode()
    # And the hash of the same code differs per workspace and purpose
    assert token_hash(workspace.pk, "login_code", code, account_id=1) != token_hash(
        other_workspace.pk, "login_code", code, account_id=1
    )
    assert token_hash(workspace.pk, "login_code", code) != token_hash(workspace.pk, "reset", code)


def test_code_requests_and_guesses_are_rate_limited(workspace):
    make_customer(workspace)
    statuses = [_ask(Client()).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    response = _ask(Client())
    assert int(response["Retry-After"]) > 0
    guesses = [_enter(Client(REMOTE_ADDR=f"10.1.0.{i}"), "000000").status_code for i in range(16)]
    assert guesses[-1] == 429


def test_a_neighbour_on_a_shared_ip_cannot_lock_a_customer_out_of_codes(workspace):
    # Given someone at a shared office IP asking for codes for ten other addresses
    make_customer(workspace)
    office = "198.51.100.21"
    assert all(
        _ask(Client(REMOTE_ADDR=office), f"c{i}@example.com").status_code == 302 for i in range(10)
    )
    # When the customer asks for their own code from the same IP, Then it is sent
    assert _ask(Client(REMOTE_ADDR=office)).status_code == 302
    assert latest_email(workspace, "accounts.login_code").to_email == EMAIL


def test_the_code_goes_by_sms_only_to_a_verified_phone(
    workspace, django_capture_on_commit_callbacks
):
    account = make_customer(workspace, phone="+819012345678")
    # Given an unverified phone: no SMS
    with django_capture_on_commit_callbacks(execute=True):
        _ask(Client())
    assert sms.outbox == []
    # Given the number is verified: the same code is also texted
    CustomerAccount.objects.filter(pk=account.pk).update(verified_phone="+819012345678")
    with django_capture_on_commit_callbacks(execute=True):
        _ask(Client())
    code = code_in(latest_email(workspace, "accounts.login_code"))
    assert sms.outbox == [("+819012345678", sms.outbox[0][1])]
    assert code in sms.outbox[0][1]
    message = SmsMessage.objects.get()
    assert message.status == "sent" and message.body == ""  # the code does not outlive delivery
    # And once staff change the contact's phone, the old verification no longer counts
    account.contact.phone = "+819099999999"
    account.contact.save()
    with django_capture_on_commit_callbacks(execute=True):
        _ask(Client())
    assert len(sms.outbox) == 1


def test_sms_sends_are_limited_per_phone(workspace, django_capture_on_commit_callbacks):
    make_customer(workspace, phone="+819012345678")
    CustomerAccount.objects.update(verified_phone="+819012345678")
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            _ask(Client(REMOTE_ADDR=f"10.2.0.{i}"))
    from django.core.cache import cache

    cache.clear()  # the per-email request limit is lifted; the phone limit must still hold
    from terakoya.accounts.services import SMS_PER_PHONE, _subject
    from terakoya.core.ratelimit import hit

    for _ in range(5):
        hit(SMS_PER_PHONE, _subject(workspace, "+819012345678"))
    with django_capture_on_commit_callbacks(execute=True):
        _ask(Client(REMOTE_ADDR="10.3.0.1"))
    assert len(sms.outbox) == 5


def test_sign_in_with_code_in_japanese(workspace):
    make_customer(workspace, language="ja")
    client = Client(HTTP_HOST=workspace.host)
    client.cookies["terakoya_language"] = "ja"
    assert "コード" in client.get("/login/code/").content.decode()
    _ask(client)
    message = latest_email(workspace, "accounts.login_code")
    assert "ログイン" in message.subject
    assert _enter(client, code_in(message)).status_code == 302


def test_the_sql_lookup_of_a_live_code_agrees_with_the_orm_one(workspace, other_workspace):
    from terakoya.accounts.services import _active_code, _live_code_by_email

    account = make_customer(workspace)
    make_customer(other_workspace)
    issue_login_code(workspace, account=account)

    def orm(ws, email):
        return _active_code(
            ws,
            TokenPurpose.LOGIN_CODE,
            lock=False,
            account__contact__workspace=ws,
            account__contact__email=email,
            account__contact__deleted_at__isnull=True,
        )

    for ws, email in [
        (workspace, EMAIL),
        (workspace, "HANAKO@example.com "),
        (other_workspace, EMAIL),
        (workspace, "nobody@example.com"),
    ]:
        found, expected = _live_code_by_email(ws, email), orm(ws, email.strip().lower())
        assert (found and found.pk) == (expected and expected.pk)
    token = _live_code_by_email(workspace, EMAIL)
    assert token.account == account and token.account.session_epoch == account.session_epoch
    assert token.expires_at.tzinfo is not None
    # Expired, used up or a deactivated account: nothing
    with time_machine.travel(dt.timedelta(minutes=5)):
        assert _live_code_by_email(workspace, EMAIL) is None
    CustomerAccount.objects.filter(pk=account.pk).update(is_active=False)
    assert _live_code_by_email(workspace, EMAIL) is None
