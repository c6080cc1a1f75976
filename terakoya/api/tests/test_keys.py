from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from terakoya.api.models import ApiKey
from terakoya.api.services import authenticate_key, hash_key
from terakoya.core.factories import MembershipFactory
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db


def test_owner_creates_key_shown_once_and_stored_hashed(owner_client, workspace):
    url = reverse("dashboard:api_dashboard:list", args=["alpha"])
    response = owner_client.post(url, {"name": "Zapier"})
    key = ApiKey.objects.get()
    body = response.content.decode()
    raw = body.split('<code id="new-key">')[1].split("</code>")[0]
    assert raw.startswith("tk_") and key.key_hash == hash_key(raw) and raw not in key.key_hash
    assert authenticate_key(raw) == key
    # shown once: the next view does not include it
    assert raw not in owner_client.get(url).content.decode()
    # revoke
    owner_client.post(reverse("dashboard:api_dashboard:revoke", args=["alpha", key.public_id]))
    assert authenticate_key(raw) is None


def test_support_agents_and_other_workspaces_cannot_manage_keys(workspace, other_workspace):
    agent = MembershipFactory(workspace=workspace, role=Role.SUPPORT).user
    client = Client()
    client.force_login(agent)
    assert client.get(reverse("dashboard:api_dashboard:list", args=["alpha"])).status_code == 403
    outsider = MembershipFactory(workspace=other_workspace, role=Role.OWNER).user
    client.force_login(outsider)
    assert client.get(reverse("dashboard:api_dashboard:list", args=["alpha"])).status_code == 404
    key = ApiKey.objects.create(workspace=workspace, name="k", prefix="tk_x", key_hash="h")
    response = client.post(reverse("dashboard:api_dashboard:revoke", args=["beta", key.public_id]))
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_empty_name_is_refused(owner_client, workspace):
    response = owner_client.post(
        reverse("dashboard:api_dashboard:list", args=["alpha"]), {"name": " "}
    )
    assert response.status_code == 200 and not ApiKey.objects.exists()
