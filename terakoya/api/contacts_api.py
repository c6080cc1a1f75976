"""Contacts, tags, offers, grants and consent endpoints. Thin: every write is a service call."""

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from terakoya.api.main import ERRORS, in_key_scope, workspace_of
from terakoya.api.schemas import (
    ConsentEventOut,
    ConsentOut,
    ContactFilters,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    GrantIn,
    GrantOut,
    MessageOut,
    OfferIn,
    OfferOut,
    OfferPatch,
    TagIn,
    TagOut,
)
from terakoya.catalog.models import Grant, GrantSource, Offer
from terakoya.catalog.services import create_offer, grant_offer, revoke_offer, update_offer
from terakoya.contacts import services
from terakoya.contacts.models import Contact, ContactTag, CreatedVia, Tag
from terakoya.contacts.names import display_name
from terakoya.contacts.queries import contact_queryset
from terakoya.core.client_ip import client_ip

router = Router(tags=["contacts"])


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _actor(request: HttpRequest) -> str:
    key = request.auth  # type: ignore[attr-defined]
    return f"API key {key.name} ({key.prefix}…)"


def _valid_id(value: str) -> bool:
    return 0 < len(value) <= 24 and value.isalnum()


def _get(model: type[Any], request: HttpRequest, public_id: str, **extra: Any) -> Any:
    if not _valid_id(public_id):
        raise Http404
    obj = model.objects.filter(
        workspace=workspace_of(request), public_id=public_id, **extra
    ).first()
    if obj is None:
        raise Http404
    return obj


def _contact(request: HttpRequest, contact_id: str) -> Contact:
    return _get(Contact, request, contact_id, deleted_at__isnull=True)


def contact_out(contact: Contact) -> dict[str, Any]:
    tags = sorted(ContactTag.objects.filter(contact=contact).values_list("tag__name", flat=True))
    is_member = getattr(contact, "is_member", None)
    if is_member is None:
        is_member = Grant.objects.filter(contact=contact, revoked_at__isnull=True).exists()
    return {
        "id": contact.public_id,
        "email": contact.email,
        "display_name": display_name(contact.first_name, contact.last_name),
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "phone": contact.phone,
        "language": contact.language,
        "time_zone": contact.time_zone,
        "consent_state": contact.consent_state,
        "unsubscribe_reason": contact.unsubscribe_reason,
        "created_via": contact.created_via,
        "tags": tags,
        "is_member": bool(is_member),
        "in_trash": contact.deleted_at is not None,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def grant_out(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.public_id,
        "offer_id": grant.offer.public_id,
        "offer_name": grant.offer.name,
        "source": grant.source,
        "active": grant.revoked_at is None,
        "granted_at": grant.created_at,
        "granted_by": grant.granted_by_label,
        "revoked_at": grant.revoked_at,
        "revoked_by": grant.revoked_by_label,
    }


def offer_out(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.public_id,
        "name": offer.name,
        "description": offer.description,
        "internal_note": offer.internal_note,
        "created_at": offer.created_at,
    }


# --- Contacts ----------------------------------------------------------------------------------


@router.get("/contacts", response={200: ContactPage, **ERRORS}, summary="List and search contacts")
@in_key_scope
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> Any:
    workspace = workspace_of(request)
    data = filters.dict()
    limit, offset = data.pop("limit"), data.pop("offset")
    qs = contact_queryset(workspace, **data)
    count = qs.order_by().count()
    page = list(
        qs.annotate(
            is_member=Exists(Grant.objects.filter(contact=OuterRef("pk"), revoked_at__isnull=True))
        )[offset : offset + limit]
    )
    return {"count": count, "items": [contact_out(c) for c in page]}


@router.post("/contacts", response={201: ContactOut, **ERRORS}, summary="Create a contact")
@in_key_scope
def create_contact(request: HttpRequest, payload: ContactIn) -> Any:
    workspace = workspace_of(request)
    offers = [_get(Offer, request, oid) for oid in payload.offers]
    contact = services.create_contact(
        workspace,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
        phone=payload.phone,
        language=payload.language,
        tags=payload.tags,
        offers=offers,
        subscribe=payload.subscribe,
        consent_source=payload.consent_source,
        consent_wording=payload.consent_wording,
        created_via=CreatedVia.API,
        actor=_actor(request),
        ip=_ip(request),
    )
    return Status(201, contact_out(contact))


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Get a contact")
@in_key_scope
def get_contact(request: HttpRequest, contact_id: str) -> Any:
    return contact_out(_contact(request, contact_id))


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **ERRORS},
    summary="Update a contact's profile (consent cannot be changed here)",
)
@in_key_scope
def update_contact(request: HttpRequest, contact_id: str, payload: ContactPatch) -> Any:
    contact = _contact(request, contact_id)
    changes = payload.dict(exclude_unset=True)
    contact = services.update_contact(
        workspace_of(request), contact=contact, changes=changes, actor=_actor(request)
    )
    return contact_out(contact)


@router.delete(
    "/contacts/{contact_id}",
    response={204: None, **ERRORS},
    summary="Move a contact to the trash (restorable for 30 days in the dashboard)",
)
@in_key_scope
def delete_contact(request: HttpRequest, contact_id: str) -> Any:
    contact = _contact(request, contact_id)
    services.trash_contact(workspace_of(request), contact=contact, actor=_actor(request))
    return Status(204, None)


# --- Tags ----------------------------------------------------------------------------------------


@router.get("/tags", response={200: list[TagOut], **ERRORS}, summary="List tags", tags=["tags"])
@in_key_scope
def list_tags(request: HttpRequest) -> Any:
    return [
        {"id": t.public_id, "name": t.name}
        for t in Tag.objects.filter(workspace=workspace_of(request))[:1000]
    ]


@router.post(
    "/contacts/{contact_id}/tags",
    response={200: ContactOut, **ERRORS},
    summary="Add a tag to a contact (creates the tag if needed)",
    tags=["tags"],
)
@in_key_scope
def add_tag(request: HttpRequest, contact_id: str, payload: TagIn) -> Any:
    contact = _contact(request, contact_id)
    services.add_tag(
        workspace_of(request), contact=contact, name=payload.name, actor=_actor(request)
    )
    return contact_out(contact)


@router.delete(
    "/contacts/{contact_id}/tags/{tag_id}",
    response={200: ContactOut, **ERRORS},
    summary="Remove a tag from a contact",
    tags=["tags"],
)
@in_key_scope
def remove_tag(request: HttpRequest, contact_id: str, tag_id: str) -> Any:
    contact = _contact(request, contact_id)
    tag = _get(Tag, request, tag_id)
    services.remove_tag(workspace_of(request), contact=contact, tag=tag, actor=_actor(request))
    return contact_out(contact)


# --- Offers and grants ---------------------------------------------------------------------------


@router.get(
    "/offers", response={200: list[OfferOut], **ERRORS}, summary="List offers", tags=["offers"]
)
@in_key_scope
def list_offers(request: HttpRequest) -> Any:
    return [offer_out(o) for o in Offer.objects.filter(workspace=workspace_of(request))[:1000]]


@router.post(
    "/offers", response={201: OfferOut, **ERRORS}, summary="Create an offer", tags=["offers"]
)
@in_key_scope
def create_offer_endpoint(request: HttpRequest, payload: OfferIn) -> Any:
    offer = create_offer(workspace_of(request), actor=_actor(request), **payload.dict())
    return Status(201, offer_out(offer))


@router.get(
    "/offers/{offer_id}",
    response={200: OfferOut, **ERRORS},
    summary="Get an offer",
    tags=["offers"],
)
@in_key_scope
def get_offer(request: HttpRequest, offer_id: str) -> Any:
    return offer_out(_get(Offer, request, offer_id))


@router.patch(
    "/offers/{offer_id}",
    response={200: OfferOut, **ERRORS},
    summary="Update an offer",
    tags=["offers"],
)
@in_key_scope
def update_offer_endpoint(request: HttpRequest, offer_id: str, payload: OfferPatch) -> Any:
    offer = _get(Offer, request, offer_id)
    data = {
        "name": offer.name,
        "description": offer.description,
        "internal_note": offer.internal_note,
        **{k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None},
    }
    offer = update_offer(workspace_of(request), offer=offer, actor=_actor(request), **data)
    return offer_out(offer)


@router.get(
    "/contacts/{contact_id}/grants",
    response={200: list[GrantOut], **ERRORS},
    summary="A contact's grants, active and revoked (history)",
    tags=["offers"],
)
@in_key_scope
def list_grants(request: HttpRequest, contact_id: str) -> Any:
    contact = _contact(request, contact_id)
    return [grant_out(g) for g in Grant.objects.filter(contact=contact).select_related("offer")]


@router.post(
    "/contacts/{contact_id}/grants",
    response={201: GrantOut, **ERRORS},
    summary="Grant an offer to a contact",
    tags=["offers"],
)
@in_key_scope
def create_grant(request: HttpRequest, contact_id: str, payload: GrantIn) -> Any:
    contact = _contact(request, contact_id)
    offer = _get(Offer, request, payload.offer_id)
    grant = grant_offer(
        workspace_of(request),
        contact=contact,
        offer=offer,
        actor=_actor(request),
        source=GrantSource.API,
    )
    return Status(201, grant_out(grant))


@router.delete(
    "/contacts/{contact_id}/grants/{offer_id}",
    response={200: GrantOut, **ERRORS},
    summary="Revoke a contact's active grant of an offer (the grant stays as history)",
    tags=["offers"],
)
@in_key_scope
def revoke_grant(request: HttpRequest, contact_id: str, offer_id: str) -> Any:
    contact = _contact(request, contact_id)
    offer = _get(Offer, request, offer_id)
    grant = revoke_offer(workspace_of(request), contact=contact, offer=offer, actor=_actor(request))
    if grant is None:
        raise Http404
    return grant_out(grant)


# --- Consent -------------------------------------------------------------------------------------


def consent_out(contact: Contact) -> dict[str, Any]:
    events = [
        ConsentEventOut(
            at=e.created_at,
            from_state=e.from_state,
            to_state=e.to_state,
            method=e.method,
            reason=e.reason,
            source=e.source,
            wording=e.wording,
            actor=e.actor_label,
            ip=e.ip,
        )
        for e in contact.consent_events.all()[:200]
    ]
    return {
        "state": contact.consent_state,
        "unsubscribe_reason": contact.unsubscribe_reason,
        "events": events,
    }


@router.get(
    "/contacts/{contact_id}/consent",
    response={200: ConsentOut, **ERRORS},
    summary="Marketing consent state and its ledger",
    tags=["consent"],
)
@in_key_scope
def get_consent(request: HttpRequest, contact_id: str) -> Any:
    return consent_out(_contact(request, contact_id))


@router.post(
    "/contacts/{contact_id}/consent/unsubscribe",
    response={200: ConsentOut, **ERRORS},
    summary="Unsubscribe a contact from marketing email",
    tags=["consent"],
)
@in_key_scope
def unsubscribe(request: HttpRequest, contact_id: str) -> Any:
    contact = _contact(request, contact_id)
    contact = services.unsubscribe_contact(
        workspace_of(request), contact=contact, actor=_actor(request), ip=_ip(request)
    )
    return consent_out(contact)


@router.post(
    "/contacts/{contact_id}/consent/double-opt-in",
    response={202: MessageOut, **ERRORS},
    summary="Email the contact a confirmation link; they are subscribed only if they confirm",
    tags=["consent"],
)
@in_key_scope
def request_double_opt_in(request: HttpRequest, contact_id: str) -> Any:
    contact = _contact(request, contact_id)
    services.request_double_opt_in(
        workspace_of(request), contact=contact, actor=_actor(request), ip=_ip(request)
    )
    return Status(202, {"detail": _("Confirmation email queued.")})
