"""Offer pages in the dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from terakoya.catalog.forms import OfferForm
from terakoya.catalog.models import Offer
from terakoya.catalog.services import create_offer, update_offer
from terakoya.contacts.queries import by_public_id
from terakoya.dashboard.access import staff_view
from terakoya.workspaces.models import Workspace


@staff_view(action="offers.view")
def offer_list(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    offers = Offer.objects.filter(workspace=workspace).annotate(
        active_grants=Count("grants", filter=Q(grants__revoked_at__isnull=True))
    )
    return render(request, "catalog/offer_list.html", {"offers": offers})


def _save(request: HttpRequest, workspace: Workspace, offer: Offer | None) -> HttpResponse:
    initial = (
        {"name": offer.name, "description": offer.description, "internal_note": offer.internal_note}
        if offer
        else None
    )
    form = OfferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if offer is None:
                offer = create_offer(workspace, actor=request.user, **form.cleaned_data)
            else:
                offer = update_offer(
                    workspace, offer=offer, actor=request.user, **form.cleaned_data
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Offer saved."))
            return redirect("dashboard:catalog:list", workspace_slug=workspace.slug)
    return render(request, "catalog/offer_form.html", {"form": form, "offer": offer})


@staff_view(action="offers.create")
def offer_add(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    return _save(request, workspace, None)


@staff_view(action="offers.edit")
def offer_edit(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    offer = by_public_id(Offer, workspace, public_id)
    return _save(request, workspace, offer)
