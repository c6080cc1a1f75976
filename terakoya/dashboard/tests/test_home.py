from __future__ import annotations

import pytest

from terakoya.contacts import services as contact_services
from terakoya.core.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_home_counts_this_workspaces_live_contacts_only(workspace, other_workspace, owner_client):
    # Given two live contacts, one in the trash, and one in another workspace
    ContactFactory(workspace=workspace)
    ContactFactory(workspace=workspace)
    gone = ContactFactory(workspace=workspace)
    contact_services.trash_contact(workspace, contact=gone)
    ContactFactory(workspace=other_workspace)
    # When the owner opens the dashboard home
    response = owner_client.get(f"/dashboard/{workspace.slug}/")
    # Then it counts only the two live contacts of this workspace
    assert response.context["contact_count"] == 2
