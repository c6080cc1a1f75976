from __future__ import annotations

import posixpath
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.static import serve

FAVICON = Path(__file__).resolve().parent.parent / "static" / "terakoya" / "favicon.ico"


def healthz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches no database (also the benchmarks' baseline)."""
    return HttpResponse("ok", content_type="text/plain")


def public_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Public files (logos) under MEDIA_URL, from the public folders of MEDIA_ROOT only.

    Private uploads live elsewhere (TERAKOYA_PRIVATE_ROOT) and have no URL at all; this view
    still refuses every folder that is not declared public. In production the proxy in front
    serves these folders itself (docs/operations.md)."""
    folder, _slash, rest = path.partition("/")
    # Only plain paths: "logos/../imports/x.csv" or "logos//x" are not a public file's name.
    if folder not in settings.TERAKOYA_PUBLIC_MEDIA_DIRS or posixpath.normpath(path) != path:
        raise Http404
    # Rooted at the folder itself, so nothing outside it can be reached.
    folder_root = Path(settings.MEDIA_ROOT) / folder
    return serve(request, rest, document_root=str(folder_root))


@cache
def _favicon_bytes() -> bytes:
    return FAVICON.read_bytes()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask every host for (pages also link the SVG icon)."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/500.html", status=500)
