from __future__ import annotations

from typing import TYPE_CHECKING, Any

from terakoya.activity.models import ActivityEvent

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace


def actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return str(getattr(actor, "email", None) or actor)


def record_event(
    workspace: Workspace,
    *,
    verb: str,
    actor: Any = None,
    contact: Any = None,
    subject: str = "",
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> ActivityEvent:
    """Append one audit/timeline entry. Called by services inside their transaction."""
    from terakoya.staff.models import User

    return ActivityEvent.objects.with_scopes_disabled().create(
        workspace=workspace,
        verb=verb,
        actor_user=actor if isinstance(actor, User) else None,
        actor_label=actor_label(actor),
        contact=contact,
        subject=subject,
        data=data or {},
        ip=ip,
    )
