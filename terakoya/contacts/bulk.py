"""Bulk actions on selected contacts or on a whole filter result, set-based and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terakoya.activity.services import actor_label, record_event
from terakoya.contacts.models import (
    BulkJob,
    BulkStatus,
    ConsentEvent,
    ConsentMethod,
    ConsentState,
    Contact,
    ContactTag,
    DoubleOptInToken,
    Tag,
    UnsubscribeReason,
)
from terakoya.contacts.queries import FILTER_KEYS, contact_queryset, valid_public_id

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

ACTIONS = {
    "add_tag": gettext_lazy("Add tag"),
    "remove_tag": gettext_lazy("Remove tag"),
    "grant_offer": gettext_lazy("Grant offer"),
    "revoke_offer": gettext_lazy("Revoke offer"),
    "unsubscribe": gettext_lazy("Unsubscribe from marketing email"),
    "delete": gettext_lazy("Move to trash"),
    "restore": gettext_lazy("Restore from trash"),
}
BACKGROUND_THRESHOLD = 1000
CHUNK = 2000
MAX_SELECTED = 1000


def clean_selection(selection: dict[str, Any]) -> dict[str, Any]:
    """{"ids": [public ids]} or {"filters": {...}}: the exact filter, kept in the audit log."""
    ids = selection.get("ids")
    if ids:
        ids = [str(i) for i in ids if valid_public_id(str(i))][:MAX_SELECTED]
        return {"ids": ids, "trashed": bool(selection.get("trashed"))}
    filters = {
        k: str(v)
        for k, v in (selection.get("filters") or {}).items()
        if k in (*FILTER_KEYS, "segment") and v not in (None, "")
    }
    return {"filters": filters, "trashed": bool(selection.get("trashed"))}


def selection_queryset(workspace: Workspace, selection: dict[str, Any]) -> QuerySet[Contact]:
    trashed = bool(selection.get("trashed"))
    if selection.get("ids"):
        qs = Contact.objects.filter(workspace=workspace, public_id__in=selection["ids"])
        qs = qs.filter(deleted_at__isnull=not trashed)
        return qs.order_by("-created_at", "-id")
    filters = dict(selection.get("filters") or {})
    return contact_queryset(workspace, trashed=trashed, **filters)


def resolve_params(workspace: Workspace, action: str, params: dict[str, Any]) -> dict[str, Any]:
    """Check the action's parameters before anything runs."""
    from terakoya.catalog.models import Offer

    if action not in ACTIONS:
        raise ValidationError(_("Choose an action."))
    if action in ("add_tag", "remove_tag"):
        name = " ".join(str(params.get("tag") or "").split())
        if not name or len(name) > 100:
            raise ValidationError(_("Enter a tag name."))
        if (
            action == "remove_tag"
            and not Tag.objects.filter(workspace=workspace, name=name).exists()
        ):
            raise ValidationError(_("There is no tag with this name."))
        return {"tag": name}
    if action in ("grant_offer", "revoke_offer"):
        offer = Offer.objects.filter(
            workspace=workspace, public_id=str(params.get("offer") or "")
        ).first()
        if offer is None:
            raise ValidationError(_("Choose an offer."))
        return {"offer": offer.public_id, "offer_name": offer.name}
    return {}


def preview(workspace: Workspace, selection: dict[str, Any], sample: int = 10) -> dict[str, Any]:
    qs = selection_queryset(workspace, selection)
    return {"count": qs.order_by().count(), "sample": list(qs[:sample])}


@transaction.atomic
def start_bulk_action(
    workspace: Workspace,
    *,
    action: str,
    selection: dict[str, Any],
    params: dict[str, Any],
    actor: Any = None,
) -> BulkJob:
    """Record the job and the exact filter; small jobs run now, large ones in the background."""
    selection = clean_selection(selection)
    params = resolve_params(workspace, action, params)
    total = selection_queryset(workspace, selection).order_by().count()
    from terakoya.staff.models import User

    job = BulkJob.objects.create(
        workspace=workspace,
        action=action,
        params=params,
        selection=selection,
        total=total,
        created_by=actor if isinstance(actor, User) else None,
    )
    record_event(
        workspace,
        verb="contacts.bulk_action",
        actor=actor,
        data={"action": action, "selection": selection, "params": params, "count": total},
    )
    if total > BACKGROUND_THRESHOLD:
        from terakoya.contacts.tasks import run_bulk_job
        from terakoya.core.tasks import enqueue

        enqueue(run_bulk_job, workspace.pk, job.pk)
    else:
        run_job(workspace, job)
    return job


def run_job(workspace: Workspace, job: BulkJob) -> BulkJob:
    """Idempotent: every action is safe to repeat on rows already done."""
    if job.status == BulkStatus.DONE:
        return job
    job.status = BulkStatus.RUNNING
    job.processed = 0
    job.save(update_fields=["status", "processed", "updated_at"])
    actor: Any = job.created_by or "system"
    ids = list(selection_queryset(workspace, job.selection).order_by().values_list("pk", flat=True))
    job.total = len(ids)
    affected = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            affected += _apply(workspace, job.action, job.params, chunk, actor)
        job.processed = min(len(ids), start + len(chunk))
        job.save(update_fields=["processed", "total", "updated_at"])
    job.affected = affected
    job.status = BulkStatus.DONE
    job.finished_at = timezone.now()
    job.save(
        update_fields=["affected", "status", "finished_at", "processed", "total", "updated_at"]
    )
    return job


def _apply(
    workspace: Workspace, action: str, params: dict[str, Any], ids: list[int], actor: Any
) -> int:
    from terakoya.catalog.models import Offer
    from terakoya.catalog.services import bulk_grant, bulk_revoke

    now = timezone.now()
    if action == "add_tag":
        from terakoya.contacts.services import get_or_create_tag

        tag = get_or_create_tag(workspace, params["tag"])
        have = set(
            ContactTag.objects.filter(tag=tag, contact_id__in=ids).values_list(
                "contact_id", flat=True
            )
        )
        rows = [
            ContactTag(workspace=workspace, contact_id=i, tag=tag) for i in ids if i not in have
        ]
        ContactTag.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        return len(rows)
    if action == "remove_tag":
        tag_obj = Tag.objects.filter(workspace=workspace, name=params["tag"]).first()
        if tag_obj is None:
            return 0
        deleted, _rows = ContactTag.objects.filter(tag=tag_obj, contact_id__in=ids).delete()
        return deleted
    if action in ("grant_offer", "revoke_offer"):
        offer = Offer.objects.filter(workspace=workspace, public_id=params["offer"]).first()
        if offer is None:
            return 0
        if action == "grant_offer":
            return bulk_grant(workspace, contact_ids=ids, offer=offer, actor=actor)
        return bulk_revoke(workspace, contact_ids=ids, offer=offer, actor=actor)
    if action == "unsubscribe":
        from terakoya.contacts.services import _user

        todo = list(
            Contact.objects.filter(workspace=workspace, pk__in=ids)
            .exclude(consent_state=ConsentState.UNSUBSCRIBED)
            .values_list("pk", "consent_state")
        )
        ConsentEvent.objects.bulk_create(
            [
                ConsentEvent(
                    workspace=workspace,
                    contact_id=pk,
                    from_state=state,
                    to_state=ConsentState.UNSUBSCRIBED,
                    method=ConsentMethod.STAFF_UNSUBSCRIBE,
                    reason=UnsubscribeReason.MANUAL,
                    actor_user=_user(actor),
                    actor_label=actor_label(actor),
                    source=str(_("Bulk action")),
                )
                for pk, state in todo
            ],
            batch_size=1000,
        )
        pks = [pk for pk, _state in todo]
        Contact.objects.filter(pk__in=pks).update(
            consent_state=ConsentState.UNSUBSCRIBED,
            unsubscribe_reason=UnsubscribeReason.MANUAL,
            updated_at=now,
        )
        DoubleOptInToken.objects.filter(contact_id__in=pks, used_at__isnull=True).update(
            expires_at=now
        )
        return len(pks)
    if action == "delete":
        return Contact.objects.filter(
            workspace=workspace, pk__in=ids, deleted_at__isnull=True
        ).update(deleted_at=now, updated_at=now)
    if action == "restore":
        return Contact.objects.filter(
            workspace=workspace, pk__in=ids, deleted_at__isnull=False
        ).update(deleted_at=None, updated_at=now)
    return 0
