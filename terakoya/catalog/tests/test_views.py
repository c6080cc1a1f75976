from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from terakoya.catalog.models import Offer
from terakoya.catalog.services import create_offer
from terakoya.core.factories import MembershipFactory
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db


def test_create_edit_list(owner_client, workspace):
    add = reverse("dashboard:catalog:add", args=["alpha"])
    assert (
        owner_client.post(
            add, {"name": "講座", "description": "d", "internal_note": "n"}
        ).status_code
        == 302
    )
    offer = Offer.objects.get()
    assert owner_client.post(add, {"name": "講座"}).status_code == 200  # duplicate name: form error
    edit = reverse("dashboard:catalog:edit", args=["alpha", offer.public_id])
    owner_client.post(edit, {"name": "講座 2"})
    offer.refresh_from_db()
    assert offer.name == "講座 2"
    assert (
        "講座 2"
        in owner_client.get(reverse("dashboard:catalog:list", args=["alpha"])).content.decode()
    )
    assert owner_client.post(add, {"name": ""}).status_code == 200


def test_other_workspace_cannot_see_offers(workspace, other_workspace):
    offer = create_offer(workspace, name="Secret")
    outsider = MembershipFactory(workspace=other_workspace, role=Role.OWNER).user
    client = Client()
    client.force_login(outsider)
    assert client.get(reverse("dashboard:catalog:list", args=["alpha"])).status_code == 404
    assert (
        "Secret"
        not in client.get(reverse("dashboard:catalog:list", args=["beta"])).content.decode()
    )
    assert (
        client.get(reverse("dashboard:catalog:edit", args=["beta", offer.public_id])).status_code
        == 404
    )
