"""Every write to customer accounts (ARCHITECTURE.md §4 rule 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from terakoya.accounts.models import CustomerAccount
from terakoya.activity.services import record_event
from terakoya.contacts.models import Contact, normalize_email

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

# Verified against when the email is unknown, so both paths cost one argon2 verify.
_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(make_password("not-a-real-password-terakoya"))
    return _DUMMY_HASH[0]


@transaction.atomic
def set_customer_password(
    workspace: Workspace, *, contact: Contact, password: str, actor: Any = None,
    must_change: bool = False,
) -> CustomerAccount:
    validate_password(password)
    account, _ = CustomerAccount.objects.with_scopes_disabled().get_or_create(
        workspace=workspace, contact=contact
    )
    account.password = make_password(password)
    account.must_change_password = must_change
    account.session_epoch += 1
    account.save()
    record_event(workspace, verb="account.password_set", actor=actor, contact=contact)
    return account


def authenticate_customer(workspace: Workspace, *, email: str, password: str) -> CustomerAccount | None:
    account = (
        CustomerAccount.objects.filter(
            workspace=workspace, contact__email=normalize_email(email), is_active=True
        )
        .select_related("contact")
        .first()
    )
    if account is None or not account.has_usable_password:
        check_password(password, _dummy_hash())
        return None
    if not check_password(password, account.password):
        return None
    return account
