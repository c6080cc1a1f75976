"""What rolling an import back would do: which of its contacts go to the trash, which stay, why.

A contact the import created is removed (moved to the 30-day trash) only if nothing else has
touched it since: no merge into it, no login account, no edit, no tag, grant, consent event,
message or any other row from outside the import (every relation to Contact is checked, the
same list the merge's policies cover, so a model added later is covered too). Otherwise it is
kept and only the import's own tags and grants come off it.

The preview page and the rollback itself both call rollback_plan(), and the rollback trashes
exactly removable_contacts(): what is shown is what happens. Everything is set-based (one
aggregate query for the counts, one UPDATE for the trash), so a million-contact import is
planned and rolled back without loading its contacts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from terakoya.catalog.models import Grant
from terakoya.contacts.imports.models import ImportJob
from terakoya.contacts.merge.models import Merge
from terakoya.contacts.merge.policies import contact_relations, relation_key
from terakoya.contacts.models import ConsentMethod, Contact, ContactTag

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

SAMPLE_SIZE = 10

# Rows that point at a contact without anyone having done anything to it.
IGNORED_RELATIONS = {
    "contact_merge.DuplicateSuggestion.contact_a",
    "contact_merge.DuplicateSuggestion.contact_b",
}

# The import's own rows on its contacts: they do not count as a touch.
OWN_ROWS: dict[str, Callable[[ImportJob], Q]] = {
    "contacts.ContactTag.contact": lambda job: Q(import_job_id=job.pk),
    "catalog.Grant.contact": lambda job: Q(import_job_id=job.pk),
    # Only an import that creates a contact records an "imported with consent" event for it.
    "contacts.ConsentEvent.contact": lambda job: Q(method=ConsentMethod.IMPORT),
}

# Relation → reason (several relations share one reason).
REASON_OF = {
    "contact_merge.AlternateEmail.contact": "merged",
    "accounts.CustomerAccount.contact": "account",
    "contacts.ContactTag.contact": "tags",
    "catalog.Grant.contact": "grants",
    "contacts.ConsentEvent.contact": "consent",
    "contacts.DoubleOptInToken.contact": "consent",
    "activity.ActivityEvent.contact": "activity",
    "mail.OutboxMessage.contact": "messages",
    "accounts.SmsMessage.contact": "messages",
    "contacts.Address.contact": "address",
    "contact_merge.DismissedPair.contact_a": "dismissed",
    "contact_merge.DismissedPair.contact_b": "dismissed",
}


def reason_label(code: str) -> str:
    labels = {
        "edited": _("Edited since the import (by staff, the customer or a later import)"),
        "merged": _("Another contact was merged into it"),
        "account": _("Has a customer login"),
        "tags": _("Tagged since the import"),
        "grants": _("Granted an offer since the import"),
        "consent": _("Marketing consent changed since the import"),
        "activity": _("Has activity since the import"),
        "messages": _("Was sent messages"),
        "address": _("Has an address"),
        "dismissed": _("Marked as not a duplicate of another contact"),
    }
    if code in labels:
        return str(labels[code])
    return _("Has other data (%(what)s)") % {"what": code}


@dataclass
class RollbackPlan:
    remove: int = 0  # created by the import, untouched: moved to the trash
    keep: int = 0  # created by the import, touched since: kept
    in_trash: int = 0  # created by the import and already in the trash: left there
    # (reason code, label, contacts) for the kept contacts; a contact may have several reasons.
    reasons: list[tuple[str, str, int]] = field(default_factory=list)
    # A few kept contacts with their reasons: [{"public_id", "email", "reasons": [labels]}].
    kept_samples: list[dict[str, Any]] = field(default_factory=list)
    tags: int = 0  # tag links the import added (to any contact): removed
    grants: int = 0  # grants the import made (to any contact): removed

    def as_dict(self) -> dict[str, Any]:
        return {
            "removed": self.remove,
            "kept": self.keep,
            "in_trash": self.in_trash,
            "reasons": {code: count for code, _label, count in self.reasons},
            "tags": self.tags,
            "grants": self.grants,
        }


def created_contacts(workspace: Workspace, job: ImportJob) -> QuerySet[Contact]:
    return Contact.objects.filter(workspace=workspace, import_job=job)


def _touch_conditions(workspace: Workspace, job: ImportJob) -> dict[str, Q]:
    """Reason code → a condition on Contact that holds when that reason applies."""
    ids = created_contacts(workspace, job).values("pk")
    since = job.finished_at or timezone.now()
    conditions: dict[str, Q] = {"edited": Q(updated_at__gt=since)}

    def add(code: str, condition: Q) -> None:
        conditions[code] = conditions[code] | condition if code in conditions else condition

    add(
        "merged",
        Q(
            pk__in=Merge.objects.filter(workspace=workspace, primary_contact_id__in=ids).values(
                "primary_contact_id"
            )
        ),
    )
    for f in contact_relations():
        key = relation_key(f)
        if key in IGNORED_RELATIONS:
            continue
        rows = f.model._base_manager.filter(**{f"{f.attname}__in": ids})
        if key in OWN_ROWS:
            rows = rows.exclude(OWN_ROWS[key](job))
        add(REASON_OF.get(key, str(f.model._meta.verbose_name)), Q(pk__in=rows.values(f.attname)))
    return conditions


def _touched(conditions: dict[str, Q]) -> Q:
    touched = Q()
    for condition in conditions.values():
        touched |= condition
    return touched


def removable_contacts(workspace: Workspace, job: ImportJob) -> QuerySet[Contact]:
    """The contacts a rollback moves to the trash (see the module docstring)."""
    touched = _touched(_touch_conditions(workspace, job))
    return created_contacts(workspace, job).filter(deleted_at__isnull=True).exclude(touched)


def rollback_plan(workspace: Workspace, job: ImportJob, *, samples: bool = True) -> RollbackPlan:
    conditions = _touch_conditions(workspace, job)
    touched = _touched(conditions)
    live = Q(deleted_at__isnull=True)
    codes = list(conditions)
    counts = created_contacts(workspace, job).aggregate(
        in_trash=Count("pk", filter=~live),
        keep=Count("pk", filter=live & touched),
        remove=Count("pk", filter=live & ~touched),
        **{f"reason_{i}": Count("pk", filter=live & conditions[c]) for i, c in enumerate(codes)},
    )
    plan = RollbackPlan(remove=counts["remove"], keep=counts["keep"], in_trash=counts["in_trash"])
    plan.reasons = [
        (code, reason_label(code), counts[f"reason_{i}"])
        for i, code in enumerate(codes)
        if counts[f"reason_{i}"]
    ]
    plan.reasons.sort(key=lambda r: -r[2])
    plan.tags = ContactTag.objects.filter(workspace=workspace, import_job=job).count()
    plan.grants = Grant.objects.filter(workspace=workspace, import_job=job).count()
    if samples and plan.keep:
        kept = list(
            created_contacts(workspace, job)
            .filter(live & touched)
            .order_by("pk")
            .values_list("pk", "public_id", "email")[:SAMPLE_SIZE]
        )
        sample_ids = [pk for pk, _p, _e in kept]
        why: dict[int, list[str]] = {pk: [] for pk in sample_ids}
        for code, label, _count in plan.reasons:
            for pk in (
                created_contacts(workspace, job)
                .filter(pk__in=sample_ids)
                .filter(conditions[code])
                .values_list("pk", flat=True)
            ):
                why[pk].append(label)
        plan.kept_samples = [
            {"public_id": public_id, "email": email, "reasons": why[pk]}
            for pk, public_id, email in kept
        ]
    return plan
