from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terakoya.accounts.forms import PasswordLoginForm
from terakoya.accounts.services import authenticate_customer
from terakoya.accounts.sessions import current_account, log_in, log_out
from terakoya.portal.access import customer_center


def safe_next(request: HttpRequest) -> str:
    """Only same-workspace destinations are followed."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and target.startswith("/") and not target.startswith("//"):
        return target
    return reverse("portal:home")


@customer_center
def login(request: HttpRequest) -> HttpResponse:
    if current_account(request) is not None and request.method == "GET":
        return HttpResponseRedirect(safe_next(request))
    form = PasswordLoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        account = authenticate_customer(
            request.workspace,
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
        )
        if account is not None:
            log_in(request, account)
            return HttpResponseRedirect(safe_next(request))
        error = _("That email and password do not match. Please try again.")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": safe_next(request)},
        status=200,
    )


@require_POST
@customer_center
def logout(request: HttpRequest) -> HttpResponse:
    log_out(request, request.workspace)
    return HttpResponseRedirect(reverse("accounts:login"))
