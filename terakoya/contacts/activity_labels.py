"""Human words for the activity verbs of contacts, offers and API keys, and for their details
(merged into terakoya.activity.labels; kept here so they are in this app's catalog)."""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from terakoya.catalog.models import GrantSource
from terakoya.contacts.bulk import ACTIONS
from terakoya.contacts.models import ConsentState, UnsubscribeReason

LABELS = {
    "contact.updated": _("Contact profile edited"),
    "contact.tag_added": _("Tag added"),
    "contact.tag_removed": _("Tag removed"),
    "contact.address_saved": _("Address saved"),
    "contact.address_deleted": _("Address deleted"),
    "contact.unsubscribed": _("Unsubscribed from marketing email"),
    "contact.opt_in_requested": _("Marketing email confirmation sent"),
    "contact.opt_in_confirmed": _("Contact confirmed marketing email"),
    "contact.trashed": _("Contact moved to the trash"),
    "contacts.restored": _("Contacts restored from the trash"),
    "contacts.bulk_action": _("Bulk action on contacts"),
    "contacts.exported": _("Contacts exported"),
    "segment.saved": _("Segment saved"),
    "segment.deleted": _("Segment deleted"),
    "offer.created": _("Offer created"),
    "offer.updated": _("Offer edited"),
    "grant.created": _("Offer granted"),
    "grant.revoked": _("Offer revoked"),
    "api_key.created": _("API key created"),
    "api_key.revoked": _("API key revoked"),
}

DATA_LABELS: dict[str, Any] = {
    "tag": _("Tag"),
    "reason": _("Reason"),
    "segment": _("Segment"),
    "filters": _("Filters"),
    "selection": _("Contacts chosen"),
    "params": _("Settings"),
    "action": _("Action"),
    "offer": _("Offer"),
    "offer_name": _("Offer"),
    "source": _("How"),
    "merge": _("Merge"),
    "merged": _("Merged contacts"),
    "restored": _("Contacts brought back"),
    "other": _("Other contact"),
    "prefix": _("Key starts with"),
    "phone": _("Phone"),
    "q": _("Search"),
    "consent": _("Marketing email"),
    "member": _("Members only"),
    "created_from": _("Created from"),
    "created_to": _("Created until"),
    "sort": _("Order"),
    "trashed": _("In the trash"),
}
FIELD_LABELS: dict[str, Any] = {
    "email": _("Email"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "phone": _("Phone"),
    "time_zone": _("Time zone"),
}
VALUE_LABELS: dict[str, Callable[[Any], str] | Mapping[str, Any]] = {
    "reason": dict(UnsubscribeReason.choices),
    "action": ACTIONS,
    "source": dict(GrantSource.choices),
    "consent": dict(ConsentState.choices),
}
