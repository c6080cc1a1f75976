"""Workspace scoping (docs/architecture.md, rule 1) and the architecture test that keeps it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from terakoya.contacts.models import Contact
from terakoya.contacts.services import create_contact
from terakoya.core.models import WorkspaceOwned

# Global models: each one is either the scope itself, a staff identity, or framework plumbing.
GLOBAL_MODELS = {
    "workspaces.Workspace",  # the scope itself
    "staff.User",  # one staff login across workspaces; access is by Membership
    "core.ScheduleEntry",  # periodic jobs loop over workspaces themselves
    "auth.Permission",
    "auth.Group",
    "contenttypes.ContentType",
    "sessions.Session",
    "django_tasks_database.DBTaskResult",
}


def test_every_model_is_scoped_or_allow_listed():
    # Given every model in the project
    offenders = []
    for model in apps.get_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        if label in GLOBAL_MODELS:
            continue
        # Then each one is workspace-owned with a scoped default manager
        scoped = issubclass(model, WorkspaceOwned) and hasattr(
            model._default_manager, "with_scopes_disabled"
        )
        if not scoped:
            offenders.append(label)
    assert offenders == [], f"neither scoped nor allow-listed: {offenders}"


def test_scoped_query_outside_any_scope_is_refused(workspace):
    with scope(), pytest.raises(ScopeError):
        list(Contact.objects.all())


@pytest.mark.django_db
def test_second_workspace_sees_nothing_of_the_first(workspace, other_workspace):
    # Given a contact in each workspace
    mine = create_contact(workspace, email="a@example.com")
    theirs = create_contact(other_workspace, email="b@example.com")
    # When reading inside the first workspace's scope
    with scope(workspace=workspace):
        visible = list(Contact.objects.all())
        # Then only its own contact is visible, and the other's cannot be fetched by id
        assert visible == [mine]
        assert not Contact.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
def test_same_email_may_exist_in_two_workspaces(workspace, other_workspace):
    create_contact(workspace, email="same@example.com")
    create_contact(other_workspace, email="SAME@example.com ")
    assert Contact.objects.filter(email="same@example.com").count() == 2
