"""Contacts pages in the dashboard, and the public double-opt-in confirmation page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terakoya.activity.labels import verb_label
from terakoya.activity.models import ActivityEvent
from terakoya.catalog.models import Grant, Offer
from terakoya.catalog.services import grant_offer, revoke_offer
from terakoya.contacts import bulk, services
from terakoya.contacts.export import export_rows
from terakoya.contacts.forms import (
    CONSENT_PRESETS,
    AddressForm,
    BulkForm,
    ContactCreateForm,
    ContactEditForm,
    FilterForm,
    GrantForm,
    SegmentForm,
    TagForm,
)
from terakoya.contacts.listing import filtered_total, page_number, page_window
from terakoya.contacts.merge.queries import merged_into
from terakoya.contacts.models import (
    Address,
    BulkJob,
    ConsentState,
    Contact,
    ContactTag,
    Segment,
    Tag,
)
from terakoya.contacts.queries import (
    by_public_id,
    contact_queryset,
    preset_counts,
    with_member_flag,
)
from terakoya.core.client_ip import client_ip
from terakoya.core.streaming import streaming_response
from terakoya.dashboard.access import staff_view
from terakoya.workspaces.models import Workspace
from terakoya.workspaces.permissions import can_bulk

PAGE_SIZE = 50


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


CONDITION_KEYS = ("q", "tag", "offer", "created_from", "created_to", "sort", "preset")


def _opened_segment(request: HttpRequest, workspace: Workspace) -> QueryDict | None:
    """The query that shows a segment's saved conditions in the filter form, when a segment is
    being opened (its link, or another segment picked in the form); else None."""
    segment_id = request.GET.get("segment", "")
    if not segment_id:
        return None
    opened = request.GET.get("opened_segment")
    if opened == segment_id:
        return None  # its conditions are already in the form, maybe edited
    if opened is None and any(key in request.GET for key in CONDITION_KEYS):
        return None  # an old-style link: the segment plus extra conditions
    segment = Segment.objects.filter(workspace=workspace, public_id=segment_id).first()
    if segment is None:
        return None
    saved = dict(segment.filters or {})
    data = QueryDict(mutable=True)
    for key in CONDITION_KEYS:
        if saved.get(key) not in (None, ""):
            data[key] = str(saved[key])
    if saved.get("member") == "true":
        data["preset"] = "members"
    elif saved.get("consent") in ConsentState.values:
        data["preset"] = str(saved["consent"])
    data["segment"] = data["opened_segment"] = segment.public_id
    return data


def filters_from_request(
    request: HttpRequest, workspace: Workspace
) -> tuple[dict[str, Any], FilterForm]:
    """The list's filters and the filter form. Opening a segment puts its saved conditions in
    the form (shown and editable); they then filter as the form's fields, not twice."""
    data = _opened_segment(request, workspace) or request.GET
    form = FilterForm(data or None, workspace=workspace)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # invalid fields are left out; the valid ones still filter
        for key in ("q", "segment", "tag", "offer", "created_from", "created_to", "sort"):
            value: Any = form.cleaned_data.get(key)
            if value not in (None, ""):
                filters[key] = value.isoformat() if hasattr(value, "isoformat") else value
    form.preset = preset = str(data.get("preset", ""))
    if preset == "members":
        filters["member"] = "true"
    elif preset in ConsentState.values:
        filters["consent"] = preset
    if data is not request.GET:
        # A saved condition that no longer resolves (a deleted tag) still matches nothing.
        for key in ("tag", "offer"):
            if key in form.errors and data.get(key):
                filters[key] = data[key]
    if filters.get("segment") and data.get("opened_segment") == filters["segment"]:
        form.open_segment = filters.pop("segment")
    return filters, form


def _contact(workspace: Workspace, public_id: str, *, trashed_ok: bool = True) -> Contact:
    contact: Contact = by_public_id(Contact, workspace, public_id)
    if contact.deleted_at is not None and not trashed_ok:
        raise Http404
    return contact


def _back(workspace: Workspace, contact: Contact) -> HttpResponse:
    return redirect(
        "dashboard:contacts:detail", workspace_slug=workspace.slug, public_id=contact.public_id
    )


def _preset_total(filters: dict[str, Any], counts: dict[str, int]) -> int | None:
    """The list's total when it is exactly one of the preset tabs, else None."""
    active = {key: value for key, value in filters.items() if key != "sort"}
    if not active:
        return counts.get("all")
    if set(active) == {"member"}:
        return counts.get("members")
    if set(active) == {"consent"}:
        return counts.get(str(active["consent"]))
    return None


@staff_view(action="contacts.view")
def contact_list(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    filters, form = filters_from_request(request, workspace)
    # Only what the rows show: tag names (not whole link and tag rows).
    tag_names = ContactTag.objects.select_related("tag").only("contact_id", "tag__name")
    qs = with_member_flag(contact_queryset(workspace, **filters)).prefetch_related(
        Prefetch("contact_tags", queryset=tag_names)
    )
    counts = preset_counts(workspace)
    page = page_window(
        qs,
        page_number(request.GET.get("page")),
        PAGE_SIZE,
        # A preset tab's total is already in the tab counts: no second count.
        total=_preset_total(filters, counts),
        count=lambda: filtered_total(
            workspace, filters, counts.get("all", 0), force=bool(request.GET.get("count"))
        ),
    )
    language = get_language() or ""
    for contact in page.object_list:
        contact.shown_name = contact.name_for(language)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("count", None)
    context = {
        "form": form,
        "page": page,
        "total": page.total,
        "presets": CONSENT_PRESETS,
        "preset_counts": counts,
        "preset": form.preset,
        "open_segment": form.open_segment or filters.get("segment", ""),
        "querystring": query.urlencode(),
        "filters": filters,
        "filters_query": urlencode(filters),
        # Each form on the page has its own ids (ARIA labels and label[for] stay unique).
        "segment_form": SegmentForm(auto_id="segment_%s"),
        "segments": Segment.objects.filter(workspace=workspace),
        "bulk_form": BulkForm(workspace=workspace, auto_id="bulk_%s"),
        "trash_count": Contact.objects.filter(
            workspace=workspace, deleted_at__isnull=False
        ).count(),
    }
    return render(request, "contacts/list.html", context)


@staff_view(action="contacts.view")
def contact_count(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """The number of contacts matching the list's filters, as the fragment the list page
    loads after it is shown (see contacts.listing)."""
    filters, _form = filters_from_request(request, workspace)
    counts = preset_counts(workspace)
    total = _preset_total(filters, counts)
    if total is None:
        total = filtered_total(workspace, filters, counts.get("all", 0), force=True)
    return render(request, "contacts/_count.html", {"total": total})


@staff_view(action="contacts.create")
def contact_add(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    form = ContactCreateForm(request.POST or None, workspace=workspace)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        offers = list(Offer.objects.filter(workspace=workspace, public_id__in=data["offers"]))
        try:
            contact = services.create_contact(
                workspace,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                language=data["language"],
                tags=form.tag_names(),
                offers=offers,
                subscribe=data["subscribe"],
                consent_source=data["consent_source"],
                consent_wording=str(form.fields["subscribe"].label),
                actor=request.user,
                ip=_ip(request),
            )
        except services.DuplicateContactError as exc:
            existing = exc.existing
            form.add_error("email", exc.messages[0])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Contact added."))
            return _back(workspace, contact)
    return render(request, "contacts/add.html", {"form": form, "existing": existing})


@staff_view(action="contacts.view")
def contact_detail(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    try:
        contact = _contact(workspace, public_id)
    except Http404:
        # A merged-away contact's page (bookmarks, old links) leads to the contact it became.
        primary = merged_into(workspace, public_id)
        if primary is None:
            raise
        messages.info(request, _("That contact was merged into this one."))
        return _back(workspace, primary)
    edit_form = ContactEditForm(initial={k: getattr(contact, k) for k in services.EDITABLE_FIELDS})
    events = list(ActivityEvent.objects.filter(workspace=workspace, contact=contact)[:50])
    for event in events:
        event.label = verb_label(event.verb)  # type: ignore[attr-defined]
    grants = Grant.objects.filter(workspace=workspace, contact=contact).select_related("offer")
    context = {
        "contact": contact,
        "heading": contact.name_for(get_language() or ""),
        "edit_form": edit_form,
        # Each form on the page has its own ids (label[for] must name one input).
        "address_form": AddressForm(initial={"country": workspace.country}, auto_id="address_%s"),
        "addresses": Address.objects.filter(workspace=workspace, contact=contact),
        "tag_form": TagForm(auto_id="tag_%s"),
        "tags": Tag.objects.filter(workspace=workspace, contact_tags__contact=contact),
        "grant_form": GrantForm(workspace=workspace, auto_id="grant_%s"),
        "grants": grants,
        "consent_events": contact.consent_events.all(),
        "events": events,
        "ConsentState": ConsentState,
        "is_member": any(g.revoked_at is None for g in grants),
    }
    return render(request, "contacts/detail.html", context)


@require_POST
@staff_view(action="contacts.edit")
def contact_edit(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    form = ContactEditForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back(workspace, contact)
    try:
        services.update_contact(
            workspace, contact=contact, changes=form.cleaned_data, actor=request.user
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Profile saved."))
    return _back(workspace, contact)


@require_POST
@staff_view(action="contacts.tag")
def contact_tag_add(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            services.add_tag(
                workspace, contact=contact, name=form.cleaned_data["name"], actor=request.user
            )
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Enter a tag name."))
    return _back(workspace, contact)


@require_POST
@staff_view(action="contacts.tag")
def contact_tag_remove(
    request: HttpRequest, workspace: Workspace, public_id: str, tag_id: str
) -> HttpResponse:
    contact = _contact(workspace, public_id)
    tag = by_public_id(Tag, workspace, tag_id)
    services.remove_tag(workspace, contact=contact, tag=tag, actor=request.user)
    return _back(workspace, contact)


@require_POST
@staff_view(action="contacts.grant")
def contact_grant(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    form = GrantForm(request.POST, workspace=workspace)
    if form.is_valid():
        offer = Offer.objects.get(workspace=workspace, public_id=form.cleaned_data["offer"])
        grant_offer(workspace, contact=contact, offer=offer, actor=request.user)
        messages.success(request, _("Offer granted."))
    else:
        messages.error(request, _("Choose an offer."))
    return _back(workspace, contact)


@require_POST
@staff_view(action="contacts.grant")
def contact_revoke(
    request: HttpRequest, workspace: Workspace, public_id: str, offer_id: str
) -> HttpResponse:
    contact = _contact(workspace, public_id)
    offer = by_public_id(Offer, workspace, offer_id)
    if revoke_offer(workspace, contact=contact, offer=offer, actor=request.user):
        messages.success(request, _("Offer revoked. The grant stays in the history."))
    return _back(workspace, contact)


@require_POST
@staff_view(action="contacts.edit")
def contact_address_add(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    form = AddressForm(request.POST)
    if form.is_valid():
        try:
            services.save_address(
                workspace, contact=contact, data=form.cleaned_data, actor=request.user
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Address saved."))
    else:
        messages.error(request, _("Check the address fields."))
    return _back(workspace, contact)


@require_POST
@staff_view(action="contacts.edit")
def contact_address_delete(
    request: HttpRequest, workspace: Workspace, public_id: str, address_id: str
) -> HttpResponse:
    contact = _contact(workspace, public_id)
    address = by_public_id(Address, workspace, address_id, contact=contact)
    services.delete_address(workspace, address=address, actor=request.user)
    return _back(workspace, contact)


@require_POST
@staff_view(action="contacts.consent")
def contact_unsubscribe(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    services.unsubscribe_contact(workspace, contact=contact, actor=request.user, ip=_ip(request))
    messages.success(request, _("Unsubscribed from marketing email."))
    return _back(workspace, contact)


@require_POST
@staff_view(action="contacts.consent")
def contact_request_opt_in(
    request: HttpRequest, workspace: Workspace, public_id: str
) -> HttpResponse:
    contact = _contact(workspace, public_id)
    try:
        services.request_double_opt_in(
            workspace, contact=contact, actor=request.user, ip=_ip(request)
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("Confirmation email sent. The contact is subscribed once they confirm.")
        )
    return _back(workspace, contact)


@require_POST
@staff_view(action="contacts.trash")
def contact_trash(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    services.trash_contact(workspace, contact=contact, actor=request.user)
    messages.success(request, _("Contact moved to the trash. You can restore it for 30 days."))
    return redirect("dashboard:contacts:list", workspace_slug=workspace.slug)


@require_POST
@staff_view(action="contacts.trash")
def contact_restore(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    services.restore_contacts(workspace, contact_ids=[contact.pk], actor=request.user)
    messages.success(request, _("Contact restored."))
    return _back(workspace, contact)


@staff_view(action="contacts.trash")
def trash(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    qs = contact_queryset(workspace, trashed=True, q=request.GET.get("q", "")[:200])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contacts/trash.html",
        {"page": page, "keep_days": services.TRASH_KEEP_DAYS, "q": request.GET.get("q", "")},
    )


@require_POST
@staff_view(action="segments.manage")
def segment_save(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    filters, _form = filters_from_request(request, workspace)
    filters.pop("segment", None)
    form = SegmentForm(request.POST)
    if form.is_valid():
        try:
            segment = services.save_segment(
                workspace, name=form.cleaned_data["name"], filters=filters, actor=request.user
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Segment saved."))
            url = reverse("dashboard:contacts:list", args=[workspace.slug])
            return redirect(f"{url}?segment={segment.public_id}")
    else:
        messages.error(request, _("Give the segment a name (at most 120 characters)."))
    return redirect("dashboard:contacts:list", workspace_slug=workspace.slug)


@require_POST
@staff_view(action="segments.manage")
def segment_delete(request: HttpRequest, workspace: Workspace, segment_id: str) -> HttpResponse:
    segment = by_public_id(Segment, workspace, segment_id)
    services.delete_segment(workspace, segment=segment, actor=request.user)
    messages.success(request, _("Segment deleted."))
    return redirect("dashboard:contacts:list", workspace_slug=workspace.slug)


def _export_response(workspace: Workspace, qs: Any, bom: bool) -> StreamingHttpResponse:
    # The rows are read while the server sends them, after this view (and its workspace
    # scope) returned: streaming_response keeps the scope until the last row.
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return streaming_response(
        workspace,
        export_rows(qs, bom=bom),
        content_type="text/csv; charset=utf-8",
        filename=f"contacts-{workspace.slug}-{stamp}.csv",
    )


@staff_view(action="contacts.export")
def export(request: HttpRequest, workspace: Workspace) -> Any:
    filters, _form = filters_from_request(request, workspace)
    trashed = request.GET.get("trashed") == "1"
    from terakoya.activity.services import record_event

    record_event(workspace, verb="contacts.exported", actor=request.user, data={"filters": filters})
    qs = contact_queryset(workspace, trashed=trashed, **filters)
    return _export_response(workspace, qs, request.GET.get("bom") == "1")


def _selection(request: HttpRequest, workspace: Workspace) -> dict[str, Any]:
    trashed = request.POST.get("trashed") == "1"
    if request.POST.get("scope") == "all":
        filters, _form = filters_from_request(request, workspace)
        return bulk.clean_selection({"filters": filters, "trashed": trashed})
    return bulk.clean_selection({"ids": request.POST.getlist("ids"), "trashed": trashed})


@require_POST
@staff_view(action="contacts.view")
def bulk_action(request: HttpRequest, workspace: Workspace) -> Any:
    """Step 1 shows the count and a sample; step 2 (confirmed) runs it."""
    form = BulkForm(request.POST, workspace=workspace)
    selection = _selection(request, workspace)
    back = reverse("dashboard:contacts:list", args=[workspace.slug]) + "?" + request.GET.urlencode()
    if not form.is_valid() or (not selection.get("ids") and "filters" not in selection):
        messages.error(request, _("Choose an action and at least one contact."))
        return redirect(back)
    action = form.cleaned_data["action"]
    if not can_bulk(request.membership.role, action):  # type: ignore[attr-defined]
        raise PermissionDenied  # each bulk action is its own line in the role matrix
    if action == "merge":
        ids = selection.get("ids") or []
        if not 2 <= len(ids) <= 10:
            messages.error(request, _("Select between 2 and 10 contacts to merge."))
            return redirect(back)
        return redirect(
            reverse("dashboard:contact_merge:preview", args=[workspace.slug])
            + "?"
            + urlencode({"contacts": ",".join(ids)})
        )
    if action == "export":
        if selection.get("ids"):
            qs = bulk.selection_queryset(workspace, selection)
            return _export_response(workspace, qs, bom=False)
        return redirect(
            reverse("dashboard:contacts:export", args=[workspace.slug])
            + "?"
            + request.GET.urlencode()
        )
    params = {"tag": form.cleaned_data.get("tag"), "offer": form.cleaned_data.get("offer")}
    try:
        clean_params = bulk.resolve_params(workspace, action, params)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(back)
    info = bulk.preview(workspace, selection)
    confirmed = request.POST.get("confirmed") == "1"
    needs_typing = action == "delete"
    typed_ok = (form.cleaned_data.get("confirm") or "").strip() == "DELETE"
    if confirmed and (typed_ok or not needs_typing):
        job = bulk.start_bulk_action(
            workspace, action=action, selection=selection, params=params, actor=request.user
        )
        return redirect(
            "dashboard:contacts:bulk_job", workspace_slug=workspace.slug, job_id=job.public_id
        )
    if confirmed and needs_typing:
        messages.error(request, _("Type DELETE to confirm."))
    return render(
        request,
        "contacts/bulk_confirm.html",
        {
            "form": form,
            "action_label": bulk.ACTIONS.get(action, action),
            "params": clean_params,
            "selection": selection,
            "count": info["count"],
            "sample": info["sample"],
            "needs_typing": needs_typing,
            "post_items": [
                (k, v)
                for k in request.POST
                for v in request.POST.getlist(k)
                if k not in ("csrfmiddlewaretoken", "confirmed", "confirm")
            ],
            "action_url": request.get_full_path(),
            "back": back,
        },
    )


@staff_view(action="contacts.bulk")
def bulk_job(request: HttpRequest, workspace: Workspace, job_id: str) -> HttpResponse:
    job = by_public_id(BulkJob, workspace, job_id)
    template = "contacts/bulk_progress.html" if request.htmx else "contacts/bulk_job.html"  # type: ignore[attr-defined]
    return render(
        request, template, {"job": job, "action_label": bulk.ACTIONS.get(job.action, job.action)}
    )


# --- Public page on the customer-center host ---------------------------------------------------


def confirm_subscription(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST subscribes (email scanners cannot confirm)."""
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        raise Http404
    wording = _("Yes, I want to receive marketing email from %(name)s.") % {"name": workspace.name}
    found = services.find_opt_in_token(workspace, token)
    if request.method == "POST" and found is not None:
        contact = services.confirm_double_opt_in(
            workspace, raw_token=token, wording=wording, ip=_ip(request)
        )
        if contact is not None:
            return render(request, "contacts/confirm_done.html", {"contact": contact})
        found = None
    status = 200 if found is not None else 410
    return render(
        request,
        "contacts/confirm_subscription.html",
        {"valid": found is not None, "wording": wording},
        status=status,
    )
