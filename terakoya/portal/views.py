from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.hashers import check_password
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from terakoya.accounts import services
from terakoya.accounts.forms import ChangePasswordForm, NewPasswordForm, PhoneCodeForm, PhoneForm
from terakoya.accounts.sessions import current_account, log_in, log_out, session_key
from terakoya.accounts.views import safe_next, too_many
from terakoya.contacts.services import update_contact
from terakoya.core.client_ip import client_ip
from terakoya.core.middleware import SUPPORTED
from terakoya.core.ratelimit import Limit, RateLimited, enforce
from terakoya.portal.access import CustomerRequest, customer_required

PHONE_SESSION = "phone-pending:{}"
CURRENT_PASSWORD_TRIES = Limit("current-password", 10, 15 * 60)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch (dashboard and customer center): Django's cookie, and for a
    logged-in customer their contact's language too, so emails follow the switch."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    workspace = getattr(request, "workspace", None)
    if (
        language in SUPPORTED
        and workspace is not None
        and session_key(workspace) in request.session
    ):
        account = current_account(request)
        if account is not None and account.contact.language != language:
            update_contact(
                workspace,
                contact=account.contact,
                changes={"language": language},
                actor=account.contact.email,
            )
    return response


@customer_required
def home(request: CustomerRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"account": request.customer})


@never_cache
@customer_required
def account(request: CustomerRequest) -> HttpResponse:
    customer = request.customer
    return render(
        request,
        "portal/account.html",
        {
            "account": customer,
            "login_settings": services.get_login_settings(request.workspace),
            "phone_form": PhoneForm(initial={"phone": customer.contact.phone}),
        },
    )


@never_cache
@customer_required
def password(request: CustomerRequest) -> HttpResponse:
    """Change password: the current one is asked unless a temporary one must be replaced."""
    customer = request.customer
    forced = customer.must_change_password
    form_class = (
        NewPasswordForm if forced or not customer.has_usable_password else ChangePasswordForm
    )
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form_class is ChangePasswordForm:
            try:
                enforce((CURRENT_PASSWORD_TRIES, f"{request.workspace.pk}:{customer.pk}"))
            except RateLimited as exc:
                return too_many(request, exc)
            ok = check_password(form.cleaned_data["current_password"], customer.password)
            if not ok:
                form.add_error("current_password", _("That is not your current password."))
        if form.is_valid():
            updated = services.change_password(
                request.workspace, account=customer, new_password=form.cleaned_data["new_password1"]
            )
            log_in(request, updated)  # this session goes on; every other one has ended
            messages.success(
                request, _("Your password was changed. Other sessions were signed out.")
            )
            return HttpResponseRedirect(safe_next(request) if forced else reverse("portal:account"))
    return render(
        request,
        "portal/password.html",
        {"form": form, "forced": forced, "next": safe_next(request)},
    )


@require_POST
@customer_required
def logout_everywhere(request: CustomerRequest) -> HttpResponse:
    services.log_out_everywhere(request.workspace, account=request.customer)
    log_out(request, request.workspace)
    return HttpResponseRedirect(reverse("accounts:login"))


@never_cache
@customer_required
def phone(request: CustomerRequest) -> HttpResponse:
    """Step 1: the number. A code is texted to it."""
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            number = services.start_phone_verification(
                request.workspace,
                account=request.customer,
                phone=form.cleaned_data["phone"],
                ip=client_ip(request),
            )
        except services.InvalidPhone as exc:
            form.add_error("phone", str(exc))
        except RateLimited as exc:
            return too_many(request, exc)
        else:
            request.session[PHONE_SESSION.format(request.workspace.pk)] = number
            return HttpResponseRedirect(reverse("portal:phone_verify"))
    return render(request, "portal/phone.html", {"form": form})


@never_cache
@customer_required
def phone_verify(request: CustomerRequest) -> HttpResponse:
    """Step 2: the code from the text message."""
    number = request.session.get(PHONE_SESSION.format(request.workspace.pk), "")
    if not number:
        return HttpResponseRedirect(reverse("portal:phone"))
    form = PhoneCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = services.confirm_phone(
            request.workspace, account=request.customer, code=form.cleaned_data["code"]
        )
        if verified:
            request.session.pop(PHONE_SESSION.format(request.workspace.pk), None)
            messages.success(request, _("Your phone number is confirmed."))
            return HttpResponseRedirect(reverse("portal:account"))
        form.add_error("code", _("That code is wrong or has expired."))
    return render(request, "portal/phone_verify.html", {"form": form, "number": number})
