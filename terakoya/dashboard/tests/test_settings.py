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


def _post_domain(client, workspace, domain, language="en"):
    client.cookies["terakoya_language"] = language
    return client.post(
        f"/dashboard/{workspace.slug}/settings/", valid_settings(custom_domain=domain)
    )


@pytest.mark.parametrize(
    "domain",
    [
        "beta.localhost",  # another workspace's own address
        "BETA.localhost.",  # the same, as typed with capitals and a trailing dot
        "localhost",  # the base domain itself
        "nobody.localhost:8000",  # any subdomain of the base domain, with a port
        "127.0.0.1",  # the base URL's host
        "extra.example.net",  # TERAKOYA_EXTRA_HOSTS
    ],
)
def test_a_custom_domain_that_is_one_of_our_own_hosts_is_refused(
    workspace, other_workspace, owner_client, settings, domain
):
    # Given an installation that also answers on an extra host
    settings.TERAKOYA_BASE_HOSTS = [*settings.TERAKOYA_BASE_HOSTS, "extra.example.net"]
    # When the owner of workspace A claims one of the installation's own hosts
    response = _post_domain(owner_client, workspace, domain)
    body = response.content.decode()
    # Then the form says why and nothing is saved
    assert response.status_code == 200
    assert "this installation&#x27;s own address" in body
    workspace.refresh_from_db()
    assert workspace.custom_domain is None
    # And beta.localhost still reaches workspace B, not A
    from terakoya.workspaces.middleware import forget_hosts, resolve_host

    forget_hosts()
    assert resolve_host("beta.localhost")[0] == other_workspace


def test_an_own_host_is_refused_in_japanese_for_japanese_staff(
    workspace, other_workspace, owner_client
):
    response = _post_domain(owner_client, workspace, "beta.localhost", language="ja")
    assert "このインストール自身のアドレス" in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.custom_domain is None


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("Learn.Example.ORG", "learn.example.org"),
        ("learn.example.org:8443", "learn.example.org"),
        ("learn.example.org.", "learn.example.org"),
        ("  学ぶ.例え.jp ", "xn--29jt60k.xn--r8jz45g.jp"),
        ("ＬＥＡＲＮ．ｅｘａｍｐｌｅ．ｃｏｍ", "learn.example.com"),  # typed in full width
        ("shop.xn--q9jyb4c", "shop.xn--q9jyb4c"),  # an IDN top-level domain
    ],
)
def test_custom_domains_are_stored_in_one_normal_form(workspace, owner_client, typed, stored):
    # When the owner types a domain in any of the ways people type them
    response = _post_domain(owner_client, workspace, typed)
    # Then it is saved as lowercase IDNA without port or trailing dot
    assert response.status_code == 302, response.content.decode()
    workspace.refresh_from_db()
    assert workspace.custom_domain == stored


@pytest.mark.parametrize(
    "domain",
    [
        "https://learn.example.org/",
        "learn example.org",
        "a..b.com",
        "-x.example.org",
        "user@example.org",
    ],
)
def test_a_custom_domain_that_is_not_a_host_name_is_refused(workspace, owner_client, domain):
    response = _post_domain(owner_client, workspace, domain)
    assert response.status_code == 200
    assert "Enter a domain name such as learn.example.com" in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.custom_domain is None


def test_another_workspaces_domain_is_refused_whatever_the_case(
    workspace, other_workspace, owner_client
):
    # Given workspace B owns learn.example.org
    other_workspace.custom_domain = "learn.example.org"
    other_workspace.save()
    # When A's owner claims it in capitals with a port
    response = _post_domain(owner_client, workspace, "LEARN.Example.org:443")
    # Then it is refused with a clear message, and only B has it
    assert response.status_code == 200
    assert "learn.example.org is already used by another workspace." in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.custom_domain is None
    # And keeping one's own domain while saving other settings is fine
    other_workspace.custom_domain = None
    other_workspace.save()
    assert _post_domain(owner_client, workspace, "learn.example.org").status_code == 302
    assert _post_domain(owner_client, workspace, "Learn.Example.org").status_code == 302
    workspace.refresh_from_db()
    assert workspace.custom_domain == "learn.example.org"


def test_the_database_refuses_a_second_workspace_with_the_same_domain_in_other_case(
    workspace, other_workspace
):
    from django.db import IntegrityError, transaction

    Workspace.objects.filter(pk=workspace.pk).update(custom_domain="learn.example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        Workspace.objects.filter(pk=other_workspace.pk).update(custom_domain="LEARN.example.org")


def test_a_support_agent_cannot_change_the_custom_domain(workspace):
    from django.test import Client

    from terakoya.core.factories import MembershipFactory
    from terakoya.workspaces.models import Role

    agent = MembershipFactory(workspace=workspace, role=Role.SUPPORT).user
    client = Client()
    client.force_login(agent)
    response = _post_domain(client, workspace, "learn.example.org")
    assert response.status_code == 403
    workspace.refresh_from_db()
    assert workspace.custom_domain is None
