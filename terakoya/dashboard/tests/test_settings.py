from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from terakoya.activity.models import ActivityEvent
from terakoya.workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def valid_settings(**overrides):
    data = {
        "name": "Alpha Academy",
        "default_language": "ja",
        "time_zone": "Asia/Tokyo",
        "country": "JP",
        "custom_domain": "",
    }
    data.update(overrides)
    return data


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_owner_changes_settings_and_it_is_in_the_audit_log(workspace, owner_client, owner):
    # When the owner saves new settings with a logo
    data = valid_settings(
        name="アルファ塾",
        time_zone="Europe/London",
        country="GB",
        custom_domain="Learn.Example.org",
    )
    data["logo"] = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    response = owner_client.post(f"/dashboard/{workspace.slug}/settings/", data)
    # Then they are saved, the domain normalized
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.name == "アルファ塾"
    assert workspace.time_zone == "Europe/London"
    assert workspace.country == "GB"
    assert workspace.custom_domain == "learn.example.org"
    assert workspace.logo.name.startswith("logos/")
    # And the header shows the logo instead of the name, from the public media prefix
    assert (
        f'<img src="/media/public/{workspace.logo.name}"'
        in owner_client.get(f"/dashboard/{workspace.slug}/").content.decode()
    )
    # And anyone (a visitor of the customer center) can load it
    logo = Client().get(f"/media/public/{workspace.logo.name}")
    assert logo.status_code == 200 and b"".join(logo.streaming_content) == png_bytes()
    # And the change is in the audit log with who made it
    event = ActivityEvent.objects.get(workspace=workspace, verb="workspace.settings_changed")
    assert event.actor_user == owner
    assert event.data["name"] == "アルファ塾"


@pytest.mark.parametrize(
    "field,value",
    [
        ("time_zone", "Mars/Olympus"),
        ("custom_domain", "http://bad domain/"),
        ("default_language", "fr"),
        ("country", "XX"),
        ("name", ""),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(workspace, owner_client, field, value):
    before = Workspace.objects.get(pk=workspace.pk)
    response = owner_client.post(
        f"/dashboard/{workspace.slug}/settings/", valid_settings(**{field: value})
    )
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    after = Workspace.objects.get(pk=workspace.pk)
    assert (
        after.name,
        after.time_zone,
        after.custom_domain,
        after.default_language,
        after.country,
    ) == (
        before.name,
        before.time_zone,
        before.custom_domain,
        before.default_language,
        before.country,
    )


def test_a_file_that_is_not_an_image_is_refused_as_logo(workspace, owner_client):
    data = valid_settings()
    data["logo"] = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    response = owner_client.post(f"/dashboard/{workspace.slug}/settings/", data)
    assert response.status_code == 200
    workspace.refresh_from_db()
    assert not workspace.logo


def test_custom_domain_already_taken_is_refused(workspace, other_workspace, owner_client):
    other_workspace.custom_domain = "taken.example.org"
    other_workspace.save()
    response = owner_client.post(
        f"/dashboard/{workspace.slug}/settings/", valid_settings(custom_domain="taken.example.org")
    )
    assert response.status_code == 200
    workspace.refresh_from_db()
    assert workspace.custom_domain is None


def test_settings_page_is_japanese_for_japanese_visitors(workspace, owner_client):
    owner_client.cookies["terakoya_language"] = "ja"
    response = owner_client.get(f"/dashboard/{workspace.slug}/settings/")
    assert response["Content-Language"] == "ja"
    assert "ワークスペースの設定" in response.content.decode()


def test_test_email_goes_through_the_outbox(
    workspace, owner_client, owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/dashboard/{workspace.slug}/settings/test-email/")
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[owner.email]]
    page = owner_client.get(f"/dashboard/{workspace.slug}/emails/")
    assert "Test email from Alpha Academy" in page.content.decode()


def test_activity_log_of_another_workspace_is_invisible(workspace, other_workspace, owner_client):
    from terakoya.activity.services import record_event

    record_event(
        other_workspace,
        verb="workspace.settings_changed",
        actor="someone-else",
        data={"secret": "x"},
    )
    page = owner_client.get(f"/dashboard/{workspace.slug}/activity/")
    assert "someone-else" not in page.content.decode()


def test_the_country_list_is_named_in_the_staff_language(workspace, owner_client):
    # When the settings page is shown in Japanese
    owner_client.cookies["terakoya_language"] = "ja"
    body = owner_client.get(f"/dashboard/{workspace.slug}/settings/").content.decode()

    # Then the country list uses Japanese names, with the workspace's country chosen
    assert '<option value="JP" selected>日本</option>' in body
    assert "アメリカ合衆国" in body
