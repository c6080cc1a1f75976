"""The role matrix as a table: every dashboard URL (GET and POST) and every API operation ×
every role, compared with terakoya.workspaces.permissions through real HTTP requests.

A dashboard URL or an API operation that is not in the tables below fails here, so nothing new
can ship without a line in the matrix."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from terakoya.activity.models import ActivityEvent
from terakoya.api.main import operation_names
from terakoya.api.services import create_api_key
from terakoya.catalog.models import Offer
from terakoya.catalog.services import grant_offer
from terakoya.contacts import bulk, services
from terakoya.contacts.forms import BulkForm
from terakoya.contacts.imports.services import create_import
from terakoya.contacts.models import Contact
from terakoya.contacts.tests.factories import OfferFactory
from terakoya.core.factories import ContactFactory, MembershipFactory
from terakoya.workspaces import permissions
from terakoya.workspaces.models import Role, Workspace

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
ROLES = [Role.SUPPORT, Role.ADMIN, Role.OWNER]  # the least trusted first: a refusal changes nothing
PREFIX = "dashboard/<slug:workspace_slug>/"

# Every dashboard URL under /dashboard/<workspace>/ and the action it is. Written out here on
# purpose (not read from the views): a view that names the wrong action fails below.
DASHBOARD = {
    "dashboard:home": "dashboard.home",
    "dashboard:settings": "settings.change",
    "dashboard:send_test_email": "settings.change",
    "dashboard:activity": "activity.view",
    "dashboard:emails": "emails.view",
    "dashboard:contacts:list": "contacts.view",
    "dashboard:contacts:add": "contacts.create",
    "dashboard:contacts:count": "contacts.view",
    "dashboard:contacts:export": "contacts.export",
    "dashboard:contacts:trash": "contacts.trash",
    "dashboard:contacts:bulk": "contacts.view",  # then each posted bulk action: BULK below
    "dashboard:contacts:bulk_job": "contacts.bulk",
    "dashboard:contacts:segment_save": "segments.manage",
    "dashboard:contacts:segment_delete": "segments.manage",
    "dashboard:contacts:detail": "contacts.view",
    "dashboard:contacts:edit": "contacts.edit",
    "dashboard:contacts:tag_add": "contacts.tag",
    "dashboard:contacts:tag_remove": "contacts.tag",
    "dashboard:contacts:grant": "contacts.grant",
    "dashboard:contacts:revoke": "contacts.grant",
    "dashboard:contacts:address_add": "contacts.edit",
    "dashboard:contacts:address_delete": "contacts.edit",
    "dashboard:contacts:unsubscribe": "contacts.consent",
    "dashboard:contacts:request_opt_in": "contacts.consent",
    "dashboard:contacts:trash_one": "contacts.trash",
    "dashboard:contacts:restore": "contacts.trash",
    "dashboard:contact_imports:list": "imports.run",
    "dashboard:contact_imports:upload": "imports.run",
    "dashboard:contact_imports:detail": "imports.run",
    "dashboard:contact_imports:run": "imports.run",
    "dashboard:contact_imports:progress": "imports.run",
    "dashboard:contact_imports:errors": "imports.run",
    "dashboard:contact_imports:rollback": "imports.run",
    "dashboard:contact_imports:file": "imports.run",
    "dashboard:contact_merge:preview": "merge.run",
    "dashboard:contact_merge:duplicates": "merge.run",
    "dashboard:contact_merge:refresh": "merge.run",
    "dashboard:contact_merge:dismiss": "merge.run",
    "dashboard:contact_merge:history": "merge.run",
    "dashboard:contact_merge:detail": "merge.run",
    "dashboard:contact_merge:undo": "merge.run",
    "dashboard:catalog:list": "offers.view",
    "dashboard:catalog:add": "offers.create",
    "dashboard:catalog:edit": "offers.edit",
    "dashboard:accounts_dashboard:settings": "customer_login.settings",
    "dashboard:accounts_dashboard:access": "customer_login.view",
    "dashboard:accounts_dashboard:send_reset": "customer_login.send_reset",
    "dashboard:accounts_dashboard:unlock": "customer_login.unlock",
    "dashboard:accounts_dashboard:temporary_password": "customer_login.temporary_password",
    "dashboard:api_dashboard:list": "api_keys.manage",
    "dashboard:api_dashboard:revoke": "api_keys.manage",
}

# Who may do what, as the review issue and docs/architecture.md state it.
SUPPORT_MAY = {
    "dashboard.home",
    "contacts.view",
    "contacts.edit",
    "contacts.consent",
    "customer_login.view",
    "customer_login.send_reset",
    "customer_login.unlock",
}
OWNER_ONLY = {"staff.manage", "workspace.delete"}


def dashboard_urls() -> list[tuple[str, str, Any]]:
    """(route, namespaced name, view) of every URL the project serves."""
    found: list[tuple[str, str, Any]] = []

    def walk(patterns: list[Any], route: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern.url_patterns, route + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                found.append(
                    (
                        route + str(pattern.pattern),
                        namespace + (pattern.name or ""),
                        pattern.callback,
                    )
                )

    walk(get_resolver().url_patterns, "", "")
    return [(route, name, view) for route, name, view in found if route.startswith(PREFIX)]


class World:
    """One workspace with one of everything a dashboard URL can point at."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        owner = MembershipFactory(workspace=workspace, role=Role.OWNER).user
        self.contact = ContactFactory(workspace=workspace, email="hanako@example.com")
        self.other = ContactFactory(workspace=workspace, email="taro@example.com")
        self.tag = services.add_tag(workspace, contact=self.contact, name="vip", actor=owner)
        self.offer = OfferFactory(workspace=workspace, name="Course")
        grant_offer(workspace, contact=self.contact, offer=self.offer, actor=owner)
        self.address = services.save_address(
            workspace, contact=self.contact, data={"city": "Kyoto", "country": "JP"}, actor=owner
        )
        self.segment = services.save_segment(
            workspace, name="VIPs", filters={"tag": "vip"}, actor=owner
        )
        self.job = bulk.start_bulk_action(
            workspace,
            action="add_tag",
            selection={"ids": [self.other.public_id]},
            params={"tag": "later"},
            actor=owner,
        )
        self.key, self.secret = create_api_key(workspace, name="CRM sync", actor=owner)
        csv = io.BytesIO(b"email,first_name\nnew@example.com,Jiro\n")
        self.import_job = create_import(
            workspace, uploaded_file=csv, filename="contacts.csv", actor=owner
        )

    def kwargs(self, name: str, route: str) -> dict[str, str]:
        values = {"workspace_slug": self.workspace.slug}
        public_id = self.contact.public_id
        if ":contact_imports:" in name:
            public_id = self.import_job.public_id
        elif name == "dashboard:catalog:edit":
            public_id = self.offer.public_id
        elif name == "dashboard:api_dashboard:revoke":
            public_id = self.key.public_id
        candidates = {
            "public_id": public_id,
            "tag_id": self.tag.public_id,
            "offer_id": self.offer.public_id,
            "address_id": self.address.public_id,
            "segment_id": self.segment.public_id,
            "job_id": self.job.public_id,
            "merge_id": "nosuchmerge0",  # a merge id that does not exist: still a role check first
        }
        for key, value in candidates.items():
            if f":{key}>" in route:
                values[key] = value
        return values


def staff_client(workspace: Workspace, role: str) -> Client:
    client = Client()
    client.force_login(MembershipFactory(workspace=workspace, role=role).user)
    return client


def read(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


# --- the matrix itself -------------------------------------------------------------------------


def test_the_matrix_gives_support_agents_only_lookups_and_login_help():
    # Given the matrix
    for name, action in permissions.ACTIONS.items():
        # Then owners may do everything, admins everything but the owner-only actions,
        # and support agents only look customers up and help them log in
        assert permissions.can(Role.OWNER, name)
        assert permissions.can(Role.ADMIN, name) == (name not in OWNER_ONLY)
        assert permissions.can(Role.SUPPORT, name) == (name in SUPPORT_MAY), name
        assert action.label
    assert not permissions.can(Role.OWNER, "no.such.action")


def test_every_dashboard_url_is_in_the_table_and_its_view_names_that_action():
    # Given every URL the dashboard serves under /dashboard/<workspace>/
    urls = dashboard_urls()
    # Then each one is in the table (a new page needs a line in the matrix)...
    assert sorted(name for _route, name, _view in urls) == sorted(DASHBOARD)
    for _route, name, view in urls:
        # ...and its view is guarded by staff_view with exactly that action
        assert getattr(view, "staff_action", None) == DASHBOARD[name], name
        assert DASHBOARD[name] in permissions.ACTIONS


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(DASHBOARD))
def test_dashboard_url_by_role(workspace, name, method):
    # Given a workspace with something behind every URL, and a member of each role
    world = World(workspace)
    route = next(route for route, url_name, _view in dashboard_urls() if url_name == name)
    url = reverse(name, kwargs=world.kwargs(name, route))
    action = DASHBOARD[name]
    for role in ROLES:
        client = staff_client(workspace, role)
        events_before = ActivityEvent.objects.filter(workspace=workspace).count()
        contacts_before = list(
            Contact.objects.filter(workspace=workspace).values_list("public_id", "deleted_at")
        )
        # When they open the page or post to it
        response = getattr(client, method)(url)
        read(response)
        status = response.status_code
        if permissions.can(role, action):
            # Then an allowed role gets the page or its answer (never a refusal, never a 500)
            assert status != 403 and status < 500, (name, method, role, status)
        else:
            # Then any other role is refused (405 only where the method is wrong anyway)
            # and nothing changed
            assert status in (403, 405), (name, method, role, status)
            assert ActivityEvent.objects.filter(workspace=workspace).count() == events_before
            assert (
                list(
                    Contact.objects.filter(workspace=workspace).values_list(
                        "public_id", "deleted_at"
                    )
                )
                == contacts_before
            )


@pytest.mark.parametrize(
    "name",
    sorted(n for n, a in DASHBOARD.items() if not all(permissions.can(r, a) for r in ROLES)),
)
def test_a_denied_role_is_refused_by_at_least_one_method(workspace, name):
    # Given a URL some role may not use
    action = DASHBOARD[name]
    denied = [role for role in ROLES if not permissions.can(role, action)]
    world = World(workspace)
    route = next(route for route, url_name, _view in dashboard_urls() if url_name == name)
    url = reverse(name, kwargs=world.kwargs(name, route))
    for role in denied:
        client = staff_client(workspace, role)
        # When that role tries both methods, then at least one is a plain 403
        statuses = {client.get(url).status_code, client.post(url).status_code}
        assert 403 in statuses, (name, role, statuses)


@pytest.mark.parametrize("name", sorted(DASHBOARD))
def test_another_workspaces_staff_get_a_404_on_every_url(workspace, other_workspace, name):
    # Given the owner of another workspace
    world = World(workspace)
    route = next(route for route, url_name, _view in dashboard_urls() if url_name == name)
    url = reverse(name, kwargs=world.kwargs(name, route))
    stranger = staff_client(other_workspace, Role.OWNER)
    # When they try this workspace's URLs, then it does not exist for them
    assert stranger.get(url).status_code in (404, 405)
    assert stranger.post(url).status_code == 404


# --- bulk actions: each posted action is its own line -----------------------------------------


def test_every_bulk_action_is_in_the_matrix():
    form = BulkForm(workspace=None)
    choices = {value for value, _label in form.fields["action"].choices if value}
    assert choices == set(permissions.BULK_ACTIONS)
    assert set(permissions.BULK_ACTIONS.values()) <= set(permissions.ACTIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("bulk_action", sorted(permissions.BULK_ACTIONS))
def test_bulk_action_by_role(workspace, role, bulk_action):
    # Given two contacts (one in the trash, for "restore") and a member of this role
    world = World(workspace)
    if bulk_action == "restore":
        services.trash_contact(workspace, contact=world.other, actor="system")
    client = staff_client(workspace, role)
    events_before = ActivityEvent.objects.filter(workspace=workspace).count()
    # When they confirm the bulk action on the selected contacts
    response = client.post(
        reverse("dashboard:contacts:bulk", args=[workspace.slug]),
        {
            "action": bulk_action,
            "scope": "selected",
            "ids": [world.contact.public_id, world.other.public_id],
            "trashed": "1" if bulk_action == "restore" else "",
            "tag": "vip",
            "offer": world.offer.public_id,
            "confirmed": "1",
            "confirm": "DELETE",
        },
    )
    body = read(response)
    if permissions.can_bulk(role, bulk_action):
        # Then an allowed role goes ahead
        assert response.status_code in (200, 302), (bulk_action, role, response.status_code)
    else:
        # Then the others are refused and nothing happened
        assert response.status_code == 403, (bulk_action, role)
        assert b"hanako@example.com" not in body
        assert ActivityEvent.objects.filter(workspace=workspace).count() == events_before
        assert Contact.objects.filter(workspace=workspace, deleted_at__isnull=True).count() == (
            1 if bulk_action == "restore" else 2
        )


# --- the review issue's cases, as a support agent sees them ------------------------------------


def test_a_support_agent_cannot_export_bulk_delete_trash_or_create_offers(workspace):
    # Given a support agent
    world = World(workspace)
    agent = staff_client(workspace, Role.SUPPORT)
    slug = workspace.slug
    # When they try to export the whole list
    export = agent.get(reverse("dashboard:contacts:export", args=[slug]))
    # Then no CSV comes back
    assert export.status_code == 403
    assert b"hanako@example.com" not in read(export)
    # When they try a bulk delete of everything matching
    bulk_delete = agent.post(
        reverse("dashboard:contacts:bulk", args=[slug]),
        {"action": "delete", "scope": "all", "confirmed": "1", "confirm": "DELETE"},
    )
    assert bulk_delete.status_code == 403
    # When they try to trash one contact
    trash = agent.post(
        reverse("dashboard:contacts:trash_one", args=[slug, world.contact.public_id])
    )
    assert trash.status_code == 403
    # When they try to create an offer
    offer = agent.post(reverse("dashboard:catalog:add", args=[slug]), {"name": "Free course"})
    assert offer.status_code == 403
    # Then nothing changed
    assert Contact.objects.filter(workspace=workspace, deleted_at__isnull=True).count() == 2
    assert not Offer.objects.filter(workspace=workspace, name="Free course").exists()
    # And the contacts page they may see offers none of those controls
    page = read(agent.get(reverse("dashboard:contacts:list", args=[slug]))).decode()
    assert "hanako@example.com" in page
    assert reverse("dashboard:contacts:export", args=[slug]) not in page
    assert 'id="bulk-form"' in page and 'name="action"' not in page
    detail = read(
        agent.get(reverse("dashboard:contacts:detail", args=[slug, world.contact.public_id]))
    ).decode()
    assert "/trash/" not in detail
    assert reverse("dashboard:catalog:list", args=[slug]) not in detail


def test_a_support_agent_helps_a_customer_log_in(workspace):
    # Given a support agent and a customer
    world = World(workspace)
    agent = staff_client(workspace, Role.SUPPORT)
    base = f"/dashboard/{workspace.slug}/customers/{world.contact.public_id}/access/"
    # When they look the customer up and send a reset email and lift the limits
    assert world.contact.email in read(agent.get(base)).decode()
    assert agent.post(base + "send-reset/").status_code == 302
    assert agent.post(base + "unlock/").status_code == 302
    # Then both are recorded as theirs
    verbs = set(ActivityEvent.objects.filter(workspace=workspace).values_list("verb", flat=True))
    assert any("reset" in verb for verb in verbs)


# --- the API: every operation is in the matrix; a key acts as an admin -------------------------


def api_operations() -> dict[str, Any]:
    return {name: view for view, name in operation_names().items()}


def test_every_api_operation_is_in_the_matrix():
    operations = api_operations()
    assert sorted(operations) == sorted(permissions.API_OPERATIONS)
    for name, view in operations.items():
        assert getattr(view, "key_scoped", False), f"{name} does not go through in_key_scope"
        assert permissions.API_OPERATIONS[name] in permissions.ACTIONS


def _concrete(path: str, world: World) -> str:
    return (
        path.replace("{contact_id}", world.contact.public_id)
        .replace("{tag_id}", world.tag.public_id)
        .replace("{offer_id}", world.offer.public_id)
        .replace("{job_id}", world.import_job.public_id)
        .replace("{merge_id}", "nosuchmerge0")
    )


@pytest.mark.parametrize("operation", sorted(permissions.API_OPERATIONS))
def test_api_operation_by_key(workspace, operation):
    # Given an API key (it acts with an admin's rights)
    world = World(workspace)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.secret}")
    method, path = operation.split(" ", 1)
    # When the operation is called
    url = "/api/v1" + _concrete(path, world)
    if method == "GET":
        response = client.get(url)
    else:
        response = getattr(client, method.lower())(url, "{}", content_type="application/json")
    read(response)
    # Then the matrix decides: an admin's action runs (or is a 4xx about its input)
    allowed = permissions.api_key_can(operation)
    assert allowed == permissions.can(Role.ADMIN, permissions.API_OPERATIONS[operation])
    if allowed:
        assert response.status_code != 403 and response.status_code < 500, response.content
    else:
        assert response.status_code == 403


def test_an_api_operation_missing_from_the_matrix_is_refused(workspace, monkeypatch):
    # Given an operation that has no line in the matrix
    world = World(workspace)
    matrix = dict(permissions.API_OPERATIONS)
    del matrix["GET /contacts"]
    monkeypatch.setattr(permissions, "API_OPERATIONS", matrix)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.secret}", HTTP_ACCEPT_LANGUAGE="ja")
    # When a key calls it
    response = client.get("/api/v1/contacts")
    # Then it is refused, in the caller's language, and nothing is listed
    assert response.status_code == 403
    assert response.json() == {"detail": "この API キーではこの操作を行えません。"}
    # And an operation that is in the matrix still works
    assert client.get(f"/api/v1/contacts/{world.contact.public_id}").status_code == 200


# --- the docs show the same matrix -------------------------------------------------------------


def dashboard_pages_markdown() -> str:
    """Which dashboard page is which action, as docs/architecture.md lists them."""
    lines = ["| dashboard page | checked as |", "|---|---|"]
    for route, _name, view in dashboard_urls():
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route).replace(
            "<workspace_slug>", "<workspace>"
        )
        lines.append(f"| `{path}` | `{view.staff_action}` |")
    return "\n".join(lines) + "\n"


def test_docs_show_the_matrix_as_it_is_enforced():
    # Given docs/architecture.md
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    # Then it shows the matrix, the bulk actions and API operations, and every dashboard page
    assert permissions.matrix_markdown() in text
    assert dashboard_pages_markdown() in text
