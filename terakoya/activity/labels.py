"""Human words for activity verbs (kept beside the model so every app adds its own here)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

VERB_LABELS = {
    "workspace.created": _("Workspace created"),
    "workspace.settings_changed": _("Workspace settings changed"),
    "membership.added": _("Staff member added"),
    "staff.password_changed": _("Staff password changed"),
    "staff.logged_in": _("Staff member logged in"),
    "staff.login_failed": _("Failed staff sign-in"),
    "staff.login_locked": _("Staff sign-in paused after too many attempts"),
    "contact.created": _("Contact created"),
    "contact.merged": _("Contacts merged"),
    "contact.merge_undone": _("Contact merge undone"),
    "contact.duplicate_dismissed": _("Possible duplicate dismissed"),
    "account.password_set": _("Customer password set"),
    "account.password_changed": _("Customer changed their password"),
    "account.password_reset": _("Customer reset their password"),
    "account.temporary_password_set": _("Temporary customer password set"),
    "account.reset_sent": _("Password reset email sent"),
    "account.logged_out_everywhere": _("Customer logged out everywhere"),
    "account.phone_verified": _("Customer confirmed a phone number"),
    "account.unlocked": _("Customer login unlocked"),
    "account.login_settings_changed": _("Customer login settings changed"),
}

from terakoya.contacts.activity_labels import LABELS as CONTACT_LABELS  # noqa: E402

VERB_LABELS.update(CONTACT_LABELS)
from terakoya.contacts.imports.activity_labels import LABELS as IMPORT_LABELS  # noqa: E402

VERB_LABELS.update(IMPORT_LABELS)


def verb_label(verb: str) -> str:
    return str(VERB_LABELS.get(verb, verb))
