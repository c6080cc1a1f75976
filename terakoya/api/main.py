"""The NinjaAPI instance served at /api/v1/ (OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django_scopes import scope
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from terakoya.api.schemas import ErrorOut
from terakoya.api.services import authenticate_key
from terakoya.workspaces.permissions import api_key_can


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer tk_…` with a key created in the workspace's API key settings."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = authenticate_key(token)
        if key is None:
            return None
        request.api_key = key  # type: ignore[attr-defined]
        return key


api = NinjaAPI(
    title="Terakoya API",
    version="1",
    description=(
        "Contacts, tags, offers, grants, marketing consent and imports of one workspace. "
        "Every request needs `Authorization: Bearer <API key>`; keys are created by workspace "
        "owners and admins in the dashboard and act with an admin's rights (403 otherwise). "
        "Ids are public ids; another workspace's object is "
        "a 404, exactly like a missing one."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
    docs_url=None,
)

# Every operation documents these.
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def workspace_of(request: HttpRequest) -> Any:
    return request.auth.workspace  # type: ignore[attr-defined]


_operation_names: dict[Callable[..., Any], str] = {}


def operation_names() -> dict[Callable[..., Any], str]:
    """Each operation's view → "METHOD /path" (under /api/v1), as the role matrix names it."""
    if not _operation_names:
        for prefix, router in api._routers:
            for path, path_view in router.path_operations.items():
                full = "/" + "/".join(p for p in f"{prefix}/{path}".split("/") if p)
                for operation in path_view.operations:
                    for method in operation.methods:
                        _operation_names[operation.view_func] = f"{method} {full}"
    return _operation_names


def in_key_scope(func: Callable[..., Any]) -> Callable[..., Any]:
    """Check the operation against the role matrix (an API key acts as an admin;
    terakoya.workspaces.permissions), then run it inside the key's workspace scope."""

    @functools.wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        operation = operation_names().get(wrapper, "")
        if not api_key_can(operation):
            raise HttpError(403, _("This API key may not do this."))
        with scope(workspace=workspace_of(request)):
            return func(request, *args, **kwargs)

    wrapper.key_scoped = True  # type: ignore[attr-defined]
    return wrapper


@api.exception_handler(ValidationError)
def django_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    detail = "; ".join(m for msgs in errors.values() for m in msgs)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(NinjaValidationError)
def ninja_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    detail = [
        {
            "type": str(err.get("type", "")),
            "loc": [x if isinstance(x, int) else str(x) for x in err.get("loc", ())],
            "msg": str(err.get("msg", "")),
        }
        for err in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": _("Unauthorized")}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found")}, status=404)


@api.exception_handler(MultiPartParserError)
def bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Malformed multipart body")}, status=400)


@api.exception_handler(SuspiciousOperation)
def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return api.create_response(request, {"detail": _("Bad request")}, status=400)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


from terakoya.api import contacts_api  # noqa: E402
from terakoya.contacts.merge.api import router as merge_router  # noqa: E402

# Before the contacts router: /contacts/{contact_id} would otherwise swallow /contacts/merge.
api.add_router("/", merge_router)
api.add_router("/", contacts_api.router)  # type: ignore[has-type]

from terakoya.api import imports_api  # noqa: E402

api.add_router("/imports", imports_api.router)  # type: ignore[has-type]
