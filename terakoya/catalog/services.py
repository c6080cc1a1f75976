"""Every write to offers and grants (docs/architecture.md, rule 2)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terakoya.activity.services import actor_label, record_event
from terakoya.catalog.models import Grant, GrantSource, Offer

if TYPE_CHECKING:
    from terakoya.contacts.models import Contact
    from terakoya.workspaces.models import Workspace


def _user(actor: Any) -> Any:
    from terakoya.staff.models import User

    return actor if isinstance(actor, User) else None


def _clean_offer_fields(name: str, description: str, internal_note: str) -> dict[str, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the offer a name.")})
    if len(name) > 200:
        raise ValidationError({"name": _("The name can be at most 200 characters.")})
    return {"name": name, "description": description or "", "internal_note": internal_note or ""}


@transaction.atomic
def create_offer(
    workspace: Workspace,
    *,
    name: str,
    description: str = "",
    internal_note: str = "",
    actor: Any = None,
) -> Offer:
    fields = _clean_offer_fields(name, description, internal_note)
    if Offer.objects.filter(workspace=workspace, name=fields["name"]).exists():
        raise ValidationError({"name": _("An offer with this name already exists.")})
    offer = Offer.objects.create(workspace=workspace, **fields)
    record_event(workspace, verb="offer.created", actor=actor, data={"offer": offer.name})
    return offer


@transaction.atomic
def update_offer(
    workspace: Workspace,
    *,
    offer: Offer,
    name: str,
    description: str = "",
    internal_note: str = "",
    actor: Any = None,
) -> Offer:
    assert offer.workspace_id == workspace.pk
    fields = _clean_offer_fields(name, description, internal_note)
    clash = Offer.objects.filter(workspace=workspace, name=fields["name"]).exclude(pk=offer.pk)
    if clash.exists():
        raise ValidationError({"name": _("An offer with this name already exists.")})
    for key, value in fields.items():
        setattr(offer, key, value)
    offer.save()
    record_event(workspace, verb="offer.updated", actor=actor, data={"offer": offer.name})
    return offer


@transaction.atomic
def grant_offer(
    workspace: Workspace,
    *,
    contact: Contact,
    offer: Offer,
    actor: Any = None,
    source: str = GrantSource.MANUAL,
) -> Grant:
    """Give `contact` an active grant of `offer` (returns the existing one if already granted)."""
    assert contact.workspace_id == workspace.pk and offer.workspace_id == workspace.pk
    existing = Grant.objects.filter(contact=contact, offer=offer, revoked_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            grant = Grant.objects.create(
                workspace=workspace,
                contact=contact,
                offer=offer,
                source=source,
                granted_by=_user(actor),
                granted_by_label=actor_label(actor),
            )
    except IntegrityError:  # a concurrent grant won the race
        return Grant.objects.get(contact=contact, offer=offer, revoked_at__isnull=True)
    record_event(
        workspace,
        verb="grant.created",
        actor=actor,
        contact=contact,
        data={"offer": offer.name, "source": source},
    )
    return grant


@transaction.atomic
def revoke_offer(
    workspace: Workspace, *, contact: Contact, offer: Offer, actor: Any = None
) -> Grant | None:
    """End the active grant (the row stays as history). None when there was nothing to revoke."""
    assert contact.workspace_id == workspace.pk and offer.workspace_id == workspace.pk
    grant = (
        Grant.objects.select_for_update()
        .filter(contact=contact, offer=offer, revoked_at__isnull=True)
        .first()
    )
    if grant is None:
        return None
    grant.revoked_at = timezone.now()
    grant.revoked_by = _user(actor)
    grant.revoked_by_label = actor_label(actor)
    grant.save(update_fields=["revoked_at", "revoked_by", "revoked_by_label", "updated_at"])
    record_event(
        workspace, verb="grant.revoked", actor=actor, contact=contact, data={"offer": offer.name}
    )
    return grant


def bulk_grant(
    workspace: Workspace,
    *,
    contact_ids: Sequence[int],
    offer: Offer,
    actor: Any = None,
    source: str = GrantSource.BULK,
) -> int:
    """Set-based grant for many contacts (no per-contact timeline entries; the caller audits)."""
    have = set(
        Grant.objects.filter(
            workspace=workspace, offer=offer, contact_id__in=contact_ids, revoked_at__isnull=True
        ).values_list("contact_id", flat=True)
    )
    rows = [
        Grant(
            workspace=workspace,
            contact_id=cid,
            offer=offer,
            source=source,
            granted_by=_user(actor),
            granted_by_label=actor_label(actor),
        )
        for cid in contact_ids
        if cid not in have
    ]
    Grant.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def bulk_revoke(
    workspace: Workspace, *, contact_ids: Iterable[int], offer: Offer, actor: Any = None
) -> int:
    return Grant.objects.filter(
        workspace=workspace, offer=offer, contact_id__in=list(contact_ids), revoked_at__isnull=True
    ).update(
        revoked_at=timezone.now(),
        revoked_by=_user(actor),
        revoked_by_label=actor_label(actor),
        updated_at=timezone.now(),
    )
