"""Human words for the activity verbs of imports (merged into terakoya.activity.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    "contacts.imported": _("Contacts imported from a CSV file"),
    "contacts.import_rolled_back": _("Contact import rolled back"),
}
