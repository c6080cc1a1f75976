"""Human words for the activity verbs of contacts, offers and API keys (merged into
terakoya.activity.labels.VERB_LABELS; kept here so they are in this app's catalog)."""

from django.utils.translation import gettext_lazy as _

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
