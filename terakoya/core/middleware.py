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


def explicit_language(request: HttpRequest) -> str:
    """The language the visitor chose with the language switch, or ""."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in SUPPORTED else ""


def choose_language(request: HttpRequest) -> str:
    """The visitor's explicit choice (the language switch), else their browser's
    Accept-Language, else the workspace's default. Once the person is known (a customer's
    token page, a logged-in customer) their own language comes before the browser's: see
    `follow_person_language`."""
    return _choose(request)[0]


def _choose(request: HttpRequest) -> tuple[str, str]:
    chosen = explicit_language(request)
    if chosen:
        return chosen, "choice"
    accepted = _accepted(request)
    if accepted in SUPPORTED:
        return accepted, "browser"
    workspace = getattr(request, "workspace", None)
    if workspace is not None and workspace.default_language in SUPPORTED:
        return str(workspace.default_language), "workspace"
    return settings.LANGUAGE_CODE, "workspace"


def language_is_visitors_own(request: HttpRequest) -> bool:
    """True when the request's language came from the visitor (switch or browser), not from
    the workspace's default: only then is it worth remembering for them."""
    return getattr(request, "language_source", "") in {"choice", "browser"}


def follow_person_language(request: HttpRequest, language: str) -> None:
    """The page now knows who the visitor is: their language wins over the browser's and the
    workspace's, but never over an explicit choice made with the language switch."""
    if language not in SUPPORTED or getattr(request, "language_source", "") == "choice":
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    request.language_source = "person"  # type: ignore[attr-defined]


class LanguageMiddleware:
    """Activates language and time zone for the request (workspace defaults, user overrides)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language, source = _choose(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request.language_source = source  # type: ignore[attr-defined]
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
