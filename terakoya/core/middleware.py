from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def _accepted(request: HttpRequest) -> str:
    """The first supported language of the Accept-Language header, or ""."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:500]
    for code, _quality in parse_accept_lang_header(header):
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return ""


def choose_language(request: HttpRequest) -> str:
    """The visitor's explicit choice (language switch; for API calls, Accept-Language), else
    the workspace's default. Pages do not follow the browser's header: the creator chose the
    language their customers see, and the switch is one click away."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in SUPPORTED:
        return chosen
    if request.path.startswith("/api/"):
        accepted = _accepted(request)
        if accepted in SUPPORTED:
            return accepted
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
