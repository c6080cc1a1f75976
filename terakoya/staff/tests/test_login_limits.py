from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from terakoya.activity.models import ActivityEvent
from terakoya.core.factories import STAFF_PASSWORD, MembershipFactory, UserFactory
from terakoya.mail.models import OutboxMessage
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _login(email: str, password: str, ip: str) -> object:
    return Client(REMOTE_ADDR=ip).post(
        "/dashboard/login/", {"username": email, "password": password}
    )


def _comparable(response) -> tuple[int, str, str]:
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", response.content.decode())
    return response.status_code, response.get("Retry-After", ""), body


def test_sixty_wrong_passwords_lock_the_account_even_for_the_right_one(workspace, owner):
    with time_machine.travel(START, tick=False):
        _sixty_wrong_then_right(workspace, owner)


def _sixty_wrong_then_right(workspace, owner) -> None:
    # Given an admin of the workspace, and an attacker who changes IP for every guess
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN).user
    statuses = [
        _login(admin.email, f"guess {i}", f"10.0.{i // 200}.{i % 200}").status_code
        for i in range(60)
    ]
    # Then ten guesses are answered, the rest refused
    assert statuses[:10] == [200] * 10
    assert set(statuses[10:]) == {429}
    # When the admin then types the right password
    client = Client(REMOTE_ADDR="192.0.2.44")
    right = client.post("/dashboard/login/", {"username": admin.email, "password": STAFF_PASSWORD})
    wrong = _login(admin.email, "another guess", "192.0.2.45")
    # Then it is refused too, and the answer is the same as for a wrong password
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert _comparable(right) == _comparable(wrong)
    assert "Too many sign-in attempts" in right.content.decode()
    # And the owner got exactly one email about it
    emails = OutboxMessage.objects.filter(workspace=workspace, kind="staff.login_locked")
    assert [m.to_email for m in emails] == [owner.email]
    assert admin.email in emails[0].body_text and "10.0.0.10" in emails[0].body_text
    # And the activity log has each wrong password and the lockout
    failed = ActivityEvent.objects.filter(workspace=workspace, verb="staff.login_failed")
    assert failed.count() == 10
    assert failed.filter(ip="10.0.0.3", data__email=admin.email).exists()
    assert ActivityEvent.objects.filter(workspace=workspace, verb="staff.login_locked").count() == 1
    # And the owner reads it on the activity page in words
    owner_client = Client()
    owner_client.force_login(owner)
    page = owner_client.get(f"/dashboard/{workspace.slug}/activity/").content.decode()
    assert "Failed staff sign-in" in page and "Staff sign-in paused" in page


def test_one_ip_trying_many_staff_accounts_is_limited_per_ip(workspace, owner):
    # Given one IP guessing for 30 different accounts
    statuses = [
        _login(f"staff-guess{i}@example.com", "guess", "198.51.100.9").status_code
        for i in range(31)
    ]
    # Then the 31st attempt is refused, whatever the account
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    assert _login(owner.email, STAFF_PASSWORD, "198.51.100.9").status_code == 429
    # But the owner, from their own address, logs in
    assert _login(owner.email, STAFF_PASSWORD, "192.0.2.1").status_code == 302
    # And made-up emails leave no activity rows and send no email
    assert not ActivityEvent.objects.filter(verb__startswith="staff.login").exists()
    assert not OutboxMessage.objects.exists()


def test_a_lockout_is_told_to_the_owners_of_that_workspace_only(workspace, other_workspace, owner):
    # Given a Japanese owner of another workspace, and a member of it
    other_owner = UserFactory(language="ja")
    MembershipFactory(workspace=other_workspace, user=other_owner, role=Role.OWNER)
    member = MembershipFactory(workspace=other_workspace, role=Role.SUPPORT).user
    # When the member's account is locked
    for i in range(11):
        _login(member.email, "wrong", f"10.1.0.{i}")
    # Then the other workspace's owner is told, in Japanese, and nobody in the first workspace
    message = OutboxMessage.objects.get(kind="staff.login_locked")
    assert message.workspace == other_workspace and message.to_email == other_owner.email
    assert "一時停止" in message.subject
    assert member.email in message.body_text
    assert not ActivityEvent.objects.filter(workspace=workspace, verb__startswith="staff.").exists()
    assert ActivityEvent.objects.filter(
        workspace=other_workspace, verb="staff.login_locked"
    ).exists()
    # And the first workspace's owner still logs in
    assert _login(owner.email, STAFF_PASSWORD, "10.1.0.1").status_code == 302
