"""Every write to customer accounts (docs/architecture.md, rule 2).

Responses never depend on whether an email belongs to a customer: the public entry points
(`login_with_password`, `request_login_code`, `request_password_reset`) do the same rate-limit
bookkeeping for every email and only queue work (emails, SMS) for real customers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from terakoya.accounts import tokens
from terakoya.accounts.models import (
    CustomerAccount,
    LoginAttempt,
    LoginMethod,
    LoginSettings,
    LoginToken,
    SmsMessage,
    TokenPurpose,
)
from terakoya.activity.services import record_event
from terakoya.contacts.models import Contact, normalize_email
from terakoya.contacts.services import update_contact
from terakoya.core.ratelimit import Limit, enforce, hit, peek, reset
from terakoya.workspaces.middleware import forget_hosts

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

LINK_TTL = timedelta(minutes=10)
CODE_TTL = timedelta(minutes=4)
PHONE_CODE_TTL = timedelta(minutes=10)
MAX_CODE_TRIES = 5

LOGIN_PER_IP = Limit("login-ip", 30, 15 * 60)
LOGIN_PER_EMAIL = Limit("login-email", 10, 15 * 60)
# Requests that send an email are limited per IP *and address*, so that one client behind a
# shared office (or carrier) address cannot lock its neighbours out of recovery; the looser
# per-IP ceiling only stops one client from mailing a whole contact list.
CODE_REQUEST_PER_IP = Limit("code-request-ip", 10, 60 * 60)
CODE_REQUEST_PER_IP_ALL = Limit("code-request-ip-all", 100, 60 * 60)
CODE_REQUEST_PER_EMAIL = Limit("code-request-email", 5, 60 * 60)
CODE_VERIFY_PER_IP = Limit("code-verify-ip", 30, 15 * 60)
CODE_VERIFY_PER_EMAIL = Limit("code-verify-email", 15, 15 * 60)
RESET_REQUEST_PER_IP = Limit("reset-request-ip", 10, 60 * 60)
RESET_REQUEST_PER_IP_ALL = Limit("reset-request-ip-all", 100, 60 * 60)
RESET_REQUEST_PER_EMAIL = Limit("reset-request-email", 5, 60 * 60)
SMS_PER_PHONE = Limit("sms-phone", 5, 60 * 60)
PHONE_VERIFY_PER_ACCOUNT = Limit("phone-verify-account", 5, 60 * 60)
EMAIL_LIMITS = (
    LOGIN_PER_EMAIL,
    CODE_REQUEST_PER_EMAIL,
    CODE_VERIFY_PER_EMAIL,
    RESET_REQUEST_PER_EMAIL,
)
# Keyed by the IP alone / by the IP and the customer's address.
IP_LIMITS = (LOGIN_PER_IP, CODE_VERIFY_PER_IP, CODE_REQUEST_PER_IP_ALL, RESET_REQUEST_PER_IP_ALL)
IP_EMAIL_LIMITS = (CODE_REQUEST_PER_IP, RESET_REQUEST_PER_IP)
# The addresses a customer's recent attempts came from, so that staff "Unlock" can lift the
# per-IP limits they hit (kept as long as the longest window, and its predecessor, counts).
RECENT_IPS_SECONDS = 2 * max(limit.window for limit in IP_LIMITS + IP_EMAIL_LIMITS)
RECENT_IPS_KEEP = 20

# Verified against when the email is unknown, so both paths cost one argon2 verify.
_DUMMY_HASH: list[str] = []


class AccountLocked(Exception):  # noqa: N818
    """Right password, but too many consecutive failures: use the email code or a reset."""


class InvalidPhone(ValueError):
    pass


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(make_password("not-a-real-password-terakoya"))
    return _DUMMY_HASH[0]


def _subject(workspace: Workspace, value: str) -> str:
    return f"{workspace.pk}:{value}"


def _ip_email_subject(workspace: Workspace, ip: str | None, email: str) -> str:
    return f"{workspace.pk}:{ip or ''}|{normalize_email(email)}"


def _recent_ips_key(workspace: Workspace, email: str) -> str:
    import hashlib

    digest = hashlib.sha256(_subject(workspace, normalize_email(email)).encode()).hexdigest()[:32]
    return f"rl-ips:{digest}"


def _remember_ip(workspace: Workspace, email: str, ip: str | None) -> None:
    """Note that an attempt for this address came from this IP (newest first, a few kept)."""
    ip = _valid_ip(ip)
    if not ip or not normalize_email(email):
        return
    from django.core.cache import cache

    key = _recent_ips_key(workspace, email)
    known = [found for found in (cache.get(key) or []) if found != ip]
    cache.set(key, [ip, *known][:RECENT_IPS_KEEP], timeout=RECENT_IPS_SECONDS)


def recent_ips(workspace: Workspace, contact: Contact) -> list[str]:
    """The IPs of this customer's recent attempts: remembered ones, then logged logins."""
    from django.core.cache import cache

    found = list(cache.get(_recent_ips_key(workspace, contact.email)) or [])
    since = timezone.now() - timedelta(seconds=RECENT_IPS_SECONDS)
    logged = (
        LoginAttempt.objects.with_scopes_disabled()
        .filter(
            workspace=workspace,
            account__contact=contact,
            created_at__gte=since,
            ip__isnull=False,
        )
        .values_list("ip", flat=True)[:200]
    )
    for ip in logged:
        if ip not in found:
            found.append(str(ip))
    return found


# Every customer-center page asks for these; they ride along on the workspace object, which the
# host middleware keeps for a few seconds per process (terakoya.workspaces.middleware).
LOGIN_SETTINGS_SECONDS = 5.0


def get_login_settings(workspace: Workspace) -> LoginSettings:
    cached = workspace.__dict__.get("_login_settings_cache")
    now = time.monotonic()
    if cached is not None and cached[0] > now:
        return cached[1]  # type: ignore[no-any-return]
    found = LoginSettings.objects.with_scopes_disabled().filter(workspace=workspace).first()
    if found is None:
        found, _created = LoginSettings.objects.with_scopes_disabled().get_or_create(
            workspace=workspace
        )
    workspace.__dict__["_login_settings_cache"] = (now + LOGIN_SETTINGS_SECONDS, found)
    return found


def customer_language(workspace: Workspace, contact: Contact) -> str:
    return contact.preferred_language(workspace.default_language) or "en"


def _find_account(workspace: Workspace, email: str, *, create: bool) -> CustomerAccount | None:
    """The active account of the contact with this email; contacts without one get one."""
    email = normalize_email(email)
    if not email:
        return None
    account = (
        CustomerAccount.objects.with_scopes_disabled()
        .filter(
            workspace=workspace,
            contact__workspace=workspace,  # lets the (workspace, email) index do the work
            contact__email=email,
            contact__deleted_at__isnull=True,
        )
        .select_related("contact")
        .first()
    )
    if account is None and create:
        contact = (
            Contact.objects.with_scopes_disabled()
            .filter(workspace=workspace, email=email, deleted_at__isnull=True)
            .first()
        )
        if contact is not None:
            account, _created = CustomerAccount.objects.with_scopes_disabled().get_or_create(
                workspace=workspace, contact=contact
            )
    if account is None or not account.is_active:
        return None
    return account


def _expire_tokens(account: CustomerAccount, *purposes: str) -> None:
    LoginToken.objects.with_scopes_disabled().filter(
        workspace_id=account.workspace_id, account=account, purpose__in=purposes, used_at=None
    ).update(used_at=timezone.now())


def _bookkeeping_commit_without_flush() -> None:
    """Login bookkeeping (attempt log, failure counter, last login) need not wait for the WAL
    flush: a crash could lose the last few rows, never let anyone in. PostgreSQL only."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _valid_ip(value: str | None) -> str | None:
    """REMOTE_ADDR as stored; anything that is not an IP address (a unix socket…) is None."""
    import ipaddress

    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


def _record_attempt(
    workspace: Workspace,
    account: CustomerAccount | None,
    method: str,
    *,
    succeeded: bool,
    ip: str | None,
    user_agent: str = "",
) -> None:
    LoginAttempt.objects.with_scopes_disabled().create(
        workspace=workspace,
        account=account,
        method=method,
        succeeded=succeeded,
        ip=_valid_ip(ip),
        user_agent=user_agent[:300],
    )


def _complete_login(
    workspace: Workspace,
    account: CustomerAccount,
    method: str,
    *,
    ip: str | None,
    user_agent: str = "",
) -> None:
    """Bookkeeping of every successful login: failures forgotten, reset links dead."""
    CustomerAccount.objects.with_scopes_disabled().filter(pk=account.pk).update(
        failed_logins=0, last_login_at=timezone.now()
    )
    account.failed_logins = 0
    # Reset links issued before this login die with it (see check_reset_token): no write here.
    _record_attempt(workspace, account, method, succeeded=True, ip=ip, user_agent=user_agent)


# --- Passwords --------------------------------------------------------------------------------


@transaction.atomic
def set_customer_password(
    workspace: Workspace,
    *,
    contact: Contact,
    password: str,
    actor: Any = None,
    must_change: bool = False,
    verb: str = "account.password_set",
) -> CustomerAccount:
    """Set a password; every session of the customer ends and every reset link dies."""
    validate_password(password)
    account, _created = CustomerAccount.objects.with_scopes_disabled().get_or_create(
        workspace=workspace, contact=contact
    )
    account.password = make_password(password)
    account.must_change_password = must_change
    account.session_epoch += 1
    account.failed_logins = 0
    account.save()
    _expire_tokens(account, TokenPurpose.PASSWORD_RESET)
    record_event(workspace, verb=verb, actor=actor, contact=contact)
    return account


def authenticate_customer(
    workspace: Workspace, *, email: str, password: str
) -> CustomerAccount | None:
    """The account whose password this is (no bookkeeping, no limits); None otherwise."""
    account = _find_account(workspace, email, create=False)
    if account is None or not account.has_usable_password:
        check_password(password, _dummy_hash())
        return None
    if not check_password(password, account.password):
        return None
    return account


def login_with_password(
    workspace: Workspace, *, email: str, password: str, ip: str | None, user_agent: str = ""
) -> CustomerAccount | None:
    """The password login of the customer center. Raises RateLimited or AccountLocked."""
    _remember_ip(workspace, email, ip)
    enforce(
        (LOGIN_PER_IP, _subject(workspace, ip or "")),
        (LOGIN_PER_EMAIL, _subject(workspace, normalize_email(email))),
    )
    account = _find_account(workspace, email, create=False)
    if account is None or not account.has_usable_password:
        check_password(password, _dummy_hash())
        _record_attempt(
            workspace, None, LoginMethod.PASSWORD, succeeded=False, ip=ip, user_agent=user_agent
        )
        return None
    # The slow argon2 verify runs outside the transaction: no connection held open meanwhile.
    correct = check_password(password, account.password)
    with transaction.atomic():
        _bookkeeping_commit_without_flush()
        if not correct:
            CustomerAccount.objects.with_scopes_disabled().filter(pk=account.pk).update(
                failed_logins=F("failed_logins") + 1
            )
            _record_attempt(
                workspace,
                account,
                LoginMethod.PASSWORD,
                succeeded=False,
                ip=ip,
                user_agent=user_agent,
            )
            return None
        if account.is_locked:
            _record_attempt(
                workspace,
                account,
                LoginMethod.PASSWORD,
                succeeded=False,
                ip=ip,
                user_agent=user_agent,
            )
            raise AccountLocked
        _complete_login(workspace, account, LoginMethod.PASSWORD, ip=ip, user_agent=user_agent)
    return account


@transaction.atomic
def change_password(
    workspace: Workspace, *, account: CustomerAccount, new_password: str
) -> CustomerAccount:
    """The customer's own change (the view checked the current password)."""
    account = set_customer_password(
        workspace,
        contact=account.contact,
        password=new_password,
        actor=account.contact.email,
        verb="account.password_changed",
    )
    _send_password_changed(workspace, account)
    return account


def _send_password_changed(workspace: Workspace, account: CustomerAccount) -> None:
    from terakoya.accounts.emails import send_password_changed

    send_password_changed(workspace, account=account)


@transaction.atomic
def log_out_everywhere(workspace: Workspace, *, account: CustomerAccount) -> CustomerAccount:
    CustomerAccount.objects.with_scopes_disabled().filter(pk=account.pk).update(
        session_epoch=F("session_epoch") + 1
    )
    account.refresh_from_db(fields=["session_epoch"])
    record_event(
        workspace,
        verb="account.logged_out_everywhere",
        actor=account.contact.email,
        contact=account.contact,
    )
    return account


# --- Password reset ---------------------------------------------------------------------------


def _issue_reset(workspace: Workspace, account: CustomerAccount) -> str:
    _expire_tokens(account, TokenPurpose.PASSWORD_RESET)
    secret = tokens.new_link_token()
    minutes = get_login_settings(workspace).reset_link_minutes
    LoginToken.objects.with_scopes_disabled().create(
        workspace=workspace,
        account=account,
        purpose=TokenPurpose.PASSWORD_RESET,
        token_hash=tokens.token_hash(workspace.pk, TokenPurpose.PASSWORD_RESET, secret),
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )
    from terakoya.accounts.emails import send_password_reset

    send_password_reset(workspace, account=account, token=secret, minutes=minutes)
    return secret


def _remember_language(workspace: Workspace, account: CustomerAccount, language: str) -> None:
    """A contact without a language of their own keeps the one of the page they asked from."""
    if language and not account.contact.language:
        update_contact(
            workspace,
            contact=account.contact,
            changes={"language": language},
            actor=account.contact.email,
        )


def request_password_reset(
    workspace: Workspace, *, email: str, ip: str | None, language: str = ""
) -> None:
    """ "Forgot password": the same for every email; only customers get an email."""
    _remember_ip(workspace, email, ip)
    enforce(
        (RESET_REQUEST_PER_IP, _ip_email_subject(workspace, ip, email)),
        (RESET_REQUEST_PER_IP_ALL, _subject(workspace, ip or "")),
        (RESET_REQUEST_PER_EMAIL, _subject(workspace, normalize_email(email))),
    )
    with transaction.atomic():
        account = _find_account(workspace, email, create=True)
        if account is not None:
            _remember_language(workspace, account, language)
            _issue_reset(workspace, account)


@transaction.atomic
def send_password_reset(workspace: Workspace, *, contact: Contact, actor: Any) -> None:
    """Staff's "Send password reset"."""
    account, _created = CustomerAccount.objects.with_scopes_disabled().get_or_create(
        workspace=workspace, contact=contact
    )
    _issue_reset(workspace, account)
    record_event(workspace, verb="account.reset_sent", actor=actor, contact=contact)


def _active_link(workspace: Workspace, purpose: str, secret: str) -> LoginToken | None:
    if not secret or len(secret) > 200:
        return None
    wanted = tokens.token_hash(workspace.pk, purpose, secret)
    token = (
        LoginToken.objects.with_scopes_disabled()
        .filter(
            workspace=workspace,
            purpose=purpose,
            token_hash=wanted,
            used_at=None,
            expires_at__gt=timezone.now(),
            account__is_active=True,
        )
        .select_related("account", "account__contact")
        .first()
    )
    if token is None or not tokens.matches(token.token_hash, wanted):
        return None
    return token


def check_reset_token(workspace: Workspace, secret: str) -> LoginToken | None:
    """An unused, unexpired reset link issued after the customer's last login."""
    token = _active_link(workspace, TokenPurpose.PASSWORD_RESET, secret)
    if token is None:
        return None
    last_login = token.account.last_login_at
    if last_login is not None and last_login > token.created_at:
        return None
    return token


@transaction.atomic
def reset_password(
    workspace: Workspace, *, secret: str, password: str, ip: str | None, user_agent: str = ""
) -> CustomerAccount | None:
    """Use a reset link once. Raises ValidationError for a weak password (link kept)."""
    token = check_reset_token(workspace, secret)
    if token is None:
        return None
    token = LoginToken.objects.with_scopes_disabled().select_for_update().get(pk=token.pk)
    if token.used_at is not None:
        return None
    validate_password(password)
    account = set_customer_password(
        workspace,
        contact=token.account.contact,
        password=password,
        actor=token.account.contact.email,
        verb="account.password_reset",
    )
    _complete_login(workspace, account, LoginMethod.RESET, ip=ip, user_agent=user_agent)
    _send_password_changed(workspace, account)
    return account


# --- Email link + code ------------------------------------------------------------------------


def request_login_code(
    workspace: Workspace,
    *,
    email: str,
    ip: str | None,
    language: str = "",
    next_url: str = "",
) -> None:
    """Email a sign-in link (10 min) and a 6-digit code (4 min); the code also by SMS.

    `next_url` (a same-site path the caller has checked) is kept with the link, so the link
    leads there even when opened in another browser."""
    _remember_ip(workspace, email, ip)
    enforce(
        (CODE_REQUEST_PER_IP, _ip_email_subject(workspace, ip, email)),
        (CODE_REQUEST_PER_IP_ALL, _subject(workspace, ip or "")),
        (CODE_REQUEST_PER_EMAIL, _subject(workspace, normalize_email(email))),
    )
    with transaction.atomic():
        account = _find_account(workspace, email, create=True)
        if account is None:
            return
        _remember_language(workspace, account, language)
        issue_login_code(workspace, account=account, next_url=next_url)


def issue_login_code(
    workspace: Workspace, *, account: CustomerAccount, next_url: str = ""
) -> tuple[str, str]:
    """Returns (link secret, code). Older unused links and codes of the customer die."""
    _expire_tokens(account, TokenPurpose.LOGIN_LINK, TokenPurpose.LOGIN_CODE)
    batch = tokens.new_batch()
    link, code = tokens.new_link_token(), tokens.new_code()
    now = timezone.now()
    LoginToken.objects.with_scopes_disabled().bulk_create(
        [
            LoginToken(
                workspace=workspace,
                account=account,
                purpose=TokenPurpose.LOGIN_LINK,
                batch=batch,
                token_hash=tokens.token_hash(workspace.pk, TokenPurpose.LOGIN_LINK, link),
                expires_at=now + LINK_TTL,
                next_url=next_url[:500],
            ),
            LoginToken(
                workspace=workspace,
                account=account,
                purpose=TokenPurpose.LOGIN_CODE,
                batch=batch,
                token_hash=tokens.token_hash(
                    workspace.pk, TokenPurpose.LOGIN_CODE, code, account_id=account.pk
                ),
                expires_at=now + CODE_TTL,
            ),
        ]
    )
    from terakoya.accounts.emails import send_login_code, sms_login_code

    send_login_code(workspace, account=account, link=link, code=code)
    phone = account.sms_phone
    if phone and get_login_settings(workspace).allow_sms_code:
        if hit(SMS_PER_PHONE, _subject(workspace, phone)).allowed:
            sms_login_code(workspace, account=account, phone=phone, code=code)
    return link, code


def check_login_link(workspace: Workspace, secret: str) -> LoginToken | None:
    """For the confirm page: never consumes anything."""
    return _active_link(workspace, TokenPurpose.LOGIN_LINK, secret)


@transaction.atomic
def consume_login_link(
    workspace: Workspace, *, secret: str, ip: str | None, user_agent: str = ""
) -> CustomerAccount | None:
    token = check_login_link(workspace, secret)
    if token is None:
        return None
    token = LoginToken.objects.with_scopes_disabled().select_for_update().get(pk=token.pk)
    if token.used_at is not None:
        return None
    _use_batch(token)
    account = (
        CustomerAccount.objects.with_scopes_disabled()
        .select_related("contact")
        .get(pk=token.account_id)
    )
    _complete_login(workspace, account, LoginMethod.EMAIL_LINK, ip=ip, user_agent=user_agent)
    return account


def _use_batch(token: LoginToken) -> bool:
    """Mark the token and its batch used; False if it already was (someone else won).

    The conditional UPDATE is the lock: of two concurrent uses only one changes rows. A link and
    its code are always used together, so "rows changed" means "this token was still unused".
    """
    now = timezone.now()
    token.used_at = now
    same_batch = Q(batch=token.batch) if token.batch else Q(pk=token.pk)
    changed = (
        LoginToken.objects.with_scopes_disabled()
        .filter(same_batch, workspace_id=token.workspace_id, used_at=None)
        .update(used_at=now)
    )
    return changed > 0


def _active_code(
    workspace: Workspace, purpose: str, *, lock: bool = True, **account_filter: Any
) -> LoginToken | None:
    """The newest usable code token of one account (locked for the caller's transaction)."""
    tokens_qs = LoginToken.objects.with_scopes_disabled()
    if lock:
        tokens_qs = tokens_qs.select_for_update(of=("self",))
    return (
        tokens_qs.select_related("account")
        .filter(
            workspace=workspace,
            purpose=purpose,
            used_at=None,
            expires_at__gt=timezone.now(),
            failed_attempts__lt=MAX_CODE_TRIES,
            account__is_active=True,
            **account_filter,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def _live_code_by_email(workspace: Workspace, email: str) -> LoginToken | None:
    """The newest usable sign-in code of the customer with this email, with its account.

    The hot path of code sign-in, written as one SQL statement: building the equivalent ORM
    query (three tables, nine conditions) cost more CPU than running it. Same conditions as
    `_active_code(..., account__contact__email=...)`, which the tests compare it with.
    """
    from django.db import connection

    token_fields = [f for f in LoginToken._meta.concrete_fields]
    account_fields = [f for f in CustomerAccount._meta.concrete_fields]
    columns = ", ".join(
        [f't."{f.column}"' for f in token_fields] + [f'a."{f.column}"' for f in account_fields]
    )
    # Only table and column names from the models are interpolated; every value is a parameter.
    sql = (
        f"SELECT {columns} FROM {LoginToken._meta.db_table} t "  # noqa: S608
        f"JOIN {CustomerAccount._meta.db_table} a ON a.id = t.account_id "
        f"JOIN {Contact._meta.db_table} c ON c.id = a.contact_id "
        "WHERE t.workspace_id = %s AND t.purpose = %s AND t.used_at IS NULL "
        "AND t.expires_at > %s AND t.failed_attempts < %s AND a.is_active "
        "AND c.workspace_id = %s AND c.email = %s AND c.deleted_at IS NULL "
        "ORDER BY t.created_at DESC, t.id DESC LIMIT 1"
    )
    params: list[Any] = [
        workspace.pk,
        TokenPurpose.LOGIN_CODE.value,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        MAX_CODE_TRIES,
        workspace.pk,
        normalize_email(email),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    converters = connection.ops.get_db_converters
    values = list(row)
    for index, field in enumerate(token_fields + account_fields):
        for converter in converters(field.get_col(field.model._meta.db_table)):
            values[index] = converter(values[index], field, connection)
    split = len(token_fields)
    token = LoginToken.from_db(connection.alias, [f.attname for f in token_fields], values[:split])
    account = CustomerAccount.from_db(
        connection.alias, [f.attname for f in account_fields], values[split:]
    )
    token.account = account
    return token


def _code_matches(workspace: Workspace, token: LoginToken | None, purpose: str, code: str) -> bool:
    """Constant-time check; a miss costs the token one of its tries."""
    code = tokens.normalize_code(code)
    candidate = tokens.token_hash(
        workspace.pk, purpose, code, account_id=token.account_id if token else None
    )
    if token is None:
        tokens.matches(candidate, candidate)  # same work as a real comparison
        return False
    if code and tokens.matches(token.token_hash, candidate):
        return True
    LoginToken.objects.with_scopes_disabled().filter(pk=token.pk).update(
        failed_attempts=F("failed_attempts") + 1
    )
    return False


def _check_code(
    workspace: Workspace, account: CustomerAccount | None, purpose: str, code: str
) -> LoginToken | None:
    token = _active_code(workspace, purpose, account=account) if account is not None else None
    return token if _code_matches(workspace, token, purpose, code) else None


def verify_login_code(
    workspace: Workspace, *, email: str, code: str, ip: str | None, user_agent: str = ""
) -> CustomerAccount | None:
    """Sign in with the 6-digit code. Raises RateLimited."""
    _remember_ip(workspace, email, ip)
    enforce(
        (CODE_VERIFY_PER_IP, _subject(workspace, ip or "")),
        (CODE_VERIFY_PER_EMAIL, _subject(workspace, normalize_email(email))),
    )
    # One read finds the customer's live code by email, outside any transaction; every write
    # then goes in one transaction (one WAL flush). The conditional UPDATE in _use_batch keeps
    # the code single-use under concurrency without a row lock.
    token = _live_code_by_email(workspace, email)
    with transaction.atomic():
        if token is None:
            _code_matches(workspace, None, TokenPurpose.LOGIN_CODE, code)  # same work
        if (
            token is None
            or not _code_matches(workspace, token, TokenPurpose.LOGIN_CODE, code)
            or not _use_batch(token)
        ):
            _record_attempt(
                workspace,
                token.account if token else _find_account(workspace, email, create=False),
                LoginMethod.EMAIL_CODE,
                succeeded=False,
                ip=ip,
                user_agent=user_agent,
            )
            return None
        account = token.account
        _complete_login(workspace, account, LoginMethod.EMAIL_CODE, ip=ip, user_agent=user_agent)
        return account


# --- Phone verification -----------------------------------------------------------------------


def parse_phone(value: str, *, region: str | None) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(value or "", region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(_("Enter a valid phone number, for example +81 90 1234 5678.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_("Enter a valid phone number, for example +81 90 1234 5678."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def start_phone_verification(
    workspace: Workspace, *, account: CustomerAccount, phone: str, ip: str | None
) -> str:
    """Text a code to `phone`; returns the E.164 number. Raises InvalidPhone or RateLimited."""
    # Numbers without a country code are read as the workspace's country's.
    number = parse_phone(phone, region=workspace.country or "JP")
    enforce(
        (PHONE_VERIFY_PER_ACCOUNT, _subject(workspace, f"account:{account.pk}")),
        (SMS_PER_PHONE, _subject(workspace, number)),
    )
    code = tokens.new_code()
    with transaction.atomic():
        _expire_tokens(account, TokenPurpose.PHONE_VERIFY)
        LoginToken.objects.with_scopes_disabled().create(
            workspace=workspace,
            account=account,
            purpose=TokenPurpose.PHONE_VERIFY,
            phone=number,
            token_hash=tokens.token_hash(
                workspace.pk, TokenPurpose.PHONE_VERIFY, code, account_id=account.pk
            ),
            expires_at=timezone.now() + PHONE_CODE_TTL,
        )
        from terakoya.accounts.emails import sms_phone_code

        sms_phone_code(workspace, account=account, phone=number, code=code)
    return number


@transaction.atomic
def confirm_phone(workspace: Workspace, *, account: CustomerAccount, code: str) -> str | None:
    """The verified number, or None for a wrong/expired code."""
    token = _check_code(workspace, account, TokenPurpose.PHONE_VERIFY, code)
    if token is None:
        return None
    _use_batch(token)
    now = timezone.now()
    CustomerAccount.objects.with_scopes_disabled().filter(pk=account.pk).update(
        verified_phone=token.phone, phone_verified_at=now
    )
    account.verified_phone, account.phone_verified_at = token.phone, now
    contact = account.contact
    if contact.phone != token.phone:
        contact.phone = token.phone
        contact.save(update_fields=["phone", "updated_at"])
    record_event(
        workspace,
        verb="account.phone_verified",
        actor=contact.email,
        contact=contact,
        data={"phone": token.phone},
    )
    return token.phone


# --- SMS outbox -------------------------------------------------------------------------------


def queue_sms(
    workspace: Workspace, *, contact: Contact | None, kind: str, to: str, body: str
) -> SmsMessage:
    message = SmsMessage.objects.with_scopes_disabled().create(
        workspace=workspace, contact=contact, kind=kind, to_phone=to, body=body
    )
    from terakoya.accounts.tasks import send_sms_message
    from terakoya.core.tasks import enqueue

    enqueue(send_sms_message, workspace.pk, message.pk)
    return message


# --- Staff ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemporaryPassword:
    account: CustomerAccount
    message: str
    language: str


@transaction.atomic
def set_temporary_password(
    workspace: Workspace, *, contact: Contact, password: str, actor: Any, send_email: bool
) -> TemporaryPassword:
    """Must be changed at next login; all sessions end; audited; a message to copy."""
    from django.template.loader import render_to_string
    from django.urls import reverse

    account = set_customer_password(
        workspace,
        contact=contact,
        password=password,
        actor=actor,
        must_change=True,
        verb="account.temporary_password_set",
    )
    language = customer_language(workspace, contact)
    login_url = workspace.absolute_url(reverse("accounts:login"))
    with translation.override(language):
        message = render_to_string(
            "accounts/dashboard/temporary_message.txt",
            {
                "workspace": workspace,
                "name": contact.name_for(language),
                "email": contact.email,
                "password": password,
                "login_url": login_url,
            },
        ).strip()
    if send_email:
        from terakoya.accounts.emails import send_temporary_password

        send_temporary_password(workspace, account=account, password=password, login_url=login_url)
    return TemporaryPassword(account=account, message=message, language=language)


@dataclass(frozen=True)
class LimitBlock:
    """One limit that currently stands between a customer and a login, in words."""

    label: str
    until: datetime
    # The time in the workspace's time zone, as a staff member reads it ("12:34").
    until_text: str


def _limit_label(limit: Limit, *, ip: str = "", phone: str = "") -> str:
    labels = {
        LOGIN_PER_EMAIL.name: _("Too many password attempts"),
        LOGIN_PER_IP.name: _("Too many password attempts from %(ip)s"),
        CODE_REQUEST_PER_EMAIL.name: _("Too many sign-in code requests"),
        CODE_REQUEST_PER_IP.name: _("Too many sign-in code requests from %(ip)s"),
        CODE_REQUEST_PER_IP_ALL.name: _("Too many sign-in code requests from %(ip)s"),
        CODE_VERIFY_PER_EMAIL.name: _("Too many wrong sign-in codes"),
        CODE_VERIFY_PER_IP.name: _("Too many wrong sign-in codes from %(ip)s"),
        RESET_REQUEST_PER_EMAIL.name: _("Too many password reset requests"),
        RESET_REQUEST_PER_IP.name: _("Too many password reset requests from %(ip)s"),
        RESET_REQUEST_PER_IP_ALL.name: _("Too many password reset requests from %(ip)s"),
        SMS_PER_PHONE.name: _("Too many text messages to %(phone)s"),
    }
    return labels[limit.name] % {"ip": ip, "phone": phone}


def _customer_limits(workspace: Workspace, contact: Contact) -> list[tuple[Limit, str, str, str]]:
    """Every (limit, subject, ip, phone) that can block this customer's login or recovery."""
    email = normalize_email(contact.email)
    checks = [(limit, _subject(workspace, email), "", "") for limit in EMAIL_LIMITS]
    for ip in recent_ips(workspace, contact):
        checks += [(limit, _subject(workspace, ip), ip, "") for limit in IP_LIMITS]
        checks += [
            (limit, _ip_email_subject(workspace, ip, email), ip, "") for limit in IP_EMAIL_LIMITS
        ]
    if contact.phone:
        checks.append((SMS_PER_PHONE, _subject(workspace, contact.phone), "", contact.phone))
    return checks


def rate_limit_state(workspace: Workspace, contact: Contact) -> list[LimitBlock]:
    """The limits that currently block this customer (their address and recent IPs)."""
    import zoneinfo

    now = timezone.now()
    try:
        zone = zoneinfo.ZoneInfo(workspace.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    blocks = []
    for limit, subject, ip, phone in _customer_limits(workspace, contact):
        verdict = peek(limit, subject)
        if not verdict.allowed:
            label = _limit_label(limit, ip=ip, phone=phone)
            until = now + timedelta(seconds=verdict.retry_after)
            local = timezone.localtime(until, zone)
            blocks.append(LimitBlock(label=label, until=until, until_text=local.strftime("%H:%M")))
    return blocks


@transaction.atomic
def unlock_customer(workspace: Workspace, *, contact: Contact, actor: Any) -> None:
    """Lift every limit between this customer and a login: their address, their phone, the
    per-IP limits their recent attempts hit, and the durable password lock."""
    lifted = _customer_limits(workspace, contact)
    for limit, subject, _ip, _phone in lifted:
        reset(limit, subject)
    CustomerAccount.objects.with_scopes_disabled().filter(
        workspace=workspace, contact=contact
    ).update(failed_logins=0)
    ips = sorted({ip for _limit, _subject, ip, _phone in lifted if ip})
    record_event(
        workspace, verb="account.unlocked", actor=actor, contact=contact, data={"ips": ips}
    )


@transaction.atomic
def save_login_settings(
    workspace: Workspace,
    *,
    values: dict[str, Any],
    text_overrides: dict[str, dict[str, str]],
    actor: Any,
) -> LoginSettings:
    login_settings = get_login_settings(workspace)
    for field in ("allow_password", "allow_email_code", "allow_sms_code", "reset_link_minutes"):
        setattr(login_settings, field, values[field])
    login_settings.text_overrides = text_overrides
    login_settings.save()
    record_event(workspace, verb="account.login_settings_changed", actor=actor)
    # This process shows the change at once (others within LOGIN_SETTINGS_SECONDS).
    forget_hosts()
    transaction.on_commit(forget_hosts)
    return login_settings
