from __future__ import annotations

from typing import Any

from django import template

from terakoya.accounts import services
from terakoya.accounts.models import CustomerAccount

register = template.Library()


@register.simple_tag
def customer_login_state(contact: Any) -> dict[str, Any]:
    """Account, lock and rate-limit state of a contact, for the panel on the contact page."""
    account = CustomerAccount.objects.filter(
        workspace_id=contact.workspace_id, contact=contact
    ).first()
    workspace = contact.workspace
    return {
        "account": account,
        "locked": bool(account and account.is_locked),
        "limited": bool(services.rate_limit_state(workspace, contact)),
    }
