"""Shared fixtures. Tests are entry points, so they run with scopes disabled (like a management
command would); every request through the test client re-enters the workspace scope in the
middleware, exactly as in production."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from terakoya.core.factories import STAFF_PASSWORD, MembershipFactory, UserFactory, WorkspaceFactory
from terakoya.staff.models import User
from terakoya.workspaces.models import Role, Workspace


@pytest.fixture(autouse=True)
def _scopes_disabled_for_test_code() -> Iterator[None]:
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="Alpha Academy", slug="alpha", is_default=True)


@pytest.fixture
def other_workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="Beta School", slug="beta")


@pytest.fixture
def owner(workspace: Workspace) -> User:
    return MembershipFactory(workspace=workspace, role=Role.OWNER).user


@pytest.fixture
def staff_password() -> str:
    return STAFF_PASSWORD


def client_for_host(host: str) -> Client:
    return Client(HTTP_HOST=host)


@pytest.fixture
def owner_client(owner: User) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def portal_client(workspace: Workspace) -> Client:
    """A browser on the workspace's customer center host."""
    return client_for_host(workspace.host)


@pytest.fixture
def other_user(other_workspace: Workspace) -> User:
    return UserFactory()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits and cached lookups never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
