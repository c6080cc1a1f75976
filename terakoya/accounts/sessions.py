"""Customer sessions: keyed by workspace, so one browser session never crosses workspaces."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from terakoya.accounts.models import CustomerAccount
from terakoya.workspaces.models import Workspace


def session_key(workspace: Workspace) -> str:
    return f"customer:{workspace.pk}"


def log_in(request: HttpRequest, account: CustomerAccount) -> None:
    # A new session key at login defeats session fixation.
    request.session.cycle_key()
    request.session[session_key(account.workspace)] = {
        "account": account.pk,
        "epoch": account.session_epoch,
    }
    CustomerAccount.objects.filter(pk=account.pk).update(last_login_at=timezone.now())
    request.customer = account  # type: ignore[attr-defined]


def log_out(request: HttpRequest, workspace: Workspace) -> None:
    request.session.pop(session_key(workspace), None)
    request.session.cycle_key()
    request.customer = None  # type: ignore[attr-defined]


def current_account(request: HttpRequest) -> CustomerAccount | None:
    """The logged-in customer of the request's workspace, if the session is still valid."""
    if hasattr(request, "customer"):
        return request.customer  # type: ignore[no-any-return]
    workspace = getattr(request, "workspace", None)
    account = None
    if workspace is not None and hasattr(request, "session"):
        data = request.session.get(session_key(workspace))
        if isinstance(data, dict):
            candidate = (
                CustomerAccount.objects.filter(
                    workspace=workspace, pk=int(data.get("account") or 0), is_active=True
                )
                .select_related("contact")
                .first()
            )
            if candidate is not None and candidate.session_epoch == data.get("epoch"):
                account = candidate
            else:
                request.session.pop(session_key(workspace), None)
    request.customer = account  # type: ignore[attr-defined]
    return account
