"""JSON API of the merge app (django-ninja). The lead mounts `router` on the project API,
BEFORE the contacts router (its /contacts/{contact_id} would otherwise swallow
/contacts/merge and /contacts/duplicates)."""

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from terakoya.api.main import ERRORS, in_key_scope, workspace_of
from terakoya.contacts.merge import services
from terakoya.contacts.merge.models import Merge
from terakoya.contacts.merge.preview import MAX_CONTACTS, MergeError, build_preview, load_contacts
from terakoya.contacts.merge.queries import suggestions


class MergeIn(Schema):
    contacts: list[str] = Field(
        description="Public ids of the 2–10 contacts to merge",
        min_length=2,
        max_length=MAX_CONTACTS,
    )
    primary: str = Field(description="Public id of the contact that survives", max_length=24)
    choices: dict[str, str] = Field(
        default_factory=dict,
        description="Field name → public id of the contact whose value the merged contact takes "
        "(email, first_name, last_name, phone, language, time_zone). "
        "Others: primary wins, blanks filled.",
    )
    keep_password_from: str | None = Field(
        default=None,
        description="When only a merged-away contact has a password: "
        "its public id to keep that password",
    )
    confirm_email: str = Field(
        default="", description="The merged contact's email (required unless dry_run)"
    )
    notify_customer: bool = Field(
        default=False, description="Email the customer which email to log in with"
    )
    dry_run: bool = Field(default=False, description="Return the preview; change nothing")


class PreviewOut(Schema):
    primary: str
    merged: list[str]
    result: dict[str, str]
    fields: list[dict[str, Any]]
    tags: list[str]
    grants_kept_active: list[str]
    grants_revoked_as_duplicate: list[str]
    alternate_emails: list[str]
    keep_password_from: str | None
    moved_rows: dict[str, int]


class MergeOut(Schema):
    id: str
    primary: str
    email: str
    merged: list[dict[str, Any]]
    status: str
    created_at: datetime
    undo_until: datetime
    undo_result: dict[str, Any]


class DuplicateContact(Schema):
    id: str
    email: str
    name: str


class DuplicateOut(Schema):
    contacts: list[DuplicateContact]
    reasons: list[str]


class DuplicatePage(Schema):
    count: int
    items: list[DuplicateOut]


class PageIn(Schema):
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=10_000_000)


def merge_out(merge: Merge) -> dict[str, Any]:
    return {
        "id": merge.public_id,
        "primary": merge.primary_public_id,
        "email": merge.primary_email,
        "merged": [{"id": m["public_id"], "email": m["email"]} for m in merge.merged_contacts],
        "status": merge.status,
        "created_at": merge.created_at,
        "undo_until": merge.undo_until,
        "undo_result": merge.undo_result,
    }


def _error(exc: MergeError) -> Status:
    return Status(422, {"detail": "; ".join(str(m) for m in exc.messages)})


def _actor(request: HttpRequest) -> str:
    key = request.auth  # type: ignore[attr-defined]
    return f"API key {key.name} ({key.prefix}…)"


def build_router() -> Router:
    router = Router(tags=["merge"])

    @router.post(
        "/contacts/merge",
        response={200: PreviewOut, 201: MergeOut, **ERRORS},
        summary="Merge contacts (or preview the merge with dry_run)",
    )
    @in_key_scope
    def merge_contacts(request: HttpRequest, payload: MergeIn) -> Any:
        workspace = workspace_of(request)
        try:
            if payload.dry_run:
                contacts = load_contacts(workspace, payload.contacts)
                preview = build_preview(
                    workspace,
                    contacts,
                    primary_id=payload.primary,
                    choices=payload.choices,
                    keep_password_from=payload.keep_password_from,
                )
                return Status(200, preview.as_dict())
            merge = services.merge_contacts(
                workspace,
                contact_ids=payload.contacts,
                primary_id=payload.primary,
                choices=payload.choices,
                keep_password_from=payload.keep_password_from,
                confirm_email=payload.confirm_email,
                notify_customer=payload.notify_customer,
                actor=_actor(request),
            )
        except MergeError as exc:
            return _error(exc)
        return Status(201, merge_out(merge))

    @router.post(
        "/merges/{merge_id}/undo",
        response={200: MergeOut, **ERRORS},
        summary="Undo a merge (30 days)",
    )
    @in_key_scope
    def undo_merge(request: HttpRequest, merge_id: str) -> Any:
        workspace = workspace_of(request)
        merge = Merge.objects.filter(workspace=workspace, public_id=merge_id[:24]).first()
        if merge is None:
            raise Http404
        try:
            merge = services.undo_merge(workspace, merge=merge, actor=_actor(request))
        except MergeError as exc:
            return _error(exc)
        return Status(200, merge_out(merge))

    @router.get(
        "/contacts/duplicates",
        response={200: DuplicatePage, **ERRORS},
        summary="List possible duplicates",
    )
    @in_key_scope
    def list_duplicates(request: HttpRequest, page: Query[PageIn]) -> Any:
        qs = suggestions(workspace_of(request))
        items = [
            {
                "contacts": [
                    {"id": c.public_id, "email": c.email, "name": c.display_name}
                    for c in (s.contact_a, s.contact_b)
                ],
                "reasons": s.reasons,
            }
            for s in qs[page.offset : page.offset + page.limit]
        ]
        return {"count": qs.count(), "items": items}

    return router


router = build_router()
