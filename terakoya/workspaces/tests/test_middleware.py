from __future__ import annotations

import pytest
from django.test import Client, override_settings

from terakoya.core.factories import WorkspaceFactory
from terakoya.workspaces.hosts import AllowedHosts, forget_custom_domains
from terakoya.workspaces.middleware import resolve_host

pytestmark = pytest.mark.django_db


def test_base_host_resolves_to_default_workspace(workspace, other_workspace):
    # Given a default workspace and another one
    # When the base host is resolved
    resolved, is_base, known = resolve_host("127.0.0.1")
    # Then it is the default workspace, on the base host
    assert (resolved, is_base, known) == (workspace, True, True)


def test_subdomain_resolves_to_its_workspace(workspace, other_workspace):
    assert resolve_host("beta.localhost") == (other_workspace, False, True)


def test_custom_domain_resolves_to_its_workspace(workspace, settings):
    # Given a workspace with a custom domain (test set-up flattens ALLOWED_HOSTS; restore ours)
    settings.ALLOWED_HOSTS = AllowedHosts(["testserver", ".localhost"])
    shop = WorkspaceFactory(slug="shop", custom_domain="learn.example.org")
    forget_custom_domains()
    # When a request arrives on that domain
    response = Client(HTTP_HOST="learn.example.org").get("/login/")
    # Then the customer center of that workspace answers
    assert response.status_code == 200
    assert shop.name in response.content.decode()


def test_unknown_host_is_refused(workspace):
    response = Client(HTTP_HOST="evil.example.net").get("/login/")
    assert response.status_code == 400


def test_unknown_subdomain_is_refused(workspace):
    response = Client(HTTP_HOST="nobody.localhost").get("/login/")
    assert response.status_code == 400


def test_dashboard_is_not_served_on_workspace_hosts(workspace, other_workspace, owner):
    client = Client(HTTP_HOST="beta.localhost")
    client.force_login(owner)
    response = client.get("/dashboard/")
    assert response.status_code == 404


def test_customer_center_on_subdomain_shows_that_workspace(workspace, other_workspace):
    response = Client(HTTP_HOST="beta.localhost").get("/login/")
    assert response.status_code == 200
    assert "Beta School" in response.content.decode()
    assert "Alpha Academy" not in response.content.decode()


def test_visitor_at_customer_center_root_is_sent_to_login(workspace):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2F"


def test_base_host_without_any_workspace_shows_not_found(db):
    response = Client().get("/login/")
    assert response.status_code == 404


@override_settings(TERAKOYA_DEFAULT_WORKSPACE="beta")
def test_default_workspace_can_be_chosen_by_setting(workspace, other_workspace):
    resolved, _, _ = resolve_host("127.0.0.1")
    assert resolved == other_workspace


def test_liveness_needs_no_workspace_or_database(workspace, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz/live")
    assert response.status_code == 200


def test_readiness_checks_the_database(workspace):
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_language_follows_workspace_default_then_visitor_choice(workspace):
    # Given a Japanese workspace
    workspace.default_language = "ja"
    workspace.save()
    client = Client()
    # Then its pages are Japanese by default
    assert client.get("/login/")["Content-Language"] == "ja"
    # When the visitor switches to English
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    # Then they stay English
    response = client.get("/login/")
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()
