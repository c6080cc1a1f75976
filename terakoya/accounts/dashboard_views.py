"""Staff pages: a contact's login access and activity, and the workspace's login settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from terakoya.accounts import services, texts, tokens
from terakoya.accounts.emails import LOGIN_EMAIL_KINDS
from terakoya.accounts.forms import LoginSettingsForm, TemporaryPasswordForm, TextOverridesForm
from terakoya.accounts.models import CustomerAccount, LoginAttempt, SmsMessage
from terakoya.contacts.models import Contact
from terakoya.core.http import StaffRequest
from terakoya.dashboard.access import staff_view
from terakoya.mail.models import OutboxMessage
from terakoya.workspaces.models import Role, Workspace

MANAGERS = (Role.OWNER, Role.ADMIN)


def _contact(workspace: Workspace, public_id: str) -> Contact:
    contact = Contact.objects.filter(
        workspace=workspace, public_id=public_id, deleted_at__isnull=True
    ).first()
    if contact is None:
        raise Http404
    return contact


def _access_context(workspace: Workspace, contact: Contact) -> dict[str, object]:
    account = CustomerAccount.objects.filter(workspace=workspace, contact=contact).first()
    return {
        "contact": contact,
        "account": account,
        "emails": OutboxMessage.objects.filter(
            workspace=workspace, contact=contact, kind__in=LOGIN_EMAIL_KINDS
        )[:20],
        "texts_sent": SmsMessage.objects.filter(workspace=workspace, contact=contact)[:20],
        "attempts": (
            LoginAttempt.objects.filter(workspace=workspace, account=account)[:20]
            if account
            else []
        ),
        "limits": services.rate_limit_state(workspace, contact),
        "locked": bool(account and account.is_locked),
        "temp_form": TemporaryPasswordForm(),
    }


TEMPORARY_SESSION = "temporary-password:{}"


@never_cache
@staff_view(action="customer_login.view")
def access(request: StaffRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    context = _access_context(workspace, contact)
    key = request.GET.get("result")
    if key is not None:
        # The temporary-password result, shown once: its sealed message leaves the session
        # now, so a reload (or the same address later) no longer shows the password.
        sealed = request.session.pop(TEMPORARY_SESSION.format(contact.public_id), None)
        message = tokens.unseal(key[:100], sealed["box"]) if isinstance(sealed, dict) else None
        if message is not None and isinstance(sealed, dict):
            context["temporary"] = {"message": message}
            context["emailed"] = bool(sealed.get("emailed"))
        else:
            context["temporary_gone"] = True
    response = render(request, "accounts/dashboard/access.html", context)
    if key is not None:
        response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
@staff_view(action="customer_login.send_reset")
def send_reset(request: StaffRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    services.send_password_reset(workspace, contact=contact, actor=request.user)
    messages.success(
        request, _("A password reset email is on its way to %(email)s.") % {"email": contact.email}
    )
    return redirect(
        "dashboard:accounts_dashboard:access", workspace_slug=workspace.slug, public_id=public_id
    )


@require_POST
@staff_view(action="customer_login.unlock")
def unlock(request: StaffRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    services.unlock_customer(workspace, contact=contact, actor=request.user)
    messages.success(request, _("Login limits for this customer were lifted."))
    return redirect(
        "dashboard:accounts_dashboard:access", workspace_slug=workspace.slug, public_id=public_id
    )


@never_cache
@require_POST
@staff_view(action="customer_login.temporary_password")
def temporary_password(request: StaffRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    contact = _contact(workspace, public_id)
    form = TemporaryPasswordForm(request.POST)
    if form.is_valid():
        result = services.set_temporary_password(
            workspace,
            contact=contact,
            password=form.cleaned_data["new_password1"],
            actor=request.user,
            send_email=form.cleaned_data["send_email"],
        )
        # POST-redirect-GET: the session keeps the message only sealed; the key to open it
        # travels in the redirect, and the page that opens it shows it once.
        key, box = tokens.seal(result.message)
        request.session[TEMPORARY_SESSION.format(contact.public_id)] = {
            "box": box,
            "emailed": bool(form.cleaned_data["send_email"]),
        }
        url = reverse(
            "dashboard:accounts_dashboard:access",
            kwargs={"workspace_slug": workspace.slug, "public_id": public_id},
        )
        return redirect(url + "?" + urlencode({"result": key}))
    context = _access_context(workspace, contact)
    context["temp_form"] = form
    return render(request, "accounts/dashboard/access.html", context, status=400)


@never_cache
@staff_view(action="customer_login.settings")
def login_settings(request: StaffRequest, workspace: Workspace) -> HttpResponse:
    current = services.get_login_settings(workspace)
    languages = list(settings.LANGUAGES)
    preview_language = request.POST.get("preview_language") or workspace.default_language
    if preview_language not in dict(languages):
        preview_language = workspace.default_language
    preview = None
    if request.method == "POST":
        form = LoginSettingsForm(request.POST, instance=services.get_login_settings(workspace))
        overrides_form = TextOverridesForm(request.POST, languages=languages)
        if form.is_valid() and overrides_form.is_valid():
            overrides = overrides_form.overrides()
            if request.POST.get("action") == "save":
                services.save_login_settings(
                    workspace,
                    values=form.cleaned_data,
                    text_overrides=overrides,
                    actor=request.user,
                )
                messages.success(request, _("Customer login settings saved."))
                return redirect(
                    "dashboard:accounts_dashboard:settings", workspace_slug=workspace.slug
                )
            preview = _preview(workspace, preview_language, overrides)
    else:
        form = LoginSettingsForm(instance=current)
        overrides_form = TextOverridesForm(
            initial=TextOverridesForm.initial_from(current.text_overrides), languages=languages
        )
    return render(
        request,
        "accounts/dashboard/settings.html",
        {
            "form": form,
            "overrides_form": overrides_form,
            "groups": overrides_form.grouped(),
            "languages": languages,
            "preview_language": preview_language,
            "preview": preview,
        },
    )


def _preview(
    workspace: Workspace, language: str, overrides: dict[str, dict[str, str]]
) -> list[dict[str, object]]:
    pages = []
    with translation.override(language):
        for page in texts.PAGES:
            pages.append(
                {
                    "label": texts.PAGE_LABELS[page],
                    "texts": texts.page_texts(workspace, page, language, overrides=overrides),
                    "page": page,
                }
            )
    return pages
