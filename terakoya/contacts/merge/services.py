"""Merge, undo, dismiss and purge: every write of the merge app (docs/architecture.md, rule 2)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from terakoya.activity.services import actor_label, record_event
from terakoya.contacts.merge.models import (
    UNDO_DAYS,
    AlternateEmail,
    DismissedPair,
    DuplicateSuggestion,
    EntryOp,
    Merge,
    MergeEntry,
    MergeStatus,
)
from terakoya.contacts.merge.policies import (
    MergeContext,
    contact_relations,
    missing_policies,
    policy_plan,
    restore_row,
    serialize_row,
)
from terakoya.contacts.merge.preview import (
    SCALAR_NAMES,
    MergeError,
    Preview,
    build_preview,
    load_contacts,
    model_text,
)
from terakoya.contacts.models import ConsentEvent, ConsentMethod, Contact, normalize_email

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace


def _staff_user(actor: Any) -> Any:
    from terakoya.staff.models import User

    return actor if isinstance(actor, User) else None


@transaction.atomic
def merge_contacts(
    workspace: Workspace,
    *,
    contact_ids: list[str],
    primary_id: str,
    choices: dict[str, str] | None = None,
    keep_password_from: str | None = None,
    confirm_email: str,
    notify_customer: bool = False,
    actor: Any,
) -> Merge:
    """Merge 2–10 contacts of one workspace into `primary_id`, all or nothing, with a journal."""
    missing = missing_policies()
    if missing:
        raise MergeError(
            _("Merging is switched off: no merge policy for %(rel)s.") % {"rel": ", ".join(missing)}
        )
    contacts = load_contacts(workspace, contact_ids)
    # Lock the rows so two merges of the same contacts cannot interleave.
    list(
        Contact.objects.with_scopes_disabled()
        .select_for_update()
        .filter(pk__in=[c.pk for c in contacts])
        .order_by("pk")
    )
    contacts = load_contacts(workspace, contact_ids)
    preview = build_preview(
        workspace,
        contacts,
        primary_id=primary_id,
        choices=choices,
        keep_password_from=keep_password_from,
    )
    if normalize_email(confirm_email) != normalize_email(preview.final["email"]):
        raise MergeError(
            _("Type the merged contact's email (%(email)s) to confirm.")
            % {"email": preview.final["email"]}
        )
    return _apply(workspace, preview, actor=actor, notify_customer=notify_customer)


def _apply(workspace: Workspace, preview: Preview, *, actor: Any, notify_customer: bool) -> Merge:
    primary = preview.primary
    secondaries = preview.secondaries
    merge = Merge.objects.with_scopes_disabled().create(
        workspace=workspace,
        primary_contact_id=primary.pk,
        primary_public_id=primary.public_id,
        primary_email=preview.final["email"],
        merged_contacts=[
            {"id": c.pk, "public_id": c.public_id, "email": c.email, "name": c.display_name}
            for c in secondaries
        ],
        field_choices=preview.choices,
        actor_user=_staff_user(actor),
        actor_label=actor_label(actor),
    )
    ctx = MergeContext(
        workspace=workspace,
        merge=merge,
        primary=primary,
        secondaries=secondaries,
        keep_password_from=preview.keep_password_from,
    )
    for f, policy in policy_plan():
        policy.apply(ctx, f)

    # Nothing may still point at a contact that is about to go: that would be lost data.
    for f in contact_relations():
        if f.model._base_manager.filter(**{f"{f.attname}__in": ctx.secondary_ids}).exists():
            raise MergeError(
                _("Merge stopped: rows of %(model)s were not handled.")
                % {"model": f.model._meta.label}
            )
    for c in secondaries:
        fresh = Contact._base_manager.get(pk=c.pk)
        ctx.journal(
            EntryOp.DELETE, Contact._meta.label, c.pk, row=serialize_row(fresh), note="merged away"
        )
    Contact._base_manager.filter(pk__in=ctx.secondary_ids).delete()

    kept_from = primary.email  # whose consent state the merged contact keeps
    changed = []
    for name in SCALAR_NAMES:
        old, new = getattr(primary, name), preview.final[name]
        if old != new:
            ctx.journal(
                EntryOp.UPDATE, Contact._meta.label, primary.pk, field_name=name, old=old, new=new
            )
            setattr(primary, name, new)
            changed.append(name)
    if changed:
        primary.save(update_fields=[*changed, "updated_at"])

    for email in preview.alternate_emails:
        email = normalize_email(email)
        existing = (
            AlternateEmail.objects.with_scopes_disabled()
            .filter(workspace=workspace, email=email)
            .first()
        )
        if existing is not None:
            continue
        alt = AlternateEmail.objects.with_scopes_disabled().create(
            workspace=workspace, contact=primary, email=email, merge=merge
        )
        ctx.journal(EntryOp.CREATE, AlternateEmail._meta.label, alt.pk, note=email)
    # The merged-away emails (and any alternates the others had) now find the primary.
    Contact._base_manager.filter(pk=primary.pk).update(search_text=primary.build_search_text())

    _record_kept_consent(ctx, kept_from=kept_from, actor=actor)
    MergeEntry.objects.with_scopes_disabled().bulk_create(ctx.entries, batch_size=1000)
    summary: dict[str, int] = {}
    for e in ctx.entries:
        key = f"{e.model_label}:{e.op}"
        summary[key] = summary.get(key, 0) + 1
    merge.summary = summary
    merge.save(update_fields=["summary", "updated_at"])
    record_event(
        workspace,
        verb="contact.merged",
        actor=actor,
        contact=primary,
        subject=merge.public_id,
        data={"merge": merge.public_id, "merged": [m["email"] for m in merge.merged_contacts]},
    )
    if notify_customer:
        from terakoya.contacts.merge.emails import send_merged_notice

        send_merged_notice(workspace, contact=primary, merge=merge)
    return merge


def _record_kept_consent(ctx: MergeContext, *, kept_from: str, actor: Any) -> None:
    """The consent ledger says which marketing-email state the merged contact kept, and whose
    it was: the primary's (its communication settings win; the others' history stays in the
    ledger). Undo removes this entry with the rest of the merge."""
    primary = ctx.primary
    event = ConsentEvent.objects.with_scopes_disabled().create(
        workspace=ctx.workspace,
        contact=primary,
        from_state=primary.consent_state,
        to_state=primary.consent_state,
        method=ConsentMethod.MERGE,
        reason=primary.unsubscribe_reason,
        source=kept_from[:300],
        actor_user=_staff_user(actor),
        actor_label=actor_label(actor),
    )
    ctx.journal(EntryOp.CREATE, ConsentEvent._meta.label, event.pk, note="consent kept")


class UndoError(MergeError):
    pass


def _later_merges(merge: Merge) -> list[Merge]:
    return list(
        Merge.objects.with_scopes_disabled()
        .filter(
            workspace_id=merge.workspace_id,
            primary_contact_id=merge.primary_contact_id,
            status=MergeStatus.MERGED,
            created_at__gte=merge.created_at,
        )
        .exclude(pk=merge.pk)
        .filter(Q(created_at__gt=merge.created_at) | Q(pk__gt=merge.pk))
    )


@transaction.atomic
def undo_merge(workspace: Workspace, *, merge: Merge, actor: Any) -> Merge:
    """Put the merged contacts back as they were; rows created since stay on the primary."""
    merge = (
        Merge.objects.with_scopes_disabled()
        .select_for_update()
        .get(pk=merge.pk, workspace=workspace)
    )
    if merge.status != MergeStatus.MERGED:
        raise UndoError(_("This merge was already undone."))
    if not merge.can_undo:
        raise UndoError(_("A merge can be undone for %(days)d days only.") % {"days": UNDO_DAYS})
    primary = (
        Contact.objects.with_scopes_disabled()
        .filter(workspace=workspace, pk=merge.primary_contact_id)
        .first()
    )
    if primary is None:
        raise UndoError(
            _(
                "The merged contact no longer exists (it was merged into another contact or "
                "deleted). Undo that first."
            )
        )
    if _later_merges(merge):
        raise UndoError(
            _("Another contact was merged into this one later. Undo the later merge first.")
        )
    taken = list(
        Contact.objects.with_scopes_disabled()
        .filter(workspace=workspace, email__in=[m["email"] for m in merge.merged_contacts])
        .exclude(pk=primary.pk)
        .values_list("email", flat=True)
    )
    if taken:
        raise UndoError(
            _("A new contact now uses %(emails)s. Merge or change it before undoing.")
            % {"emails": ", ".join(taken)}
        )

    conflicts: list[dict[str, str]] = []
    entries = list(merge.entries.all().order_by("-seq"))
    for e in entries:
        model = apps.get_model(e.model_label)
        manager = model._base_manager
        if e.op == EntryOp.DISCARD:
            continue
        if e.op == EntryOp.DELETE:
            try:
                with transaction.atomic():
                    restore_row(e.row or {})
            except IntegrityError as exc:
                if model is Contact:
                    raise UndoError(
                        _("%(email)s cannot be restored.")
                        % {"email": (e.row or {}).get("fields", {}).get("email", "")}
                    ) from exc
                conflicts.append({"model": e.model_label, "pk": e.object_pk, "why": "restore"})
            continue
        if e.op == EntryOp.CREATE:
            obj = manager.filter(pk=e.object_pk).first()
            if obj is None:
                continue
            last_login = getattr(obj, "last_login_at", None)
            if last_login is not None and last_login > merge.created_at:
                conflicts.append({"model": e.model_label, "pk": e.object_pk, "why": "used since"})
                continue
            obj.delete()
            continue
        f = model._meta.get_field(e.field)
        old, new = f.to_python(e.old_value), f.to_python(e.new_value)
        try:
            with transaction.atomic():
                n = manager.filter(pk=e.object_pk, **{f.attname: new}).update(**{f.attname: old})
        except IntegrityError:
            n = 0
        if n == 0:
            conflicts.append(
                {"model": e.model_label, "pk": e.object_pk, "why": f"{e.field} changed since"}
            )
    primary.refresh_from_db()
    primary.save()  # search text

    kept = _created_since(merge, primary)
    merge.status = MergeStatus.UNDONE
    merge.undone_at = timezone.now()
    merge.undone_by_label = actor_label(actor)
    merge.undo_result = {"kept_on_primary": kept, "conflicts": conflicts}
    merge.save(
        update_fields=["status", "undone_at", "undone_by_label", "undo_result", "updated_at"]
    )
    record_event(
        workspace,
        verb="contact.merge_undone",
        actor=actor,
        contact=primary,
        subject=merge.public_id,
        data={"merge": merge.public_id, "restored": [m["email"] for m in merge.merged_contacts]},
    )
    return merge


def _created_since(merge: Merge, primary: Contact) -> list[dict[str, str]]:
    """Rows that joined the primary after the merge: they stay where they are."""
    kept = []
    for f in contact_relations():
        model = f.model
        if model._meta.app_label == "contact_merge" or not hasattr(model, "created_at"):
            continue
        qs = model._base_manager.filter(
            **{f.attname: primary.pk, "created_at__gt": merge.created_at}
        )
        if model._meta.label == "activity.ActivityEvent":
            qs = qs.exclude(verb__startswith="contact.merge")
        for obj in qs.order_by("created_at")[:200]:
            kept.append(
                {
                    "model": model_text(model._meta.label),
                    "label": model._meta.label,
                    "id": str(getattr(obj, "public_id", obj.pk)),
                    "text": _kept_text(obj)[:120],
                    # An activity entry is shown by its label, in the reader's language.
                    **({"verb": obj.verb} if hasattr(obj, "verb") else {}),
                    **(
                        {"language": getattr(obj, "language", "")}
                        if hasattr(obj, "to_email")
                        else {}
                    ),
                }
            )
    return kept


def _kept_text(obj: Any) -> str:
    """What a row is, in words: a tag or a grant by name, an email by its subject; never an
    internal code like an email's kind."""
    for name in ("tag", "offer"):
        if getattr(obj, name, None) is not None:
            return str(getattr(obj, name))
    if hasattr(obj, "to_email") and hasattr(obj, "subject"):
        return str(obj.subject)
    return str(obj)


def purge_old_journals(*, now: Any = None) -> int:
    """After 30 days a merge can no longer be undone: drop its journal (rows and snapshots)."""
    cutoff = (now or timezone.now()) - timedelta(days=UNDO_DAYS)
    old = Merge.objects.with_scopes_disabled().filter(created_at__lt=cutoff, purged_at__isnull=True)
    ids = list(old.values_list("pk", flat=True)[:1000])
    if not ids:
        return 0
    with transaction.atomic():
        MergeEntry.objects.with_scopes_disabled().filter(merge_id__in=ids).delete()
        Merge.objects.with_scopes_disabled().filter(pk__in=ids, status=MergeStatus.MERGED).update(
            status=MergeStatus.PURGED
        )
        Merge.objects.with_scopes_disabled().filter(pk__in=ids).update(purged_at=timezone.now())
    return len(ids)


@transaction.atomic
def dismiss_pair(workspace: Workspace, *, a: Contact, b: Contact, actor: Any) -> DismissedPair:
    """Staff say these two are different people: never suggest the pair again."""
    if a.workspace_id != workspace.pk or b.workspace_id != workspace.pk or a.pk == b.pk:
        raise MergeError(_("These contacts cannot be paired."))
    first, second = sorted([a, b], key=lambda c: c.pk)
    pair, _created = DismissedPair.objects.with_scopes_disabled().get_or_create(
        workspace=workspace,
        contact_a=first,
        contact_b=second,
        defaults={"dismissed_by_label": actor_label(actor)},
    )
    DuplicateSuggestion.objects.with_scopes_disabled().filter(
        workspace=workspace, contact_a=first, contact_b=second
    ).delete()
    record_event(
        workspace,
        verb="contact.duplicate_dismissed",
        actor=actor,
        contact=first,
        data={"other": second.public_id},
    )
    return pair
