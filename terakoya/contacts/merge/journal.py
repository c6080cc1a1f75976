"""The merge journal and undo result in words, for staff: which contact a row moved from and to,
what a field was and became (languages by name, yes/no, dates), never a password hash, a token
or a bare `Model #pk`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terakoya.activity.labels import language_name, verb_label
from terakoya.contacts.merge.models import EntryOp, Merge, MergeEntry
from terakoya.contacts.merge.preview import SCALAR_FIELDS, model_text
from terakoya.contacts.models import ConsentState

# Fields whose values are secrets (or hashes of them): only the fact that they changed is shown.
SECRET_FIELDS = {"password", "token_hash", "code_hash", "secret", "session_epoch"}
FIELD_LABELS: dict[str, Any] = {
    **dict(SCALAR_FIELDS),
    "password": gettext_lazy("Password"),
    "must_change_password": gettext_lazy("Must choose a new password at next login"),
    "revoked_at": gettext_lazy("Revoked"),
    "revoked_by_label": gettext_lazy("Revoked by"),
    "is_default": gettext_lazy("Default address"),
    "consent_state": gettext_lazy("Marketing email"),
}


@dataclass(frozen=True)
class JournalRow:
    seq: int
    change: str
    what: str
    field: str
    before: str
    after: str


def field_label(model_label: str, name: str) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    try:
        model = apps.get_model(model_label)
        field = model._meta.get_field(name.removesuffix("_id"))
    except (LookupError, FieldDoesNotExist, ValueError):
        return name.replace("_", " ")
    return str(capfirst(field.verbose_name))


def value_words(name: str, value: Any) -> str:
    """A journaled value as staff read it."""
    if value is None or value == "":
        return "—"
    if name in SECRET_FIELDS:
        return _("(hidden)")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "language":
        return language_name(value)
    if name == "consent_state":
        return str(dict(ConsentState.choices).get(value, value))
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and "T" in value:
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    return str(value)


def _people(merge: Merge, entries: list[MergeEntry]) -> tuple[dict[str, str], dict[str, str]]:
    """Contact and login ids of this merge → the email they belonged to."""
    contacts = {str(m["id"]): m["email"] for m in merge.merged_contacts}
    contacts[str(merge.primary_contact_id)] = merge.primary_email
    logins: dict[str, str] = {}
    for e in entries:
        if e.model_label == "accounts.CustomerAccount" and e.row:
            owner = str((e.row.get("fields") or {}).get("contact", ""))
            if owner in contacts:
                logins[e.object_pk] = contacts[owner]
    return contacts, logins


def journal_rows(merge: Merge, entries: list[MergeEntry]) -> list[JournalRow]:
    contacts, logins = _people(merge, entries)
    rows = []
    for e in entries:
        op = EntryOp(e.op).label if e.op in EntryOp.values else e.op
        what = model_text(e.model_label)
        field, before, after = "", "", ""
        if e.op == EntryOp.REPOINT:
            owners = logins if e.field == "account_id" else contacts
            before = owners.get(str(e.old_value), "—")
            after = merge.primary_email
        elif e.op in (EntryOp.DELETE, EntryOp.DISCARD):
            before = _("kept in the journal") if e.row and e.op == EntryOp.DELETE else ""
            if e.model_label == "contacts.Contact" and e.row:
                before = str((e.row.get("fields") or {}).get("email", before))
            after = "—"
        elif e.op == EntryOp.CREATE:
            after = e.note if e.model_label == "contact_merge.AlternateEmail" else ""
        else:
            field = field_label(e.model_label, e.field)
            if e.field in SECRET_FIELDS:
                field = _("%(field)s (changed)") % {"field": field}
            else:
                before = value_words(e.field, e.old_value)
                after = value_words(e.field, e.new_value)
        rows.append(JournalRow(e.seq, str(op), what, field, before, after))
    return rows


CONFLICT_WHY = {
    "restore": gettext_lazy("could not be brought back"),
    "used since": gettext_lazy("used since the merge"),
}


def kept_rows(merge: Merge) -> list[dict[str, str]]:
    """What joined the primary after the merge and stayed, in words."""
    rows = []
    for r in (merge.undo_result or {}).get("kept_on_primary", []):
        label = r.get("label")
        model = model_text(label) if label else str(r.get("model", ""))
        text = verb_label(r["verb"]) if r.get("verb") else str(r.get("text", ""))
        rows.append({"model": model, "text": text, "language": str(r.get("language", ""))})
    return rows


def conflict_rows(merge: Merge) -> list[dict[str, str]]:
    rows = []
    for r in (merge.undo_result or {}).get("conflicts", []):
        why = str(r.get("why", ""))
        if why in CONFLICT_WHY:
            words = str(CONFLICT_WHY[why])
        elif why.endswith(" changed since"):
            name = why.removesuffix(" changed since")
            words = _("%(field)s changed since the merge") % {
                "field": field_label(str(r.get("model", "")), name)
            }
        else:
            words = why
        rows.append({"model": model_text(str(r.get("model", ""))), "why": words})
    return rows
