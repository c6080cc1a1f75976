"""Customer-center login pages: password, forgot/reset, email link + code, logout."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from terakoya.accounts import services
from terakoya.accounts.forms import CodeForm, EmailForm, NewPasswordForm, PasswordLoginForm
from terakoya.accounts.sessions import current_account, log_in, log_out
from terakoya.accounts.texts import page_texts
from terakoya.core.client_ip import client_ip
from terakoya.core.middleware import follow_person_language, language_is_visitors_own
from terakoya.core.ratelimit import RateLimited
from terakoya.portal.access import CustomerRequest, customer_center

RESET_SESSION = "reset-token:{}"
LINK_SESSION = "link-token:{}"
CODE_EMAIL_SESSION = "code-email:{}"
NEXT_SESSION = "login-next:{}"


def login_failed_message() -> str:
    """One answer for a wrong password, an unknown email and a locked account alike."""
    return _(
        "That email and password do not match, or password sign-in is paused for this account "
        "after too many failed attempts. Please try again, or reset your password."
    )


def safe_next(request: HttpRequest) -> str:
    """Only same-workspace destinations are followed."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return reverse("portal:home")


def _key(template: str, request: CustomerRequest) -> str:
    return template.format(request.workspace.pk)


def _ua(request: CustomerRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:300]


def too_many(request: CustomerRequest, exc: RateLimited) -> HttpResponse:
    minutes = max(1, -(-exc.retry_after // 60))
    response = render(request, "accounts/too_many.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _no_referrer(response: HttpResponse) -> HttpResponse:
    """For responses to a URL that carries a token: nothing of it may travel in a Referer."""
    response["Referrer-Policy"] = "no-referrer"
    return response


def _same_origin_only(response: HttpResponse) -> HttpResponse:
    """For the pages behind a token (its URL no longer holds it): no Referer to other sites.

    Not "no-referrer": browsers then send `Origin: null` with the page's own form POST,
    which CSRF protection rightly refuses.
    """
    response["Referrer-Policy"] = "same-origin"
    return response


def _after_login(request: CustomerRequest, account: Any, destination: str) -> HttpResponse:
    log_in(request, account)
    if account.must_change_password:
        return HttpResponseRedirect(
            reverse("portal:password") + "?" + urlencode({"next": destination})
        )
    return HttpResponseRedirect(destination)


def _visitors_language(request: CustomerRequest) -> str:
    """The page's language if the visitor chose it (switch or browser): a contact without a
    language of their own gets the email in it, and keeps it from then on."""
    return str(request.LANGUAGE_CODE) if language_is_visitors_own(request) else ""


def _settings(request: CustomerRequest) -> Any:
    return services.get_login_settings(request.workspace)


def _with_next(name: str, next_url: str) -> str:
    url = reverse(name)
    return url + "?" + urlencode({"next": next_url}) if next_url != reverse("portal:home") else url


@never_cache
@customer_center
def login(request: CustomerRequest) -> HttpResponse:
    next_url = safe_next(request)
    if current_account(request) is not None and request.method == "GET":
        return HttpResponseRedirect(next_url)
    login_settings = _settings(request)
    if not login_settings.allow_password:
        return HttpResponseRedirect(_with_next("accounts:code_request", next_url))
    form = PasswordLoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            account = services.login_with_password(
                request.workspace,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
                user_agent=_ua(request),
            )
        except RateLimited as exc:
            return too_many(request, exc)
        except services.AccountLocked:
            # The same words as a wrong password: the answer must not confirm a guess.
            error = login_failed_message()
        else:
            if account is not None:
                return _after_login(request, account, next_url)
            error = login_failed_message()
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "error": error,
            "next": next_url,
            "texts": page_texts(request.workspace, "login", get_language()),
            "login_settings": login_settings,
        },
    )


@require_POST
@customer_center
def logout(request: CustomerRequest) -> HttpResponse:
    log_out(request, request.workspace)
    return HttpResponseRedirect(reverse("accounts:login"))


# --- Forgot / reset ---------------------------------------------------------------------------


@never_cache
@customer_center
def forgot(request: CustomerRequest) -> HttpResponse:
    if not _settings(request).allow_password:
        raise Http404
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_password_reset(
                request.workspace,
                email=form.cleaned_data["email"],
                ip=client_ip(request),
                language=_visitors_language(request),
            )
        except RateLimited as exc:
            return too_many(request, exc)
        return HttpResponseRedirect(reverse("accounts:forgot_sent"))
    return render(
        request,
        "accounts/forgot.html",
        {"form": form, "texts": page_texts(request.workspace, "recovery", get_language())},
    )


@customer_center
def forgot_sent(request: CustomerRequest) -> HttpResponse:
    return render(
        request,
        "accounts/forgot_sent.html",
        {"texts": page_texts(request.workspace, "recovery", get_language())},
    )


@never_cache
@customer_center
def reset_token(request: CustomerRequest, token: str) -> HttpResponse:
    """Move the token from the URL into the session, so it leaves history and Referer."""
    request.session[_key(RESET_SESSION, request)] = token[:200]
    return _no_referrer(HttpResponseRedirect(reverse("accounts:reset")))


@never_cache
@customer_center
def reset(request: CustomerRequest) -> HttpResponse:
    secret = str(request.session.get(_key(RESET_SESSION, request), ""))
    token = services.check_reset_token(request.workspace, secret)
    if token is not None:
        follow_person_language(request, token.account.contact.language)
    texts = page_texts(request.workspace, "reset", get_language())
    if token is None:
        request.session.pop(_key(RESET_SESSION, request), None)
        return _no_referrer(render(request, "accounts/reset_invalid.html", {"texts": texts}))
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.reset_password(
                request.workspace,
                secret=secret,
                password=form.cleaned_data["new_password1"],
                ip=client_ip(request),
                user_agent=_ua(request),
            )
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            request.session.pop(_key(RESET_SESSION, request), None)
            if account is None:
                return _no_referrer(
                    render(request, "accounts/reset_invalid.html", {"texts": texts})
                )
            log_in(request, account)
            from django.contrib import messages

            messages.success(request, _("Your new password is saved. You are signed in."))
            return _no_referrer(HttpResponseRedirect(reverse("portal:home")))
    return _same_origin_only(
        render(
            request,
            "accounts/reset.html",
            {"form": form, "texts": texts, "email": token.account.contact.email},
        )
    )


# --- Email link + code ------------------------------------------------------------------------


def _require_codes(request: CustomerRequest) -> None:
    if not _settings(request).allow_email_code:
        raise Http404


@never_cache
@customer_center
def code_request(request: CustomerRequest) -> HttpResponse:
    _require_codes(request)
    next_url = safe_next(request)
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.request_login_code(
                request.workspace,
                email=email,
                ip=client_ip(request),
                language=_visitors_language(request),
                next_url=next_url,
            )
        except RateLimited as exc:
            return too_many(request, exc)
        request.session[_key(CODE_EMAIL_SESSION, request)] = email
        request.session[_key(NEXT_SESSION, request)] = next_url
        return HttpResponseRedirect(reverse("accounts:code_enter"))
    return render(
        request,
        "accounts/code_request.html",
        {"form": form, "next": next_url, "login_settings": _settings(request)},
    )


@never_cache
@customer_center
def code_enter(request: CustomerRequest) -> HttpResponse:
    _require_codes(request)
    email = str(request.session.get(_key(CODE_EMAIL_SESSION, request), ""))
    form = CodeForm(request.POST or None, initial={"email": email})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            account = services.verify_login_code(
                request.workspace,
                email=form.cleaned_data["email"],
                code=form.cleaned_data["code"],
                ip=client_ip(request),
                user_agent=_ua(request),
            )
        except RateLimited as exc:
            return too_many(request, exc)
        if account is not None:
            destination = str(request.session.pop(_key(NEXT_SESSION, request), "")) or reverse(
                "portal:home"
            )
            request.session.pop(_key(CODE_EMAIL_SESSION, request), None)
            return _after_login(request, account, destination)
        error = _(
            "That code is wrong or has expired. Check the latest email, or ask for a new code."
        )
    return render(
        request, "accounts/code_enter.html", {"form": form, "error": error, "email": email}
    )


def _stored_next(path: str) -> str:
    """A stored destination is only ever a path on this site."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return ""


@never_cache
@customer_center
def link_token(request: CustomerRequest, token: str) -> HttpResponse:
    """A GET (maybe an email scanner) only parks the token in the session; nothing is used."""
    request.session[_key(LINK_SESSION, request)] = token[:200]
    return _no_referrer(HttpResponseRedirect(reverse("accounts:link_confirm")))


@never_cache
@customer_center
def link_confirm(request: CustomerRequest) -> HttpResponse:
    _require_codes(request)
    secret = str(request.session.get(_key(LINK_SESSION, request), ""))
    token = services.check_login_link(request.workspace, secret)
    if token is not None:
        follow_person_language(request, token.account.contact.language)
    if token is None:
        request.session.pop(_key(LINK_SESSION, request), None)
        return _no_referrer(render(request, "accounts/link_invalid.html"))
    if request.method == "POST":
        account = services.consume_login_link(
            request.workspace, secret=secret, ip=client_ip(request), user_agent=_ua(request)
        )
        request.session.pop(_key(LINK_SESSION, request), None)
        if account is None:
            return _no_referrer(render(request, "accounts/link_invalid.html"))
        # The destination asked for with the link travels with its token row, so a browser
        # that never saw the request (the email opened on a phone) lands there too.
        session_next = str(request.session.pop(_key(NEXT_SESSION, request), ""))
        destination = _stored_next(token.next_url) or session_next or reverse("portal:home")
        return _no_referrer(_after_login(request, account, destination))
    return _same_origin_only(
        render(request, "accounts/link_confirm.html", {"contact": token.account.contact})
    )
