"""Entry point for every dashboard view: login, membership, role, and the workspace scope."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django_scopes import scope

from terakoya.workspaces.models import Membership, Workspace
from terakoya.workspaces.permissions import ACTIONS, can

View = Callable[..., HttpResponse]


def staff_view(
    action: str | None = None, *, roles: Iterable[str] | None = None
) -> Callable[[View], View]:
    """Resolve /dashboard/<workspace>/…: a workspace you are not a member of is a 404,
    exactly like one that does not exist; a role that may not do `action` (a name in the
    role matrix, terakoya.workspaces.permissions) is a 403.

    `roles` is the older form (a list of roles instead of an action); the matrix table test
    fails for any dashboard URL whose view does not name an action.
    """
    if action is not None and action not in ACTIONS:
        raise ValueError(f"{action!r} is not an action in terakoya.workspaces.permissions")
    allowed = set(roles) if roles else None

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(
            request: HttpRequest, workspace_slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = (
                Membership.objects.with_scopes_disabled()
                .select_related("workspace")
                .filter(workspace__slug=workspace_slug, user=request.user)
                .first()
            )
            if membership is None:
                raise Http404
            if action is not None and not can(membership.role, action):
                raise PermissionDenied
            if allowed is not None and membership.role not in allowed:
                raise PermissionDenied
            workspace: Workspace = membership.workspace
            request.workspace = workspace  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            with scope(workspace=workspace):
                return view(request, workspace, *args, **kwargs)

        wrapper.staff_action = action  # type: ignore[attr-defined]
        return wrapper

    return decorator
