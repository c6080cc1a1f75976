"""Every write to contacts (docs/architecture.md, rule 2)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from terakoya.activity.services import actor_label, record_event
from terakoya.contacts.models import (
    NOTE_MAX_LENGTH,
    Address,
    ConsentEvent,
    ConsentMethod,
    ConsentState,
    Contact,
    ContactTag,
    CreatedVia,
    DoubleOptInToken,
    Segment,
    Tag,
    UnsubscribeReason,
    normalize_email,
)

if TYPE_CHECKING:
    from terakoya.catalog.models import Offer
    from terakoya.workspaces.models import Workspace

OPT_IN_VALID_FOR = timedelta(days=7)
OPT_IN_RESEND_AFTER = timedelta(minutes=10)
TRASH_KEEP_DAYS = 30
LANGUAGES = ("", "ja", "en")
EDITABLE_FIELDS = ("email", "first_name", "last_name", "phone", "language", "time_zone", "note")


class DuplicateContactError(ValidationError):
    def __init__(self, existing: Contact) -> None:
        self.existing = existing
        if existing.deleted_at is not None:
            message = _("A contact with this email is in the trash. Restore it instead.")
        else:
            message = _("A contact with this email already exists.")
        super().__init__({"email": [message]})


class ConsentError(ValidationError):
    pass


def _user(actor: Any) -> Any:
    from terakoya.staff.models import User

    return actor if isinstance(actor, User) else None


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def normalize_phone(value: str, region: str = "JP") -> str:
    """E.164, or "" for blank; a number that cannot be a phone number is refused."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationError({"phone": _("Enter a valid phone number.")})
    if not phonenumbers.is_valid_number(number):
        raise ValidationError({"phone": _("Enter a valid phone number.")})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _clean_email(value: str) -> str:
    email = normalize_email(value)
    if not email:
        raise ValidationError({"email": _("Enter an email address.")})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")})
    if len(email) > 254:
        raise ValidationError({"email": _("Enter a valid email address.")})
    return email


def _clean_name(field: str, value: str) -> str:
    value = (value or "").strip()
    if len(value) > 150 or "\x00" in value:
        raise ValidationError({field: _("Names can be at most 150 characters.")})
    return value


def _clean_language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValidationError({"language": _("Choose Japanese or English.")})
    return value


def _ledger(
    contact: Contact,
    *,
    to_state: str,
    method: str,
    actor: Any,
    reason: str = "",
    source: str = "",
    wording: str = "",
    ip: str | None = None,
    from_state: str | None = None,
) -> ConsentEvent:
    return ConsentEvent.objects.create(
        workspace_id=contact.workspace_id,
        contact=contact,
        from_state=from_state if from_state is not None else contact.consent_state,
        to_state=to_state,
        method=method,
        reason=reason,
        source=source[:300],
        wording=wording,
        actor_user=_user(actor),
        actor_label=actor_label(actor),
        ip=ip,
    )


def get_or_create_tag(workspace: Workspace, name: str) -> Tag:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"tag": _("Enter a tag name.")})
    if len(name) > 100:
        raise ValidationError({"tag": _("A tag can be at most 100 characters.")})
    tag, _created = Tag.objects.get_or_create(workspace=workspace, name=name)
    return tag


@transaction.atomic
def create_contact(
    workspace: Workspace,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    language: str = "",
    tags: Iterable[str] = (),
    offers: Iterable[Offer] = (),
    subscribe: bool = False,
    consent_source: str = "",
    consent_wording: str = "",
    created_via: str = CreatedVia.MANUAL,
    actor: Any = None,
    ip: str | None = None,
) -> Contact:
    """Add one contact. Marking it subscribed is allowed only here, with a consent source."""
    email = _clean_email(email)
    existing = Contact.objects.filter(workspace=workspace, email=email).first()
    if existing is None:
        # An email merged into another contact belongs to that contact now.
        from terakoya.contacts.merge.queries import resolve_alternate_email

        existing = resolve_alternate_email(workspace, email)
    if existing is not None:
        raise DuplicateContactError(existing)
    consent_source = (consent_source or "").strip()
    if subscribe and not consent_source:
        raise ValidationError(
            {"consent_source": _("Say where this contact agreed to receive marketing email.")}
        )
    contact = Contact(
        workspace=workspace,
        email=email,
        first_name=_clean_name("first_name", first_name),
        last_name=_clean_name("last_name", last_name),
        phone=normalize_phone(phone, workspace.country),
        language=_clean_language(language),
        created_via=created_via,
    )
    contact.save()
    record_event(workspace, verb="contact.created", actor=actor, contact=contact)
    if subscribe:
        method = ConsentMethod.API if created_via == CreatedVia.API else ConsentMethod.STAFF_CREATE
        _ledger(
            contact,
            to_state=ConsentState.SUBSCRIBED,
            method=method,
            actor=actor,
            source=consent_source,
            wording=consent_wording,
            ip=ip,
            from_state=ConsentState.NEVER_SUBSCRIBED,
        )
        contact.consent_state = ConsentState.SUBSCRIBED
        contact.save(update_fields=["consent_state", "updated_at"])
    for name in tags:
        if name and name.strip():
            add_tag(workspace, contact=contact, name=name, actor=actor)
    from terakoya.catalog.models import GrantSource
    from terakoya.catalog.services import grant_offer

    source = GrantSource.API if created_via == CreatedVia.API else GrantSource.MANUAL
    for offer in offers:
        grant_offer(workspace, contact=contact, offer=offer, actor=actor, source=source)
    return contact


@transaction.atomic
def update_contact(
    workspace: Workspace, *, contact: Contact, changes: dict[str, Any], actor: Any = None
) -> Contact:
    """Edit the profile. Consent is not a profile field: see unsubscribe/double opt-in."""
    assert contact.workspace_id == workspace.pk
    cleaned: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in EDITABLE_FIELDS or value is None:
            continue
        if key == "email":
            value = _clean_email(value)
            clash = Contact.objects.filter(workspace=workspace, email=value).exclude(pk=contact.pk)
            other = clash.first()
            if other is not None:
                raise DuplicateContactError(other)
        elif key in ("first_name", "last_name"):
            value = _clean_name(key, value)
        elif key == "phone":
            value = normalize_phone(value, workspace.country)
        elif key == "language":
            value = _clean_language(value)
        elif key == "note":
            value = (value or "").strip()
            if len(value) > NOTE_MAX_LENGTH:
                raise ValidationError({"note": _("The note is too long.")})
        elif key == "time_zone":
            from terakoya.workspaces.models import validate_time_zone

            value = (value or "").strip()
            if value:
                try:
                    validate_time_zone(value)
                except ValidationError:
                    raise ValidationError({"time_zone": _("Choose a valid time zone.")})
        cleaned[key] = value
    changed = {k: v for k, v in cleaned.items() if getattr(contact, k) != v}
    if not changed:
        return contact
    for key, value in changed.items():
        setattr(contact, key, value)
    contact.save(update_fields=[*changed, "updated_at"])
    record_event(
        workspace,
        verb="contact.updated",
        actor=actor,
        contact=contact,
        data={"fields": sorted(changed)},
    )
    return contact


@transaction.atomic
def add_tag(workspace: Workspace, *, contact: Contact, name: str, actor: Any = None) -> Tag:
    assert contact.workspace_id == workspace.pk
    tag = get_or_create_tag(workspace, name)
    _link, created = ContactTag.objects.get_or_create(workspace=workspace, contact=contact, tag=tag)
    if created:
        record_event(
            workspace,
            verb="contact.tag_added",
            actor=actor,
            contact=contact,
            data={"tag": tag.name},
        )
    return tag


@transaction.atomic
def remove_tag(workspace: Workspace, *, contact: Contact, tag: Tag, actor: Any = None) -> bool:
    assert contact.workspace_id == workspace.pk and tag.workspace_id == workspace.pk
    deleted, _rows = ContactTag.objects.filter(contact=contact, tag=tag).delete()
    if deleted:
        record_event(
            workspace,
            verb="contact.tag_removed",
            actor=actor,
            contact=contact,
            data={"tag": tag.name},
        )
    return bool(deleted)


ADDRESS_FIELDS = ("label", "name", "postal_code", "country", "region", "city", "line1", "line2")


@transaction.atomic
def save_address(
    workspace: Workspace,
    *,
    contact: Contact,
    data: dict[str, Any],
    address: Address | None = None,
    actor: Any = None,
) -> Address:
    assert contact.workspace_id == workspace.pk
    if address is None:
        address = Address(workspace=workspace, contact=contact)
    assert address.contact_id == contact.pk
    for key in ADDRESS_FIELDS:
        if key in data:
            setattr(address, key, (data[key] or "").strip())
    address.phone = normalize_phone(data.get("phone", address.phone) or "", workspace.country)
    address.is_default = bool(data.get("is_default", address.is_default))
    address.country = (address.country or workspace.country).upper()[:2]
    address.full_clean(exclude=["workspace", "contact"])
    address.save()
    if address.is_default:
        Address.objects.filter(contact=contact).exclude(pk=address.pk).update(is_default=False)
    record_event(workspace, verb="contact.address_saved", actor=actor, contact=contact)
    return address


@transaction.atomic
def delete_address(workspace: Workspace, *, address: Address, actor: Any = None) -> None:
    assert address.workspace_id == workspace.pk
    contact = address.contact
    address.delete()
    record_event(workspace, verb="contact.address_deleted", actor=actor, contact=contact)


# --- Marketing consent -----------------------------------------------------------------------


@transaction.atomic
def unsubscribe_contact(
    workspace: Workspace,
    *,
    contact: Contact,
    actor: Any = None,
    reason: str = UnsubscribeReason.MANUAL,
    method: str = ConsentMethod.STAFF_UNSUBSCRIBE,
    ip: str | None = None,
) -> Contact:
    """The one thing staff may always do to consent. Idempotent."""
    assert contact.workspace_id == workspace.pk
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.consent_state == ConsentState.UNSUBSCRIBED:
        return contact
    _ledger(
        contact,
        to_state=ConsentState.UNSUBSCRIBED,
        method=method,
        actor=actor,
        reason=reason,
        ip=ip,
    )
    contact.consent_state = ConsentState.UNSUBSCRIBED
    contact.unsubscribe_reason = reason
    contact.save(update_fields=["consent_state", "unsubscribe_reason", "updated_at"])
    DoubleOptInToken.objects.filter(contact=contact, used_at__isnull=True).update(
        expires_at=timezone.now()
    )
    record_event(
        workspace,
        verb="contact.unsubscribed",
        actor=actor,
        contact=contact,
        data={"reason": reason},
    )
    return contact


@transaction.atomic
def request_double_opt_in(
    workspace: Workspace, *, contact: Contact, actor: Any = None, ip: str | None = None
) -> DoubleOptInToken:
    """Email the contact a link to confirm marketing email. Nothing changes until they do."""
    assert contact.workspace_id == workspace.pk
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.deleted_at is not None:
        raise ConsentError(_("This contact is in the trash."))
    if contact.consent_state == ConsentState.SUBSCRIBED:
        raise ConsentError(_("This contact is already subscribed."))
    now = timezone.now()
    recent = DoubleOptInToken.objects.filter(
        contact=contact, used_at__isnull=True, created_at__gte=now - OPT_IN_RESEND_AFTER
    )
    if recent.exists():
        raise ConsentError(
            _(
                "A confirmation email was sent a few minutes ago. "
                "Please wait before sending another."
            )
        )
    raw = secrets.token_urlsafe(32)
    token = DoubleOptInToken.objects.create(
        workspace=workspace,
        contact=contact,
        token_hash=hash_token(raw),
        expires_at=now + OPT_IN_VALID_FOR,
        requested_by_label=actor_label(actor),
    )
    _ledger(
        contact,
        to_state=contact.consent_state,
        method=ConsentMethod.DOUBLE_OPT_IN_REQUESTED,
        actor=actor,
        ip=ip,
    )
    record_event(workspace, verb="contact.opt_in_requested", actor=actor, contact=contact)
    from terakoya.contacts.emails import send_double_opt_in_email

    send_double_opt_in_email(workspace, contact=contact, raw_token=raw)
    return token


def find_opt_in_token(workspace: Workspace, raw_token: str) -> DoubleOptInToken | None:
    """A usable token of this workspace, or None (unknown, used, expired, other workspace)."""
    if not raw_token or len(raw_token) > 200:
        return None
    token = (
        DoubleOptInToken.objects.filter(workspace=workspace, token_hash=hash_token(raw_token))
        .select_related("contact")
        .first()
    )
    if token is None or token.used_at is not None or token.expires_at <= timezone.now():
        return None
    if token.contact.deleted_at is not None:
        return None
    return token


@transaction.atomic
def confirm_double_opt_in(
    workspace: Workspace, *, raw_token: str, wording: str, ip: str | None = None
) -> Contact | None:
    """The contact pressed the confirm button: subscribe them. None if the link is not usable."""
    token = find_opt_in_token(workspace, raw_token)
    if token is None:
        return None
    token = DoubleOptInToken.objects.select_for_update().get(pk=token.pk)
    if token.used_at is not None:
        return None
    now = timezone.now()
    token.used_at = now
    token.save(update_fields=["used_at", "updated_at"])
    contact = Contact.objects.select_for_update().get(pk=token.contact_id)
    DoubleOptInToken.objects.filter(contact=contact, used_at__isnull=True).update(expires_at=now)
    if contact.consent_state == ConsentState.SUBSCRIBED:
        return contact
    _ledger(
        contact,
        to_state=ConsentState.SUBSCRIBED,
        method=ConsentMethod.DOUBLE_OPT_IN_CONFIRMED,
        actor=contact.email,
        wording=wording,
        ip=ip,
        source=_("Confirmation email"),
    )
    contact.consent_state = ConsentState.SUBSCRIBED
    contact.unsubscribe_reason = ""
    contact.save(update_fields=["consent_state", "unsubscribe_reason", "updated_at"])
    record_event(
        workspace, verb="contact.opt_in_confirmed", actor=contact.email, contact=contact, ip=ip
    )
    return contact


# --- Segments ----------------------------------------------------------------------------------


@transaction.atomic
def save_segment(
    workspace: Workspace, *, name: str, filters: dict[str, Any], actor: Any = None
) -> Segment:
    from terakoya.contacts.queries import FILTER_KEYS

    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise ValidationError({"name": _("Give the segment a name (at most 120 characters).")})
    clean = {k: str(v) for k, v in filters.items() if k in FILTER_KEYS and v not in (None, "")}
    segment = Segment.objects.filter(workspace=workspace, name=name).first()
    if segment is None:
        segment = Segment.objects.create(
            workspace=workspace, name=name, filters=clean, created_by=_user(actor)
        )
    else:
        segment.filters = clean
        segment.save(update_fields=["filters", "updated_at"])
    record_event(
        workspace, verb="segment.saved", actor=actor, data={"segment": name, "filters": clean}
    )
    return segment


@transaction.atomic
def delete_segment(workspace: Workspace, *, segment: Segment, actor: Any = None) -> None:
    assert segment.workspace_id == workspace.pk
    record_event(workspace, verb="segment.deleted", actor=actor, data={"segment": segment.name})
    segment.delete()


# --- Trash -------------------------------------------------------------------------------------


@transaction.atomic
def trash_contact(workspace: Workspace, *, contact: Contact, actor: Any = None) -> Contact:
    assert contact.workspace_id == workspace.pk
    if contact.deleted_at is None:
        contact.deleted_at = timezone.now()
        contact.save(update_fields=["deleted_at", "updated_at"])
        record_event(workspace, verb="contact.trashed", actor=actor, contact=contact)
    return contact


@transaction.atomic
def restore_contacts(workspace: Workspace, *, contact_ids: Iterable[int], actor: Any = None) -> int:
    ids = list(contact_ids)
    restored = Contact.objects.filter(
        workspace=workspace, pk__in=ids, deleted_at__isnull=False
    ).update(deleted_at=None, updated_at=timezone.now())
    if restored:
        record_event(workspace, verb="contacts.restored", actor=actor, data={"count": restored})
    return restored


def purge_trash(workspace: Workspace | None = None) -> int:
    """Delete for good the contacts that have been in the trash for more than 30 days."""
    cutoff = timezone.now() - timedelta(days=TRASH_KEEP_DAYS)
    qs = Contact.objects.with_scopes_disabled().filter(deleted_at__lt=cutoff)
    if workspace is not None:
        qs = qs.filter(workspace=workspace)
    total = 0
    last_id = 0
    while True:
        ids = list(qs.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:500])
        if not ids:
            return total
        last_id = ids[-1]
        try:
            with transaction.atomic():
                Contact.objects.with_scopes_disabled().filter(pk__in=ids).delete()
            total += len(ids)
        except ProtectedError:  # something (e.g. an order) must keep one of them: go one by one
            for pk in ids:
                try:
                    with transaction.atomic():
                        Contact.objects.with_scopes_disabled().filter(pk=pk).delete()
                    total += 1
                except ProtectedError:
                    continue
