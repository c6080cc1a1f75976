"""The request as our middleware leaves it, for type checking views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from terakoya.staff.models import User
    from terakoya.workspaces.models import Membership, Workspace


class TerakoyaRequest(HttpRequest):
    workspace: Workspace | None
    is_base_host: bool
    membership: Membership | None
    customer: Any  # terakoya.accounts.models.CustomerAccount | None


class StaffRequest(TerakoyaRequest):
    """A dashboard request: staff_view has checked login and membership."""

    workspace: Workspace
    membership: Membership
    user: User  # type: ignore[assignment]
