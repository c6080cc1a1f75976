"""Human words for the activity verbs of imports (merged into terakoya.activity.labels)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from terakoya.contacts.imports.models import ImportStatus

LABELS = {
    "contacts.imported": _("Contacts imported from a CSV file"),
    "contacts.import_rolled_back": _("Contact import rolled back"),
}

DATA_LABELS: dict[str, Any] = {
    "import": _("Import"),
    "created": _("New contacts"),
    "updated": _("Updated contacts"),
    "unchanged": _("Unchanged contacts"),
    "errors": _("Lines with errors"),
    "contacts": _("Contacts removed"),
    "tags": _("Tags removed"),
    "grants": _("Offer grants removed"),
}
VALUE_LABELS: dict[str, Callable[[Any], str] | Mapping[str, Any]] = {
    "status": dict(ImportStatus.choices),
}
