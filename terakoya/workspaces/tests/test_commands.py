from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from terakoya.contacts.models import Contact
from terakoya.staff.models import User
from terakoya.workspaces.models import Membership, Role, Workspace

pytestmark = pytest.mark.django_db


def test_demo_creates_a_bilingual_workspace_once_and_prints_logins(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    # When the demo command runs twice
    first, second = io.StringIO(), io.StringIO()
    call_command("demo", stdout=first)
    call_command("demo", stdout=second)
    # Then one default workspace exists with an owner, English and Japanese contacts
    workspace = Workspace.objects.get(slug="demo")
    assert workspace.is_default
    assert Membership.objects.get(workspace=workspace).role == Role.OWNER
    names = set(Contact.objects.filter(workspace=workspace).values_list("last_name", flat=True))
    assert {"山田", "Clarke"} <= names
    # And both runs print the same working credentials
    owner_line = [line for line in first.getvalue().splitlines() if "Owner login" in line][0]
    assert owner_line in second.getvalue()
    password = owner_line.split(" / ")[1].strip()
    assert User.objects.get(email="owner@demo.terakoya.test").check_password(password)


def test_createworkspace_refuses_bad_input_and_changes_nothing():
    with pytest.raises(CommandError):
        call_command(
            "createworkspace",
            "Bad Slug!",
            "--name",
            "X",
            "--owner-email",
            "o@example.com",
            "--owner-password",
            "long enough password",
        )
    assert not Workspace.objects.exists()
    assert not User.objects.exists()


def test_createworkspace_creates_owner_and_workspace():
    out = io.StringIO()
    call_command(
        "createworkspace",
        "school",
        "--name",
        "学校",
        "--owner-email",
        "Me@Example.com",
        "--owner-password",
        "long enough password",
        "--language",
        "ja",
        stdout=out,
    )
    workspace = Workspace.objects.get(slug="school")
    assert workspace.default_language == "ja"
    assert Membership.objects.get(workspace=workspace).user.email == "me@example.com"
    assert "school.localhost" in out.getvalue()


def _login_line(output: str, who: str) -> str:
    return [line for line in output.splitlines() if f"{who} login" in line][0]


def test_demo_says_when_the_demo_customer_changed_the_password(settings, tmp_path):
    from django.test import Client

    settings.VAR_DIR = tmp_path
    # Given the demo, and its customer signed in with the printed password
    first = io.StringIO()
    call_command("demo", stdout=first)
    customer_line = _login_line(first.getvalue(), "Customer")
    email, password = (part.strip() for part in customer_line.split(":", 1)[1].split(" / "))
    browser = Client(HTTP_HOST="127.0.0.1")
    assert browser.post("/login/", {"email": email, "password": password}).status_code == 302
    # When the customer changes their password in the customer center
    response = browser.post(
        "/account/password/",
        {
            "current_password": password,
            "new_password1": "a brand new pass 2026",
            "new_password2": "a brand new pass 2026",
        },
    )
    assert response.status_code == 302
    # Then the next `make run` (the demo command) says so instead of a dead password
    second = io.StringIO()
    call_command("demo", stdout=second)
    line = _login_line(second.getvalue(), "Customer")
    assert password not in line
    assert "password changed since the demo was set up" in line
    # While the owner's unchanged password is still printed
    assert _login_line(second.getvalue(), "Owner") == _login_line(first.getvalue(), "Owner")


def test_demo_says_when_the_owner_changed_the_password(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = io.StringIO()
    call_command("demo", stdout=first)
    owner = User.objects.get(email="owner@demo.terakoya.test")
    owner.set_password("owner's own pass 2026")
    owner.save()
    second = io.StringIO()
    call_command("demo", stdout=second)
    line = _login_line(second.getvalue(), "Owner")
    assert "password changed since the demo was set up" in line
    assert _login_line(first.getvalue(), "Owner").split(" / ")[1] not in line
