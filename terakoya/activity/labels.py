"""Human words for activity verbs (kept beside the model so every app adds its own here)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

VERB_LABELS = {
    "workspace.created": _("Workspace created"),
    "workspace.settings_changed": _("Workspace settings changed"),
    "membership.added": _("Staff member added"),
    "staff.password_changed": _("Staff password changed"),
    "staff.logged_in": _("Staff member logged in"),
    "contact.created": _("Contact created"),
}


def verb_label(verb: str) -> str:
    return str(VERB_LABELS.get(verb, verb))
