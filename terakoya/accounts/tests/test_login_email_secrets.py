"""Staff read login emails without their secrets; only the mail server gets the link and code.

Through the real entry points: the customer's HTTP requests, the staff pages, the outbox sweep
task delivering to a real SMTP server (aiosmtpd), and the received link signing in.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from terakoya.accounts.models import LoginAttempt, LoginMethod, LoginToken, TokenPurpose
from terakoya.accounts.tests.factories import latest_email, make_customer, path_of
from terakoya.core.factories import MembershipFactory
from terakoya.mail.models import OutboxMessage, OutboxStatus
from terakoya.mail.tasks import sweep_outbox
from terakoya.mail.tests.smtp import Collector, smtp_server, text_body, use_smtp
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db
EMAIL = "hanako@example.com"


def _access(workspace, contact) -> str:
    return f"/dashboard/{workspace.slug}/customers/{contact.public_id}/access/"


def _staff(workspace, role=Role.OWNER) -> Client:
    client = Client()
    client.force_login(MembershipFactory(workspace=workspace, role=role).user)
    return client


def _local_hhmm(workspace, moment) -> str:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(workspace.time_zone)).strftime("%H:%M")


def _deliver(settings) -> list:
    """Run the outbox sweep (the periodic task) against a real SMTP server."""
    collector = Collector()
    with smtp_server(collector) as port:
        use_smtp(settings, port)
        sweep_outbox.call()
    return collector.parsed()


def _stored_values(message: OutboxMessage) -> str:
    row = OutboxMessage.objects.filter(pk=message.pk).values().get()
    return " ".join(str(value) for value in row.values())


def test_staff_see_no_code_or_link_but_the_customer_receives_both_and_the_link_works(
    workspace, portal_client, settings
):
    # Given a customer who asks for a sign-in email
    account = make_customer(workspace, email=EMAIL)
    assert portal_client.post("/login/code/", {"email": EMAIL}).status_code == 302
    message = latest_email(workspace, "accounts.login_code")
    link_row = LoginToken.objects.get(account=account, purpose=TokenPurpose.LOGIN_LINK)
    code_row = LoginToken.objects.get(account=account, purpose=TokenPurpose.LOGIN_CODE)

    # When the mail server receives it
    [received] = _deliver(settings)
    body = text_body(received)
    code = re.search(r"\b(\d{6})\b", body).group(1)
    link = re.search(r"https?://\S+/login/link/[A-Za-z0-9_-]+/", body).group(0)
    token = path_of(link).split("/")[-2]
    # Then it carries the working link and code, and the subject carries no code
    message.refresh_from_db()
    assert received["Message-ID"] == message.message_id
    assert code not in str(received["Subject"]) and "sign-in code" in str(received["Subject"])
    assert token in received.get_body(preferencelist=("html",)).get_content()
    # And nothing usable is left in the database once it is delivered
    assert message.status == OutboxStatus.SENT and message.sealed_secrets == ""
    stored = _stored_values(message)
    assert code not in stored and token not in stored

    # When the owner and a support agent open the contact's login page ("Show email")
    for role in (Role.OWNER, Role.SUPPORT):
        page = _staff(workspace, role).get(_access(workspace, account.contact))
        html = page.content.decode()
        # Then the email is there, its link and code masked with how long they stay valid
        assert page.status_code == 200
        assert f"{workspace.public_url}/login/link/" in html
        assert f"•••• (valid until {_local_hhmm(workspace, link_row.expires_at)})" in html
        assert f"•••• (valid until {_local_hhmm(workspace, code_row.expires_at)})" in html
        assert code not in html and token not in html
    # And the "Sent emails" list shows the subject without a code
    emails = _staff(workspace).get(f"/dashboard/{workspace.slug}/emails/").content.decode()
    assert "Your sign-in code for Alpha Academy" in emails and code not in emails

    # When the customer opens the received link and presses the button
    customer = Client(HTTP_HOST=workspace.host)
    assert customer.get(path_of(link))["Location"] == "/login/link/"
    assert customer.post("/login/link/").status_code == 302
    # Then they are signed in, and it is recorded as their login by email link
    assert customer.get("/account/").status_code == 200
    assert LoginAttempt.objects.filter(
        account=account, method=LoginMethod.EMAIL_LINK, succeeded=True
    ).exists()
    # And staff now see both secrets as used (one ends the other), still masked
    html = _staff(workspace).get(_access(workspace, account.contact)).content.decode()
    assert html.count("•••• (used)") == 2
    assert code not in html and token not in html


def test_the_received_code_signs_in_and_staff_see_it_expire_in_japanese(
    workspace, portal_client, settings
):
    # Given a Japanese customer's sign-in email, delivered
    account = make_customer(workspace, email=EMAIL, language="ja")
    portal_client.post("/login/code/", {"email": EMAIL})
    [received] = _deliver(settings)
    code = re.search(r"\b(\d{6})\b", text_body(received)).group(1)
    # Then the subject is Japanese and has no code
    assert str(received["Subject"]) == "Alpha Academy のログインコード"
    # And the received code signs in
    customer = Client(HTTP_HOST=workspace.host)
    response = customer.post("/login/code/enter/", {"email": EMAIL, "code": code})
    assert response.status_code == 302

    # Given a second sign-in email that nobody uses
    portal_client.post("/login/code/", {"email": EMAIL})
    _deliver(settings)
    # When a Japanese-speaking owner looks after both expired
    owner = _staff(workspace)
    owner.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        html = owner.get(_access(workspace, account.contact)).content.decode()
    # Then the first email's secrets read "used", the second's "expired", in Japanese
    assert html.count("••••（使用済み）") == 2
    assert html.count("••••（期限切れ）") == 2
    assert code not in html


def test_staff_triggered_reset_link_is_masked_for_staff_and_works_for_the_customer(
    workspace, settings
):
    # Given the owner sends a password reset from the contact's login page
    account = make_customer(workspace, email=EMAIL)
    owner = _staff(workspace)
    assert owner.post(_access(workspace, account.contact) + "send-reset/").status_code == 302
    row = LoginToken.objects.get(account=account, purpose=TokenPurpose.PASSWORD_RESET)
    # When the mail server receives it
    [received] = _deliver(settings)
    link = re.search(r"https?://\S+/password/reset/[A-Za-z0-9_-]+/", text_body(received)).group(0)
    token = path_of(link).split("/")[-2]
    # Then the owner's page shows the reset email with its link masked, not the token
    html = owner.get(_access(workspace, account.contact)).content.decode()
    assert f"/password/reset/•••• (valid until {_local_hhmm(workspace, row.expires_at)})" in html
    assert token not in html
    # And the received link opens the reset form for the customer
    customer = Client(HTTP_HOST=workspace.host)
    assert customer.get(path_of(link))["Location"] == "/password/reset/"
    form = customer.get("/password/reset/")
    assert form.status_code == 200 and b"new_password1" in form.content


def test_a_temporary_password_is_emailed_but_not_kept_readable(workspace, settings):
    # Given the owner sets a temporary password and has it emailed
    account = make_customer(workspace, email=EMAIL)
    owner = _staff(workspace)
    temp = "temporary pass 4711"
    response = owner.post(
        _access(workspace, account.contact) + "temporary-password/",
        {"new_password1": temp, "new_password2": temp, "send_email": "on"},
    )
    assert response.status_code == 302  # then the result page (POST-redirect-GET)
    message = latest_email(workspace, "accounts.temporary_password")
    # When it is delivered
    [received] = _deliver(settings)
    # Then the customer got the password, and the stored copy never has it again
    assert temp in text_body(received)
    assert temp not in _stored_values(OutboxMessage.objects.get(pk=message.pk))


def test_staff_of_another_workspace_cannot_open_the_login_page(
    workspace, other_workspace, portal_client
):
    # Given a customer's sign-in email in this workspace
    account = make_customer(workspace, email=EMAIL)
    portal_client.post("/login/code/", {"email": EMAIL})
    # When the owner of another workspace tries this contact's login page, or their own
    outsider = _staff(other_workspace)
    path = _access(workspace, account.contact)
    assert outsider.get(path).status_code == 404
    assert outsider.get(path.replace(workspace.slug, other_workspace.slug)).status_code == 404
    # Then their "Sent emails" list does not have it either
    emails = outsider.get(f"/dashboard/{other_workspace.slug}/emails/").content.decode()
    assert "sign-in code" not in emails
