"""The merge-policy registry: every relation to Contact says what a merge does with its rows.

`contact_relations()` finds every foreign key / one-to-one / many-to-many to Contact in every
installed app (including hidden `related_name="+"` ones, which `Contact._meta.related_objects`
leaves out). A merge refuses to run, and a test fails, when one of them has no policy here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from terakoya.contacts.merge.models import EntryOp, Merge, MergeEntry
from terakoya.core.ids import ALPHABET

if TYPE_CHECKING:
    from terakoya.contacts.models import Contact
    from terakoya.workspaces.models import Workspace


def fast_public_id() -> str:
    """Same alphabet and length as core's new_public_id, from one 80-bit read of the OS
    random source instead of sixteen (journals and suggestions create rows by the thousand)."""
    value = int.from_bytes(os.urandom(10), "big")
    return "".join(ALPHABET[(value >> shift) & 31] for shift in range(0, 80, 5))


# --- rows <-> journal ---------------------------------------------------------------------------
def serialize_row(obj: models.Model) -> dict[str, Any]:
    return json_value(serializers.serialize("python", [obj])[0])  # type: ignore[no-any-return]


def restore_row(row: dict[str, Any]) -> None:
    """Put a journaled row back with its original primary key and public id. A field the model
    no longer has (dropped since the merge) is skipped."""
    for item in serializers.deserialize("json", json.dumps([row]), ignorenonexistent=True):
        item.save()


class _ExactEncoder(DjangoJSONEncoder):
    """Like Django's encoder, but datetimes keep their microseconds (undo matches on them)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def json_value(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=_ExactEncoder))


def relation_key(f: models.Field[Any, Any]) -> str:
    return f"{f.model._meta.label}.{f.name}"


def contact_relations() -> list[models.Field[Any, Any]]:
    """Every concrete relation from any model to Contact (FK, one-to-one, many-to-many)."""
    from terakoya.contacts.models import Contact

    found = []
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if f.is_relation and f.concrete and f.related_model is Contact:
                found.append(f)
    return found  # type: ignore[return-value]


# --- context -----------------------------------------------------------------------------------
@dataclass
class MergeContext:
    workspace: Workspace
    merge: Merge
    primary: Contact
    secondaries: list[Contact]
    keep_password_from: Contact | None = None
    entries: list[MergeEntry] = field(default_factory=list)
    now: Any = field(default_factory=timezone.now)

    @property
    def secondary_ids(self) -> list[int]:
        return [c.pk for c in self.secondaries]

    def journal(
        self,
        op: str,
        model_label: str,
        pk: Any,
        *,
        field_name: str = "",
        old: Any = None,
        new: Any = None,
        row: dict[str, Any] | None = None,
        note: str = "",
    ) -> None:
        self.entries.append(
            MergeEntry(
                public_id=fast_public_id(),
                workspace=self.workspace,
                merge=self.merge,
                seq=len(self.entries) + 1,
                op=op,
                model_label=model_label,
                object_pk=str(pk),
                field=field_name,
                old_value=json_value(old),
                new_value=json_value(new),
                row=row,
                note=note[:200],
            )
        )

    def delete_rows(
        self, rows: list[models.Model], *, op: str = EntryOp.DELETE, note: str = ""
    ) -> None:
        for obj in rows:
            self.journal(op, obj._meta.label, obj.pk, row=serialize_row(obj), note=note)
        if rows:
            type(rows[0])._base_manager.filter(pk__in=[o.pk for o in rows]).delete()


# --- policies ----------------------------------------------------------------------------------
PolicyFn = Callable[[MergeContext, models.Field[Any, Any]], None]


@dataclass(frozen=True)
class Policy:
    name: str
    description: str | Promise
    apply: PolicyFn


def _rows(ctx: MergeContext, f: models.Field[Any, Any]) -> models.QuerySet[Any]:
    return f.model._base_manager.filter(**{f"{f.attname}__in": ctx.secondary_ids}).order_by("pk")


def _repoint_pks(
    ctx: MergeContext, f: models.Field[Any, Any], pairs: list[tuple[Any, int]]
) -> None:
    for pk, old in pairs:
        ctx.journal(
            EntryOp.REPOINT,
            f.model._meta.label,
            pk,
            field_name=f.attname,
            old=old,
            new=ctx.primary.pk,
        )
    if pairs:
        f.model._base_manager.filter(pk__in=[pk for pk, _old in pairs]).update(
            **{f.attname: ctx.primary.pk}
        )


def repoint(ctx: MergeContext, f: models.Field[Any, Any]) -> None:
    _repoint_pks(ctx, f, list(_rows(ctx, f).values_list("pk", f.attname)))


def repoint_dedupe(*unique_with: str) -> PolicyFn:
    """Move rows; a row the primary already has (same `unique_with`) is removed (journaled)."""

    def apply(ctx: MergeContext, f: models.Field[Any, Any]) -> None:
        seen = set(
            f.model._base_manager.filter(**{f.attname: ctx.primary.pk}).values_list(*unique_with)
        )
        moves: list[tuple[Any, int]] = []
        duplicates = []
        for obj in _rows(ctx, f):
            key = tuple(getattr(obj, name) for name in unique_with)
            if key in seen:
                duplicates.append(obj)
            else:
                seen.add(key)
                moves.append((obj.pk, getattr(obj, f.attname)))
        ctx.delete_rows(duplicates, note="duplicate of a row the merged contact has")
        _repoint_pks(ctx, f, moves)

    return apply


def delete_restorable(ctx: MergeContext, f: models.Field[Any, Any]) -> None:
    ctx.delete_rows(list(_rows(ctx, f)))


def discard(ctx: MergeContext, f: models.Field[Any, Any]) -> None:
    ctx.delete_rows(list(_rows(ctx, f)), op=EntryOp.DISCARD)


def addresses(ctx: MergeContext, f: models.Field[Any, Any]) -> None:
    """Every address moves; only the primary's default address stays the default."""
    model = f.model
    has_default = model._base_manager.filter(contact_id=ctx.primary.pk, is_default=True).exists()
    defaults = list(_rows(ctx, f).filter(is_default=True).values_list("pk", flat=True))
    keep = None if has_default else (defaults[0] if defaults else None)
    for pk in defaults:
        if pk != keep:
            ctx.journal(
                EntryOp.UPDATE, model._meta.label, pk, field_name="is_default", old=True, new=False
            )
            model._base_manager.filter(pk=pk).update(is_default=False)
    repoint(ctx, f)


def grants(ctx: MergeContext, f: models.Field[Any, Any]) -> None:
    """All grants and their history move. Where two contacts hold an active grant of the same
    offer, the earliest stays active and the others are revoked (journaled, undone by undo)."""
    model = f.model
    ids = [ctx.primary.pk, *ctx.secondary_ids]
    active = model._base_manager.filter(contact_id__in=ids, revoked_at__isnull=True).order_by(
        "created_at", "pk"
    )
    kept: set[int] = set()
    grant: Any
    for grant in active:
        if grant.offer_id in kept:
            ctx.journal(
                EntryOp.UPDATE,
                model._meta.label,
                grant.pk,
                field_name="revoked_at",
                old=None,
                new=ctx.now,
                note="second active grant of the same offer",
            )
            ctx.journal(
                EntryOp.UPDATE,
                model._meta.label,
                grant.pk,
                field_name="revoked_by_label",
                old=grant.revoked_by_label,
                new="merge",
            )
            model._base_manager.filter(pk=grant.pk).update(
                revoked_at=ctx.now, revoked_by_label="merge"
            )
        else:
            kept.add(grant.offer_id)
    repoint(ctx, f)


def account(ctx: MergeContext, f: models.Field[Any, Any]) -> None:
    """The primary's login stays. The others' accounts are retired: their sessions end (the row
    goes away, and comes back with a bumped session epoch on undo), their login history moves
    to the primary's account, their unused login links and codes die. If staff chose to keep
    a secondary's password and the primary has none, it becomes the primary's password."""
    from terakoya.accounts.models import CustomerAccount, LoginAttempt, LoginToken

    others = list(
        CustomerAccount._base_manager.filter(contact_id__in=ctx.secondary_ids).order_by("pk")
    )
    if not others:
        return
    label = CustomerAccount._meta.label
    target = CustomerAccount._base_manager.filter(contact_id=ctx.primary.pk).first()
    if target is None:
        target = CustomerAccount._base_manager.create(workspace=ctx.workspace, contact=ctx.primary)
        ctx.journal(EntryOp.CREATE, label, target.pk, note="login for the merged contact")
    donor = None
    if ctx.keep_password_from is not None and not target.has_usable_password:
        donor = next((a for a in others if a.contact_id == ctx.keep_password_from.pk), None)
    if donor is not None and donor.has_usable_password:
        for name in ("password", "must_change_password"):
            ctx.journal(
                EntryOp.UPDATE,
                label,
                target.pk,
                field_name=name,
                old=getattr(target, name),
                new=getattr(donor, name),
            )
        CustomerAccount._base_manager.filter(pk=target.pk).update(
            password=donor.password, must_change_password=donor.must_change_password
        )
    other_ids = [a.pk for a in others]
    attempts = list(
        LoginAttempt._base_manager.filter(account_id__in=other_ids).values_list("pk", "account_id")
    )
    for pk, old in attempts:
        ctx.journal(
            EntryOp.REPOINT,
            LoginAttempt._meta.label,
            pk,
            field_name="account_id",
            old=old,
            new=target.pk,
        )
    LoginAttempt._base_manager.filter(account_id__in=other_ids).update(account_id=target.pk)
    ctx.delete_rows(
        list(LoginToken._base_manager.filter(account_id__in=other_ids)), op=EntryOp.DISCARD
    )
    for other in others:
        # Sessions of a retired account stay ended even if undo brings the row back.
        other.session_epoch += 1
        ctx.journal(
            EntryOp.DELETE, label, other.pk, row=serialize_row(other), note="account retired"
        )
    CustomerAccount._base_manager.filter(pk__in=other_ids).delete()


REPOINT = Policy("repoint", _("Moved to the merged contact"), repoint)
LEDGER = Policy(
    "repoint", _("Moved to the merged contact; kept in the ledger for the record"), repoint
)
DERIVED = Policy("discard", _("Recomputed, not kept"), discard)

POLICIES: dict[str, Policy] = {
    "activity.ActivityEvent.contact": REPOINT,
    "mail.OutboxMessage.contact": REPOINT,
    "accounts.SmsMessage.contact": REPOINT,
    "contacts.Address.contact": Policy(
        "addresses", _("Moved; the primary's default address stays the default"), addresses
    ),
    "contacts.ContactTag.contact": Policy(
        "repoint_dedupe", _("Union of tags; duplicates removed"), repoint_dedupe("tag_id")
    ),
    "contacts.ConsentEvent.contact": LEDGER,
    "contacts.DoubleOptInToken.contact": Policy(
        "delete", _("Pending confirmations end (the primary's consent wins)"), delete_restorable
    ),
    "catalog.Grant.contact": Policy(
        "grants",
        _("All grants and history kept; the earliest active grant of an offer stays active"),
        grants,
    ),
    "accounts.CustomerAccount.contact": Policy(
        "account",
        _("The primary's login stays; other logins retired, their sessions ended"),
        account,
    ),
    "contact_merge.AlternateEmail.contact": REPOINT,
    "contact_merge.DuplicateSuggestion.contact_a": DERIVED,
    "contact_merge.DuplicateSuggestion.contact_b": DERIVED,
    "contact_merge.DismissedPair.contact_a": Policy(
        "delete", _("Removed (restored by undo)"), delete_restorable
    ),
    "contact_merge.DismissedPair.contact_b": Policy(
        "delete", _("Removed (restored by undo)"), delete_restorable
    ),
}


def missing_policies() -> list[str]:
    return sorted(relation_key(f) for f in contact_relations() if relation_key(f) not in POLICIES)


def policy_plan() -> list[tuple[models.Field[Any, Any], Policy]]:
    """Relations in the order a merge handles them (ledger-like repoints last is not needed:
    every policy only touches rows of the merged contacts)."""
    return [
        (f, POLICIES[relation_key(f)]) for f in contact_relations() if relation_key(f) in POLICIES
    ]
