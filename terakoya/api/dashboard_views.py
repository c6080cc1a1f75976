"""API key settings page (owners and admins)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from terakoya.api.models import ApiKey
from terakoya.api.services import create_api_key, revoke_api_key
from terakoya.contacts.queries import by_public_id
from terakoya.dashboard.access import staff_view
from terakoya.workspaces.models import Role, Workspace

MANAGERS = (Role.OWNER, Role.ADMIN)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Key name"), max_length=100)


@staff_view(action="api_keys.manage")
def key_list(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, new_key = create_api_key(
                workspace, name=form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as exc:
            form.add_error("name", exc.messages[0])
        else:
            form = ApiKeyForm()
    keys = ApiKey.objects.filter(workspace=workspace)
    response = render(request, "api/keys.html", {"form": form, "keys": keys, "new_key": new_key})
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_view(action="api_keys.manage")
def key_revoke(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    key = by_public_id(ApiKey, workspace, public_id)
    revoke_api_key(workspace, key=key, actor=request.user)
    messages.success(request, _("API key revoked."))
    return redirect("dashboard:api_dashboard:list", workspace_slug=workspace.slug)
