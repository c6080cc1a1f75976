from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def choose_language(request: HttpRequest) -> str:
    """The visitor's explicit choice (language switch), else the workspace's default."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in SUPPORTED:
        return chosen
    workspace = getattr(request, "workspace", None)
    if workspace is not None and workspace.default_language in SUPPORTED:
        return str(workspace.default_language)
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activates language and time zone for the request (workspace defaults, user overrides)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = choose_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        workspace = getattr(request, "workspace", None)
        try:
            timezone.activate(zoneinfo.ZoneInfo(workspace.time_zone if workspace else "UTC"))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo("UTC"))
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language() or language)
        translation.deactivate()
        timezone.deactivate()
        return response
