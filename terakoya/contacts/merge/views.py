"""Merge pages: preview + confirm, result/journal with undo, possible duplicates, history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from terakoya.catalog.models import Grant
from terakoya.contacts.merge import services
from terakoya.contacts.merge.journal import conflict_rows, journal_rows, kept_rows
from terakoya.contacts.merge.models import DuplicateReason, EntryOp, Merge, MergeStatus
from terakoya.contacts.merge.preview import (
    SCALAR_NAMES,
    MergeError,
    build_preview,
    load_contacts,
    model_text,
)
from terakoya.contacts.merge.queries import last_run, suggestions
from terakoya.contacts.merge.tasks import compute_duplicate_suggestions
from terakoya.contacts.models import Contact, ContactTag
from terakoya.core.tasks import enqueue
from terakoya.dashboard.access import staff_view
from terakoya.workspaces.models import Role, Workspace

MANAGERS = [Role.OWNER, Role.ADMIN]
# The dashboard navigation line (templates/dashboard/base.html) uses this word.
NAV_LABEL = gettext_lazy("Duplicates")


def _errors(exc: MergeError) -> list[str]:
    return [str(m) for m in exc.messages]


def _contact_ids(raw: str) -> list[str]:
    return [p.strip() for p in (raw or "").split(",") if p.strip()][:50]


@staff_view(action="merge.run")
def preview(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    raw_ids = data.get("contacts", "")
    errors: list[str] = []
    try:
        contacts = load_contacts(workspace, _contact_ids(raw_ids))
    except MergeError as exc:
        return render(
            request,
            "contact_merge/preview.html",
            {"errors": _errors(exc), "preview": None},
            status=400 if raw_ids else 200,
        )
    ids = [c.public_id for c in contacts]
    primary_id = data.get("primary") or ids[0]
    if primary_id not in ids:
        primary_id = ids[0]
    choices = {name: data.get(f"pick_{name}", "") for name in SCALAR_NAMES}
    choices = {k: v for k, v in choices.items() if v in ids}
    keep = data.get("keep_password_from")
    try:
        pv = build_preview(workspace, contacts, primary_id=primary_id, choices=choices)
    except MergeError as exc:
        errors += _errors(exc)
        choices = {}
        pv = build_preview(workspace, contacts, primary_id=primary_id)
    candidates = [c.public_id for c in pv.password_candidates]
    if keep is None:  # first view: keep the password the customer last used
        keep = candidates[0] if candidates else ""
    keep = keep if keep in candidates else ""
    if request.method == "POST" and request.POST.get("action") == "merge" and not errors:
        try:
            merge = services.merge_contacts(
                workspace,
                contact_ids=ids,
                primary_id=primary_id,
                choices=choices,
                keep_password_from=keep or None,
                confirm_email=request.POST.get("confirm_email", ""),
                notify_customer=request.POST.get("notify") == "1",
                actor=request.user,
            )
        except MergeError as exc:
            errors += _errors(exc)
        else:
            messages.success(request, _("Contacts merged."))
            return redirect("dashboard:contact_merge:detail", workspace.slug, merge.public_id)
    return render(
        request,
        "contact_merge/preview.html",
        {
            "preview": pv,
            "errors": errors,
            "contacts_param": ",".join(ids),
            "choices": choices,
            "keep": keep,
            "confirm_email": request.POST.get("confirm_email", "")
            if request.method == "POST"
            else "",
            "notify": request.POST.get("notify") == "1" if request.method == "POST" else False,
        },
        status=400 if errors and request.method == "POST" else 200,
    )


def _merge(workspace: Workspace, merge_id: str) -> Merge:
    merge = (
        Merge.objects.with_scopes_disabled()
        .filter(workspace=workspace, public_id=merge_id[:24])
        .first()
    )
    if merge is None:
        raise Http404
    return merge


@staff_view(action="merge.run")
def detail(request: HttpRequest, workspace: Workspace, merge_id: str) -> HttpResponse:
    merge = _merge(workspace, merge_id)
    primary = (
        Contact.objects.with_scopes_disabled()
        .filter(workspace=workspace, pk=merge.primary_contact_id)
        .first()
    )
    entries = merge.entries.all().order_by("seq")
    shown = journal_rows(merge, list(entries[:300]))
    grants: list[Grant] = []
    tags: list[str] = []
    if primary is not None:
        grants = list(
            Grant.objects.with_scopes_disabled().filter(contact=primary).select_related("offer")
        )
        tags = sorted(
            ContactTag.objects.with_scopes_disabled()
            .filter(contact=primary)
            .values_list("tag__name", flat=True)
        )
    summary = []
    for key, n in sorted(merge.summary.items()):
        label, op = key.rsplit(":", 1)
        summary.append(
            {
                "model": model_text(label),
                "op": EntryOp(op).label if op in EntryOp.values else op,
                "n": n,
            }
        )
    return render(
        request,
        "contact_merge/detail.html",
        {
            "merge": merge,
            "primary": primary,
            "entries": shown,
            "entry_count": entries.count(),
            "summary": summary,
            "grants": grants,
            "tags": tags,
            "MergeStatus": MergeStatus,
            "kept": kept_rows(merge),
            "conflicts": conflict_rows(merge),
        },
    )


@require_POST
@staff_view(action="merge.run")
def undo(request: HttpRequest, workspace: Workspace, merge_id: str) -> HttpResponse:
    merge = _merge(workspace, merge_id)
    try:
        services.undo_merge(workspace, merge=merge, actor=request.user)
    except MergeError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("Merge undone. The contacts are back as they were."))
    return redirect("dashboard:contact_merge:detail", workspace.slug, merge.public_id)


@staff_view(action="merge.run")
def history(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    merges = Merge.objects.with_scopes_disabled().filter(workspace=workspace)
    contact_id = request.GET.get("contact", "")[:24]
    if contact_id:  # ?contact=<public id>: the merges into one contact (its "merged from" list)
        merges = merges.filter(primary_public_id=contact_id)
    page = Paginator(merges, 50).get_page(request.GET.get("page"))
    return render(request, "contact_merge/history.html", {"page": page, "contact_id": contact_id})


@staff_view(action="merge.run")
def duplicates(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    page = Paginator(suggestions(workspace), 50).get_page(request.GET.get("page"))
    base = reverse("dashboard:contact_merge:preview", args=[workspace.slug])
    rows: list[dict[str, Any]] = []
    for s in page:
        rows.append(
            {
                "s": s,
                "reasons": [
                    DuplicateReason(r).label for r in s.reasons if r in DuplicateReason.values
                ],
                "merge_url": base
                + "?"
                + urlencode({"contacts": f"{s.contact_a.public_id},{s.contact_b.public_id}"}),
            }
        )
    return render(
        request,
        "contact_merge/duplicates.html",
        {"page": page, "rows": rows, "run": last_run(workspace)},
    )


@require_POST
@staff_view(action="merge.run")
def refresh(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    enqueue(compute_duplicate_suggestions, workspace.pk)
    messages.success(
        request, _("Looking for duplicates in the background. Reload this page in a minute.")
    )
    return redirect("dashboard:contact_merge:duplicates", workspace.slug)


@require_POST
@staff_view(action="merge.run")
def dismiss(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    ids = _contact_ids(request.POST.get("contacts", ""))
    found = list(
        Contact.objects.with_scopes_disabled().filter(workspace=workspace, public_id__in=ids[:2])
    )
    if len(ids) != 2 or len(found) != 2:
        raise Http404
    try:
        services.dismiss_pair(workspace, a=found[0], b=found[1], actor=request.user)
    except MergeError as exc:
        for m in _errors(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("Pair dismissed. It will not be suggested again."))
    return redirect("dashboard:contact_merge:duplicates", workspace.slug)
