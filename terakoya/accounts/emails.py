"""One function per email or text message (docs/architecture.md, rule 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from terakoya.accounts import tokens
from terakoya.accounts.models import LoginToken, TokenPurpose
from terakoya.accounts.services import CODE_TTL, LINK_TTL, customer_language, queue_sms
from terakoya.mail.models import OutboxMessage
from terakoya.mail.secrets import Secret, SecretState
from terakoya.mail.services import queue_email

if TYPE_CHECKING:
    from terakoya.accounts.models import CustomerAccount, SmsMessage
    from terakoya.workspaces.models import Workspace

LOGIN_EMAIL_KINDS = (
    "accounts.password_reset",
    "accounts.login_code",
    "accounts.password_changed",
    "accounts.temporary_password",
)


def _url(workspace: Workspace, name: str, *args: str) -> str:
    # Built from the workspace's configured host, never from a request's Host header.
    return workspace.absolute_url(reverse(name, args=args))


# --- Secrets: staff read "•••• (valid until 12:04)", only the customer gets the real thing ---

TOKEN_TRACKER = "accounts.login_token"  # noqa: S105 (a registry name, not a secret)


def _token_secret(
    workspace: Workspace, purpose: str, value: str, *, account_id: int | None = None
) -> Secret:
    """The secret, tied to its LoginToken row (found by its keyed hash) for the staff copy."""
    digest = tokens.token_hash(workspace.pk, purpose, value, account_id=account_id)
    pk = (
        LoginToken.objects.with_scopes_disabled()
        .filter(workspace=workspace, purpose=purpose, token_hash=digest)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    return Secret(value, tracker=TOKEN_TRACKER if pk else "", ref=str(pk or ""))


def token_states(workspace_id: int, refs: list[str]) -> dict[str, SecretState]:
    """Registered with the outbox (AccountsConfig.ready): used / expired / valid until."""
    ids = [int(ref) for ref in refs if ref.isdigit()]
    now = timezone.now()
    states: dict[str, SecretState] = {}
    rows = LoginToken.objects.with_scopes_disabled().filter(workspace_id=workspace_id, pk__in=ids)
    for pk, used_at, expires_at in rows.values_list("pk", "used_at", "expires_at"):
        if used_at is not None:
            states[str(pk)] = SecretState("used")
        elif expires_at <= now:
            states[str(pk)] = SecretState("expired")
        else:
            states[str(pk)] = SecretState("valid", until=expires_at)
    return states


def send_password_reset(
    workspace: Workspace, *, account: CustomerAccount, token: str, minutes: int
) -> OutboxMessage:
    contact = account.contact
    language = customer_language(workspace, contact)
    secret = _token_secret(workspace, TokenPurpose.PASSWORD_RESET, token)
    return queue_email(
        workspace,
        kind="accounts.password_reset",
        to=contact.email,
        template="emails/accounts/password_reset",
        context={
            "name": contact.name_for(language),
            "reset_url": _url(workspace, "accounts:reset_token", secret.placeholder),
            "minutes": minutes,
        },
        language=language,
        contact=contact,
        secrets=[secret],
    )


def send_login_code(
    workspace: Workspace, *, account: CustomerAccount, link: str, code: str
) -> OutboxMessage:
    contact = account.contact
    language = customer_language(workspace, contact)
    link_secret = _token_secret(workspace, TokenPurpose.LOGIN_LINK, link)
    code_secret = _token_secret(workspace, TokenPurpose.LOGIN_CODE, code, account_id=account.pk)
    return queue_email(
        workspace,
        kind="accounts.login_code",
        to=contact.email,
        template="emails/accounts/login_code",
        context={
            "name": contact.name_for(language),
            "link_url": _url(workspace, "accounts:link_token", link_secret.placeholder),
            "code": code_secret,
            "link_minutes": int(LINK_TTL.total_seconds() // 60),
            "code_minutes": int(CODE_TTL.total_seconds() // 60),
        },
        language=language,
        contact=contact,
        secrets=[link_secret, code_secret],
    )


def send_password_changed(workspace: Workspace, *, account: CustomerAccount) -> OutboxMessage:
    contact = account.contact
    language = customer_language(workspace, contact)
    return queue_email(
        workspace,
        kind="accounts.password_changed",
        to=contact.email,
        template="emails/accounts/password_changed",
        context={
            "name": contact.name_for(language),
            "recovery_url": _url(workspace, "accounts:forgot"),
        },
        language=language,
        contact=contact,
    )


def send_temporary_password(
    workspace: Workspace, *, account: CustomerAccount, password: str, login_url: str
) -> OutboxMessage:
    contact = account.contact
    language = customer_language(workspace, contact)
    return queue_email(
        workspace,
        kind="accounts.temporary_password",
        to=contact.email,
        template="emails/accounts/temporary_password",
        context={
            "name": contact.name_for(language),
            "email": contact.email,
            # Staff chose it and saw it once; the stored copy never shows it again.
            "password": Secret(password),
            "login_url": login_url,
        },
        language=language,
        contact=contact,
    )


def sms_login_code(
    workspace: Workspace, *, account: CustomerAccount, phone: str, code: str
) -> SmsMessage:
    with translation.override(customer_language(workspace, account.contact)):
        body = _("%(code)s is your sign-in code for %(workspace)s. It expires in 4 minutes.") % {
            "code": code,
            "workspace": workspace.name,
        }
    return queue_sms(
        workspace, contact=account.contact, kind="accounts.login_code", to=phone, body=body
    )


def sms_phone_code(
    workspace: Workspace, *, account: CustomerAccount, phone: str, code: str
) -> SmsMessage:
    with translation.override(customer_language(workspace, account.contact)):
        body = _("%(code)s is your code to confirm this phone number for %(workspace)s.") % {
            "code": code,
            "workspace": workspace.name,
        }
    return queue_sms(
        workspace, contact=account.contact, kind="accounts.phone_code", to=phone, body=body
    )
