"""Entry point for every customer-center view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from terakoya.accounts.sessions import current_account, session_key
from terakoya.core.http import TerakoyaRequest
from terakoya.core.middleware import follow_person_language

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

View = Callable[..., HttpResponse]


class CustomerRequest(TerakoyaRequest):
    """A customer-center request: the host resolved to a workspace."""

    workspace: Workspace


def customer_center(view: View) -> View:
    """The request's host must belong to a workspace (404 otherwise). A logged-in customer
    sees their own language unless they chose another with the switch."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        workspace = getattr(request, "workspace", None)
        if workspace is None:
            raise Http404
        if session_key(workspace) in request.session:
            account = current_account(request)
            if account is not None:
                follow_person_language(request, account.contact.language)
        return view(request, *args, **kwargs)

    return wrapper


def login_url_for(request: HttpRequest) -> str:
    return reverse("accounts:login") + "?" + urlencode({"next": request.get_full_path()})


def customer_required(view: View) -> View:
    """A logged-out visitor goes to the one login page and comes back here afterwards."""

    @customer_center
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = current_account(request)
        if account is None:
            return HttpResponseRedirect(login_url_for(request))
        password_url = reverse("portal:password")
        if account.must_change_password and request.path != password_url:
            # A temporary password set by staff must be replaced before anything else.
            return HttpResponseRedirect(
                password_url + "?" + urlencode({"next": request.get_full_path()})
            )
        return view(request, *args, **kwargs)

    return wrapper
