"""Shared fixtures. Tests are entry points, so they run with scopes disabled (like a management
command would); every request through the test client re-enters the workspace scope in the
middleware, exactly as in production."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    settings.TERAKOYA_PRIVATE_ROOT = tmp_path / "private"


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

    from terakoya.workspaces.middleware import forget_hosts

    cache.clear()
    forget_hosts()
    yield


# --- Real browser (Playwright driving Debian's chromium) -----------------------------------------
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


@pytest.fixture(scope="session")
def _chromium() -> Iterator[Any]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django must still allow ORM calls
    # from the test body (the live server runs in its own thread).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """pytest-django's live server, but its request threads end before the database goes
    (see terakoya/core/tests/live_server.py)."""
    from terakoya.core.tests.live_server import TerakoyaLiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = TerakoyaLiveServer(addr)
    yield server
    server.stop()


@pytest.fixture
def page(live_server: Any, _chromium: Any) -> Iterator[Any]:
    """A fresh browser tab (own cookies) pointed at the live server's base host.

    The live server is asked for first, so at the end of the session the browser closes
    before the server stops. After each test the tab's context is closed and every request
    the live server is still handling is finished before the test's database is flushed."""
    context = _chromium.new_context(base_url=live_server.url, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    stuck = live_server.finish_requests()
    assert not stuck, f"live-server request threads still running after the test: {stuck}"


_DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}"""


@pytest.fixture
def axe_check() -> Any:
    """axe_check(page) runs axe-core on the page as it is now and fails the test on any
    violation of serious or critical impact, or on an id used twice."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(tab: Any, *, also_japanese: bool = False) -> None:
        """With also_japanese, the page (a GET) is loaded again in Japanese and checked too."""
        _check(tab)
        if also_japanese:
            cookie = {"name": "terakoya_language", "value": "ja", "url": tab.url}
            before = [c for c in tab.context.cookies(tab.url) if c["name"] == cookie["name"]]
            tab.context.add_cookies([cookie])
            tab.reload()
            assert tab.locator("html").get_attribute("lang") == "ja"
            _check(tab)
            tab.context.clear_cookies(name=cookie["name"])
            if before:
                tab.context.add_cookies(before)
            tab.reload()

    def _check(tab: Any) -> None:
        violations = axe.run(tab).response["violations"]
        bad = [v for v in violations if v.get("impact") in {"serious", "critical"}]
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in bad
        ]
        duplicates = tab.evaluate(_DUPLICATE_IDS)
        if duplicates:
            problems.append(f"duplicate ids: {duplicates}")
        assert not problems, f"accessibility problems on {tab.url}:\n" + "\n".join(problems)

    return check


@pytest.fixture
def screenshot() -> Any:
    """screenshot(page, "name") saves test-artifacts/name.png and returns its path."""

    def take(tab: Any, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return take
