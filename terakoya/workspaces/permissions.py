"""The role matrix: which staff role may do which named action, in one place.

Every dashboard view names its action (`staff_view(action=...)` in terakoya.dashboard.access),
the contacts bulk view checks the posted bulk action through BULK_ACTIONS, and every API
operation is listed in API_OPERATIONS (checked by terakoya.api.main.in_key_scope). A page or
operation that is not in this module is refused, and the table test
(terakoya/workspaces/tests/test_permissions.py) fails for it. docs/architecture.md shows the
same matrix as a table; a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from terakoya.workspaces.models import Role

OWNER, ADMIN, SUPPORT = Role.OWNER, Role.ADMIN, Role.SUPPORT
EVERYONE = frozenset({OWNER, ADMIN, SUPPORT})
MANAGERS = frozenset({OWNER, ADMIN})
OWNERS = frozenset({OWNER})

# API keys are created by owners and admins, belong to one workspace, and act with an
# admin's rights (never an owner's: no staff management, no deleting the workspace).
API_KEY_ROLE = ADMIN


@dataclass(frozen=True)
class Action:
    name: str
    roles: frozenset[str]
    label: str  # for docs/architecture.md; not shown on any page


_ACTIONS = [
    # -- looking customers up and helping them in: every staff role --
    Action("dashboard.home", EVERYONE, "See the dashboard home"),
    Action("contacts.view", EVERYONE, "Look up contacts (list, search, profile, history)"),
    Action("contacts.edit", EVERYONE, "Correct a contact's profile and addresses"),
    Action("contacts.consent", EVERYONE, "Unsubscribe a contact or send a confirmation email"),
    Action("customer_login.view", EVERYONE, "See a customer's login access and activity"),
    Action("customer_login.send_reset", EVERYONE, "Send a customer a password reset email"),
    Action("customer_login.unlock", EVERYONE, "Lift a customer's login limits"),
    # -- changing the list, the catalog and the workspace: owners and admins --
    Action("contacts.create", MANAGERS, "Add a contact"),
    Action("contacts.tag", MANAGERS, "Add and remove a contact's tags"),
    Action("contacts.grant", MANAGERS, "Grant and revoke a contact's offers"),
    Action("contacts.trash", MANAGERS, "Move a contact to the trash, see and restore the trash"),
    Action("contacts.export", MANAGERS, "Export contacts as CSV"),
    Action("contacts.bulk", MANAGERS, "Bulk tag, grant, revoke and unsubscribe; bulk jobs"),
    Action("contacts.bulk_delete", MANAGERS, "Bulk move to the trash and restore"),
    Action("segments.manage", MANAGERS, "Save and delete segments"),
    Action("imports.run", MANAGERS, "Import contacts, roll an import back"),
    Action("merge.run", MANAGERS, "Merge contacts, undo a merge, review duplicates"),
    Action("offers.view", MANAGERS, "See offers"),
    Action("offers.create", MANAGERS, "Create offers"),
    Action("offers.edit", MANAGERS, "Edit offers"),
    Action("customer_login.temporary_password", MANAGERS, "Set a customer's temporary password"),
    Action("customer_login.settings", MANAGERS, "Change the customer login settings"),
    Action("activity.view", MANAGERS, "See the activity log"),
    Action("emails.view", MANAGERS, "See sent emails"),
    Action("settings.change", MANAGERS, "Change workspace settings, send a test email"),
    Action("api_keys.manage", MANAGERS, "Create and revoke API keys"),
    # -- the workspace itself: owners only (no page yet; kept here so the rule is written) --
    Action("staff.manage", OWNERS, "Add and remove staff, change their roles"),
    Action("workspace.delete", OWNERS, "Delete the workspace"),
]
ACTIONS: dict[str, Action] = {action.name: action for action in _ACTIONS}

# The contacts bulk form posts one of these names; each is checked as its own action.
BULK_ACTIONS: dict[str, str] = {
    "add_tag": "contacts.bulk",
    "remove_tag": "contacts.bulk",
    "grant_offer": "contacts.bulk",
    "revoke_offer": "contacts.bulk",
    "unsubscribe": "contacts.bulk",
    "delete": "contacts.bulk_delete",
    "restore": "contacts.bulk_delete",
    "export": "contacts.export",
    "merge": "merge.run",
}

# Every API operation ("METHOD /path" under /api/v1) and the action it is.
API_OPERATIONS: dict[str, str] = {
    "GET /contacts": "contacts.view",
    "POST /contacts": "contacts.create",
    "GET /contacts/{contact_id}": "contacts.view",
    "PATCH /contacts/{contact_id}": "contacts.edit",
    "DELETE /contacts/{contact_id}": "contacts.trash",
    "GET /tags": "contacts.view",
    "POST /contacts/{contact_id}/tags": "contacts.tag",
    "DELETE /contacts/{contact_id}/tags/{tag_id}": "contacts.tag",
    "GET /offers": "offers.view",
    "POST /offers": "offers.create",
    "GET /offers/{offer_id}": "offers.view",
    "PATCH /offers/{offer_id}": "offers.edit",
    "GET /contacts/{contact_id}/grants": "contacts.view",
    "POST /contacts/{contact_id}/grants": "contacts.grant",
    "DELETE /contacts/{contact_id}/grants/{offer_id}": "contacts.grant",
    "GET /contacts/{contact_id}/consent": "contacts.view",
    "POST /contacts/{contact_id}/consent/unsubscribe": "contacts.consent",
    "POST /contacts/{contact_id}/consent/double-opt-in": "contacts.consent",
    "POST /contacts/merge": "merge.run",
    "POST /merges/{merge_id}/undo": "merge.run",
    "GET /contacts/duplicates": "merge.run",
    "POST /imports": "imports.run",
    "GET /imports/{job_id}": "imports.run",
    "PUT /imports/{job_id}/mapping": "imports.run",
    "POST /imports/{job_id}/dry-run": "imports.run",
    "GET /imports/{job_id}/dry-run": "imports.run",
    "POST /imports/{job_id}/run": "imports.run",
    "GET /imports/{job_id}/errors": "imports.run",
}


def can(role: str | None, action: str) -> bool:
    """May a member with this role do this action? An unknown action is refused."""
    entry = ACTIONS.get(action)
    return entry is not None and role in entry.roles


def allowed_actions(role: str | None) -> frozenset[str]:
    """Every action this role may do (templates show only the controls that work)."""
    return frozenset(name for name, entry in ACTIONS.items() if role in entry.roles)


def can_bulk(role: str | None, bulk_action: str) -> bool:
    action = BULK_ACTIONS.get(bulk_action)
    return action is not None and can(role, action)


def api_key_can(operation: str) -> bool:
    """May an API key run this operation ("METHOD /path")? One not in the matrix is refused."""
    action = API_OPERATIONS.get(operation)
    return action is not None and can(API_KEY_ROLE, action)


def matrix_markdown() -> str:
    """The matrix as the Markdown tables in docs/architecture.md (a test keeps them equal)."""
    mark = {True: "yes", False: "—"}
    in_api = set(API_OPERATIONS.values())
    lines = [
        "| action | what it allows | owner | admin | support agent | API key |",
        "|---|---|---|---|---|---|",
    ]
    for entry in _ACTIONS:
        api = mark[API_KEY_ROLE in entry.roles] if entry.name in in_api else "no API"
        lines.append(
            f"| `{entry.name}` | {entry.label} | {mark[OWNER in entry.roles]} "
            f"| {mark[ADMIN in entry.roles]} | {mark[SUPPORT in entry.roles]} | {api} |"
        )
    lines += ["", "| bulk action (posted by the contacts list) | checked as |", "|---|---|"]
    lines += [f"| `{name}` | `{action}` |" for name, action in BULK_ACTIONS.items()]
    lines += ["", "| API operation (under `/api/v1`) | checked as |", "|---|---|"]
    lines += [f"| `{name}` | `{action}` |" for name, action in API_OPERATIONS.items()]
    return "\n".join(lines) + "\n"
