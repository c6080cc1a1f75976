from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from terakoya.workspaces.permissions import allowed_actions


def workspace(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    return {
        "workspace": getattr(request, "workspace", None),
        "membership": membership,
        # The role matrix's actions this staff member may do: {% if "x.y" in staff_can %}.
        "staff_can": allowed_actions(membership.role) if membership is not None else frozenset(),
    }
