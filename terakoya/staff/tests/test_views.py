from __future__ import annotations

import pytest
from django.test import Client

from terakoya.core.factories import STAFF_PASSWORD, MembershipFactory
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db


def test_staff_logs_in_with_email_and_lands_on_their_workspace(workspace, owner):
    # Given an owner of one workspace
    client = Client()
    # When they log in with their email in another case
    response = client.post(
        "/dashboard/login/", {"username": owner.email.upper(), "password": STAFF_PASSWORD}
    )
    # Then they land on the dashboard, which opens their workspace
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == f"/dashboard/{workspace.slug}/"


def test_wrong_password_is_refused_with_a_clear_message(workspace, owner):
    response = Client().post("/dashboard/login/", {"username": owner.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_logout_ends_the_session(owner_client):
    response = owner_client.post("/dashboard/logout/")
    assert response.status_code == 302
    assert owner_client.get("/dashboard/").status_code == 302  # back to login


def test_logout_by_get_is_not_allowed(owner_client):
    assert owner_client.get("/dashboard/logout/").status_code == 405


def test_password_change_requires_current_password(owner_client, owner):
    # When the current password is wrong
    response = owner_client.post(
        "/dashboard/password/",
        {
            "old_password": "wrong",
            "new_password1": "新しい パスワード 2026",
            "new_password2": "新しい パスワード 2026",
        },
    )
    # Then nothing changes
    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.check_password(STAFF_PASSWORD)
    # When it is right, the Japanese passphrase with spaces is accepted
    response = owner_client.post(
        "/dashboard/password/",
        {
            "old_password": STAFF_PASSWORD,
            "new_password1": "新しい パスワード 2026",
            "new_password2": "新しい パスワード 2026",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("新しい パスワード 2026")


def test_anonymous_dashboard_redirects_to_staff_login(workspace):
    response = Client().get(f"/dashboard/{workspace.slug}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")


def test_staff_of_one_workspace_get_404_for_another(workspace, other_workspace, owner_client):
    assert owner_client.get(f"/dashboard/{other_workspace.slug}/").status_code == 404
    assert owner_client.get(f"/dashboard/{other_workspace.slug}/settings/").status_code == 404
    assert owner_client.get("/dashboard/no-such-workspace/").status_code == 404


def test_support_agent_sees_home_but_not_settings(workspace):
    agent = MembershipFactory(workspace=workspace, role=Role.SUPPORT).user
    client = Client()
    client.force_login(agent)
    home = client.get(f"/dashboard/{workspace.slug}/")
    assert home.status_code == 200
    assert "Settings" not in home.content.decode()
    assert client.get(f"/dashboard/{workspace.slug}/settings/").status_code == 403
    assert client.get(f"/dashboard/{workspace.slug}/activity/").status_code == 403


def test_admin_may_change_settings(workspace, other_workspace):
    from terakoya.activity.models import ActivityEvent
    from terakoya.workspaces.models import Workspace

    # Given an admin (not the owner) of the workspace
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN).user
    client = Client()
    client.force_login(admin)
    assert client.get(f"/dashboard/{workspace.slug}/settings/").status_code == 200
    # When they save new settings
    response = client.post(
        f"/dashboard/{workspace.slug}/settings/",
        {
            "name": "アルファ塾",
            "default_language": "ja",
            "time_zone": "Asia/Tokyo",
            "country": "JP",
            "custom_domain": "",
        },
    )
    # Then the settings are changed, shown, and the audit log names the admin
    assert response.status_code == 302
    changed = Workspace.objects.get(pk=workspace.pk)
    assert (changed.name, changed.default_language, changed.time_zone) == (
        "アルファ塾",
        "ja",
        "Asia/Tokyo",
    )
    page = client.get(f"/dashboard/{workspace.slug}/settings/").content.decode()
    assert 'value="アルファ塾"' in page
    event = ActivityEvent.objects.filter(workspace=workspace).latest("id")
    assert event.actor_user == admin
    # And another workspace is untouched
    assert Workspace.objects.get(pk=other_workspace.pk).name == "Beta School"


def test_member_of_two_workspaces_chooses_one(workspace, other_workspace, owner, owner_client):
    MembershipFactory(workspace=other_workspace, user=owner, role=Role.ADMIN)
    response = owner_client.get("/dashboard/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alpha Academy" in body and "Beta School" in body
