from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from terakoya.portal.access import customer_required


@customer_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"account": request.customer})
