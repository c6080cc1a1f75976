from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import render
from django_scopes import scope

from terakoya.core.http import TerakoyaRequest
from terakoya.workspaces.models import Workspace

BASE_HOST_ONLY_PREFIXES = ("/dashboard/", "/api/")


def default_workspace() -> Workspace | None:
    if settings.TERAKOYA_DEFAULT_WORKSPACE:
        return Workspace.objects.filter(slug=settings.TERAKOYA_DEFAULT_WORKSPACE).first()
    return Workspace.objects.filter(is_default=True).first()


# Host → workspace lookups are cached per process for a few seconds: every page needs one,
# and a renamed workspace or a new domain showing up five seconds later is harmless.
HOST_CACHE_SECONDS = 5.0
_host_cache: dict[str, tuple[float, tuple[Workspace | None, bool, bool]]] = {}


def forget_hosts() -> None:
    _host_cache.clear()


def resolve_host(hostname: str) -> tuple[Workspace | None, bool, bool]:
    """Return (workspace, is_base_host, known), cached briefly per process."""
    hostname = hostname.lower().rstrip(".")
    now = time.monotonic()
    hit = _host_cache.get(hostname)
    if hit is not None and hit[0] > now:
        return hit[1]
    result = _resolve_host(hostname)
    if len(_host_cache) > 10_000:
        _host_cache.clear()
    _host_cache[hostname] = (now + HOST_CACHE_SECONDS, result)
    return result


def _resolve_host(hostname: str) -> tuple[Workspace | None, bool, bool]:
    if hostname in settings.TERAKOYA_BASE_HOSTS:
        return default_workspace(), True, True
    suffix = "." + settings.TERAKOYA_BASE_DOMAIN
    if hostname.endswith(suffix):
        slug = hostname[: -len(suffix)]
        workspace = Workspace.objects.filter(slug=slug).first() if "." not in slug else None
        return workspace, False, workspace is not None
    workspace = Workspace.objects.filter(custom_domain=hostname).first()
    return workspace, False, workspace is not None


def refuse_host(request: HttpRequest) -> HttpResponse:
    return render(request, "core/unknown_host.html", status=400)


class WorkspaceHostMiddleware:
    """Resolve the workspace from the Host header and enter its scope for the request.

    Custom domain → that workspace; <slug>.<base domain> → that workspace; a base host →
    the default workspace plus the staff dashboard and API. Anything else is refused.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: TerakoyaRequest) -> HttpResponse:  # type: ignore[override]
        request.workspace = None
        request.is_base_host = False
        if request.path == "/healthz/live":
            return self.get_response(request)
        try:
            hostname, _port = split_domain_port(request.get_host())
        except DisallowedHost:
            return refuse_host(request)
        workspace, is_base_host, known = resolve_host(hostname)
        if not known:
            return refuse_host(request)
        request.workspace = workspace
        request.is_base_host = is_base_host
        if not is_base_host and request.path.startswith(BASE_HOST_ONLY_PREFIXES):
            return render(request, "core/404.html", status=404)
        if workspace is None:
            return self.get_response(request)
        with scope(workspace=workspace):
            return self.get_response(request)
