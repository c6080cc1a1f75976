"""What a merge will do, computed without writing anything (the preview page and dry runs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terakoya.contacts.models import Contact
from terakoya.contacts.names import asks_family_name_first

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

MIN_CONTACTS = 2
MAX_CONTACTS = 10

# Scalar fields: the primary's value wins, blanks are filled from the others, and staff may
# pick another contact's value for any of them.
SCALAR_FIELDS: list[tuple[str, Any]] = [
    ("email", gettext_lazy("Email")),
    ("first_name", gettext_lazy("First name")),
    ("last_name", gettext_lazy("Last name")),
    ("phone", gettext_lazy("Phone")),
    ("language", gettext_lazy("Language")),
    ("time_zone", gettext_lazy("Time zone")),
    ("note", gettext_lazy("Note")),
]
SCALAR_NAMES = [name for name, _label in SCALAR_FIELDS]

MODEL_LABELS: dict[str, Any] = {
    "contacts.Contact": gettext_lazy("Contact"),
    "contacts.Address": gettext_lazy("Addresses"),
    "contacts.ContactTag": gettext_lazy("Tags"),
    "contacts.ConsentEvent": gettext_lazy("Consent history"),
    "contacts.DoubleOptInToken": gettext_lazy("Pending confirmations"),
    "catalog.Grant": gettext_lazy("Offer grants"),
    "accounts.CustomerAccount": gettext_lazy("Login"),
    "accounts.LoginAttempt": gettext_lazy("Login history"),
    "accounts.LoginToken": gettext_lazy("Login links and codes"),
    "accounts.SmsMessage": gettext_lazy("Text messages"),
    "activity.ActivityEvent": gettext_lazy("Activity"),
    "mail.OutboxMessage": gettext_lazy("Emails"),
    "contact_merge.AlternateEmail": gettext_lazy("Alternate emails"),
    "contact_merge.DismissedPair": gettext_lazy("Dismissed duplicate pairs"),
    "contact_merge.DuplicateSuggestion": gettext_lazy("Duplicate suggestions"),
}


def model_text(label: str) -> str:
    """A human name for a model label (falls back to the model's own verbose name)."""
    if label in MODEL_LABELS:
        return str(MODEL_LABELS[label])
    from django.apps import apps
    from django.utils.text import capfirst

    try:
        return str(capfirst(apps.get_model(label)._meta.verbose_name_plural))
    except LookupError:
        return label


class MergeError(ValidationError):
    """Bad merge input: a clear, localized message; nothing changed."""


@dataclass
class Column:
    contact: Contact
    is_primary: bool
    addresses: list[str]
    tags: list[str]
    grants: list[dict[str, Any]]
    consent: str
    has_account: bool
    has_password: bool
    last_login: Any
    counts: dict[str, int]


@dataclass
class FieldRow:
    name: str
    label: Any
    values: list[tuple[Contact, str]]
    source: Contact | None
    final: str
    picked: bool


@dataclass
class Preview:
    contacts: list[Contact]
    primary: Contact
    columns: list[Column]
    fields: list[FieldRow]
    final: dict[str, str]
    tags: list[str]
    grants_kept: list[dict[str, Any]]
    grants_revoked: list[dict[str, Any]]
    alternate_emails: list[str]
    password_candidates: list[Contact]
    keep_password_from: Contact | None
    counts: dict[str, int] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)

    @property
    def secondaries(self) -> list[Contact]:
        return [c for c in self.contacts if c.pk != self.primary.pk]

    def as_dict(self) -> dict[str, Any]:
        return {
            "primary": self.primary.public_id,
            "merged": [c.public_id for c in self.secondaries],
            "result": self.final,
            "fields": [
                {
                    "field": row.name,
                    "value": row.final,
                    "from": row.source.public_id if row.source else None,
                    "picked": row.picked,
                }
                for row in self.fields
            ],
            "tags": self.tags,
            "grants_kept_active": [g["offer"] for g in self.grants_kept],
            "grants_revoked_as_duplicate": [g["offer"] for g in self.grants_revoked],
            "alternate_emails": self.alternate_emails,
            "keep_password_from": self.keep_password_from.public_id
            if self.keep_password_from
            else None,
            "moved_rows": self.counts,
        }


def load_contacts(workspace: Workspace, public_ids: list[str]) -> list[Contact]:
    """The contacts to merge, in the order given; any problem is a MergeError."""
    ids: list[str] = []
    for raw in public_ids:
        value = (raw or "").strip()
        if value and value not in ids:
            ids.append(value)
    if not MIN_CONTACTS <= len(ids) <= MAX_CONTACTS:
        raise MergeError(
            _("Choose between %(min)d and %(max)d different contacts to merge.")
            % {"min": MIN_CONTACTS, "max": MAX_CONTACTS}
        )
    found = {
        c.public_id: c
        for c in Contact.objects.with_scopes_disabled().filter(
            workspace=workspace, public_id__in=ids
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        # Another workspace's contact is exactly as unknown as a missing one.
        raise MergeError(_("These contacts were not found: %(ids)s") % {"ids": ", ".join(missing)})
    trashed = [found[i].email for i in ids if found[i].deleted_at is not None]
    if trashed:
        raise MergeError(
            _("Restore these contacts from the trash before merging: %(emails)s")
            % {"emails": ", ".join(trashed)}
        )
    return [found[i] for i in ids]


def build_preview(
    workspace: Workspace,
    contacts: list[Contact],
    *,
    primary_id: str | None = None,
    choices: dict[str, str] | None = None,
    keep_password_from: str | None = None,
) -> Preview:
    from terakoya.accounts.models import CustomerAccount
    from terakoya.catalog.models import Grant
    from terakoya.contacts.models import Address, ContactTag

    by_public = {c.public_id: c for c in contacts}
    primary = by_public.get(primary_id or "") if primary_id else contacts[0]
    if primary is None:
        raise MergeError(_("The primary contact must be one of the contacts being merged."))
    ordered = [primary, *[c for c in contacts if c.pk != primary.pk]]
    ids = [c.pk for c in ordered]

    choices = {k: v for k, v in (choices or {}).items() if v}
    for name, chosen in choices.items():
        if name not in SCALAR_NAMES:
            raise MergeError(_("“%(field)s” cannot be chosen per contact.") % {"field": name})
        if chosen not in by_public:
            raise MergeError(_("A chosen value comes from a contact that is not being merged."))

    rows: list[FieldRow] = []
    final: dict[str, str] = {}
    for name, label in SCALAR_FIELDS:
        values = [(c, getattr(c, name) or "") for c in ordered]
        if name in choices:
            src = by_public[choices[name]]
            value, picked = getattr(src, name) or "", True
            source: Contact | None = src
        else:
            picked = False
            source = next((c for c, v in values if v), None)
            value = getattr(source, name) if source else ""
        final[name] = value
        rows.append(FieldRow(name, label, values, source, value, picked))
    if asks_family_name_first():  # 姓 before 名, as the Japanese forms ask
        i, j = SCALAR_NAMES.index("first_name"), SCALAR_NAMES.index("last_name")
        rows[i], rows[j] = rows[j], rows[i]
    if not final["email"]:
        raise MergeError(_("The merged contact needs an email."))

    addresses: dict[int, list[str]] = {i: [] for i in ids}
    for a in Address.objects.with_scopes_disabled().filter(contact_id__in=ids):
        addresses[a.contact_id].append(str(a) + (" ★" if a.is_default else ""))
    tags: dict[int, list[str]] = {i: [] for i in ids}
    for contact_id, tag in (
        ContactTag.objects.with_scopes_disabled()
        .filter(contact_id__in=ids)
        .values_list("contact_id", "tag__name")
    ):
        tags[contact_id].append(tag)
    grants: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    active: list[Grant] = []
    for g in (
        Grant.objects.with_scopes_disabled()
        .filter(contact_id__in=ids)
        .select_related("offer")
        .order_by("created_at", "pk")
    ):
        grants[g.contact_id].append(
            {"offer": g.offer.name, "active": g.revoked_at is None, "created": g.created_at}
        )
        if g.revoked_at is None:
            active.append(g)
    kept_offers: set[int] = set()
    grants_kept, grants_revoked = [], []
    for g in active:
        item = {"offer": g.offer.name, "contact": g.contact_id, "created": g.created_at}
        if g.offer_id in kept_offers:
            grants_revoked.append(item)
        else:
            kept_offers.add(g.offer_id)
            grants_kept.append(item)
    accounts = {
        a.contact_id: a
        for a in CustomerAccount.objects.with_scopes_disabled().filter(contact_id__in=ids)
    }

    from terakoya.contacts.merge.policies import contact_relations

    counts: dict[str, int] = {}
    per_contact: dict[int, dict[str, int]] = {i: {} for i in ids}
    for f in contact_relations():
        if f.model._meta.app_label == "contact_merge":
            continue
        label = model_text(f.model._meta.label)
        for contact_id, n in (
            f.model._base_manager.filter(**{f"{f.attname}__in": ids})
            .values_list(f.attname)
            .annotate(n=Count("pk"))
            .order_by()
        ):
            per_contact[contact_id][label] = per_contact[contact_id].get(label, 0) + n
            if contact_id != primary.pk:
                counts[label] = counts.get(label, 0) + n

    columns = []
    for c in ordered:
        acc = accounts.get(c.pk)
        columns.append(
            Column(
                contact=c,
                is_primary=c.pk == primary.pk,
                addresses=addresses[c.pk],
                tags=sorted(tags[c.pk]),
                grants=grants[c.pk],
                consent=c.get_consent_state_display(),  # type: ignore[attr-defined]
                has_account=acc is not None,
                has_password=bool(acc and acc.has_usable_password),
                last_login=acc.last_login_at if acc else None,
                counts=dict(sorted(per_contact[c.pk].items())),
            )
        )

    primary_acc = accounts.get(primary.pk)
    candidates: list[Contact] = []
    if not (primary_acc and primary_acc.has_usable_password):
        candidates = [
            c for c in ordered[1:] if accounts.get(c.pk) and accounts[c.pk].has_usable_password
        ]
    keep: Contact | None = None
    if keep_password_from:
        keep = next((c for c in candidates if c.public_id == keep_password_from), None)
        if keep is None:
            raise MergeError(_("Only a merged contact's own password can be kept."))
    all_emails = [c.email for c in ordered]
    alternates = [e for e in all_emails if e != final["email"]]
    union_tags = sorted({t for c in ordered for t in tags[c.pk]})
    return Preview(
        contacts=ordered,
        primary=primary,
        columns=columns,
        fields=rows,
        final=final,
        tags=union_tags,
        grants_kept=grants_kept,
        grants_revoked=grants_revoked,
        alternate_emails=alternates,
        password_candidates=candidates,
        keep_password_from=keep,
        counts=dict(sorted(counts.items())),
        choices=choices,
    )
