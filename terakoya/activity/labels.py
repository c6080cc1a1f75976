"""Human words for activity verbs and their details (kept beside the model so every app adds
its own here): staff read labels in their language, never event codes or Python values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from terakoya.workspaces.models import Role

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

# The keys of an event's details, and the names of fields they mention.
DATA_LABELS: dict[str, Any] = {
    "slug": _("Address (slug)"),
    "user": _("Staff member"),
    "role": _("Role"),
    "name": _("Name"),
    "logo": _("Logo"),
    "default_language": _("Default language"),
    "language": _("Language"),
    "time_zone": _("Time zone"),
    "country": _("Country"),
    "custom_domain": _("Custom domain"),
    "fields": _("Fields changed"),
    "count": _("Number"),
    "status": _("Status"),
}
FIELD_LABELS: dict[str, Any] = {
    "name": _("Name"),
    "logo": _("Logo"),
    "default_language": _("Default language"),
    "language": _("Language"),
    "time_zone": _("Time zone"),
    "country": _("Country"),
    "custom_domain": _("Custom domain"),
}


def language_name(code: Any) -> str:
    """A language by its name in the reader's language ("ja" → 日本語), never a bare code."""
    names = dict(settings.LANGUAGES)
    return str(names[code]) if code in names else str(code or "—")


def _fields(value: Any) -> str:
    items = value if isinstance(value, list) else [value]
    return ", ".join(str(FIELD_LABELS.get(str(v), v)) for v in items)


# How the values of some keys read: codes become words.
VALUE_LABELS: dict[str, Callable[[Any], str] | Mapping[str, Any]] = {
    "language": language_name,
    "default_language": language_name,
    "role": {code: label for code, label in Role.choices},
    "fields": _fields,
}

from terakoya.contacts.activity_labels import DATA_LABELS as CONTACT_DATA  # noqa: E402
from terakoya.contacts.activity_labels import FIELD_LABELS as CONTACT_FIELDS  # noqa: E402
from terakoya.contacts.activity_labels import LABELS as CONTACT_LABELS  # noqa: E402
from terakoya.contacts.activity_labels import VALUE_LABELS as CONTACT_VALUES  # noqa: E402

VERB_LABELS.update(CONTACT_LABELS)
DATA_LABELS.update(CONTACT_DATA)
FIELD_LABELS.update(CONTACT_FIELDS)
VALUE_LABELS.update(CONTACT_VALUES)
from terakoya.contacts.imports.activity_labels import DATA_LABELS as IMPORT_DATA  # noqa: E402
from terakoya.contacts.imports.activity_labels import LABELS as IMPORT_LABELS  # noqa: E402
from terakoya.contacts.imports.activity_labels import VALUE_LABELS as IMPORT_VALUES  # noqa: E402

VERB_LABELS.update(IMPORT_LABELS)
DATA_LABELS.update(IMPORT_DATA)
VALUE_LABELS.update(IMPORT_VALUES)


def verb_label(verb: str) -> str:
    return str(VERB_LABELS.get(verb, verb))


def value_text(key: str, value: Any) -> str:
    """One detail's value as words: labels for codes, lists and nested details spelled out."""
    how = VALUE_LABELS.get(key)
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if callable(how):
        return how(value)
    if isinstance(how, Mapping):
        if isinstance(value, list):
            return ", ".join(str(how.get(str(v), v)) for v in value)
        return str(how.get(str(value), value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dict):
        return "; ".join(f"{label}: {text}" for label, text in describe_data(value))
    if isinstance(value, list):
        return ", ".join(value_text(key, v) for v in value)
    return str(value)


def describe_data(data: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """An event's details as (label, words) pairs, in the reader's language."""
    if not isinstance(data, Mapping):
        return [] if not data else [("", str(data))]
    return [
        (str(DATA_LABELS.get(key, FIELD_LABELS.get(key, key))), value_text(key, value))
        for key, value in data.items()
    ]
