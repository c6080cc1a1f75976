"""Streamed CSV export of a contacts query (safe to open in Excel).

The "Name" column is the name as the pages show it (contacts.names.display_name); the first and
last name columns follow it, so a re-import maps them and ignores the combined one."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from terakoya.catalog.models import Grant
from terakoya.contacts.models import Contact, ContactTag
from terakoya.contacts.names import display_name

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralize(value: Any) -> str:
    """Formula injection: a cell that starts like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def header() -> list[str]:
    return [
        _("Email"),
        _("Name"),
        _("First name"),
        _("Last name"),
        _("Phone"),
        _("Language"),
        _("Marketing email"),
        _("Tags"),
        _("Offers"),
        _("Created"),
        "id",
    ]


def export_rows(qs: QuerySet[Contact], *, bom: bool = False) -> Iterator[str]:
    # The header is worded now, in the request's language: the rows are streamed after the
    # view has returned and the language middleware has let go of it.
    return _rows(qs, header(), bom=bom)


def _rows(qs: QuerySet[Contact], titles: list[str], *, bom: bool) -> Iterator[str]:
    writer = csv.writer(_Echo())
    first = writer.writerow(titles)
    yield (BOM + first) if bom else first
    qs = qs.select_related(None).prefetch_related(
        Prefetch("contact_tags", queryset=ContactTag.objects.select_related("tag")),
        Prefetch(
            "grants",
            queryset=Grant.objects.filter(revoked_at__isnull=True).select_related("offer"),
            to_attr="active_grants",
        ),
    )
    for contact in qs.iterator(chunk_size=2000):
        tags = ", ".join(sorted(ct.tag.name for ct in contact.contact_tags.all()))
        offers = ", ".join(sorted(g.offer.name for g in contact.active_grants))  # type: ignore[attr-defined]
        row = [
            contact.email,
            display_name(contact.first_name, contact.last_name),
            contact.first_name,
            contact.last_name,
            contact.phone,
            contact.language,
            contact.consent_state,
            tags,
            offers,
            contact.created_at.isoformat(),
            contact.public_id,
        ]
        yield writer.writerow([neutralize(v) for v in row])
