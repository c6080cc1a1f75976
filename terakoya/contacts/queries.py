"""The one contacts list/search/filter query used by pages, exports, bulk actions, the API and
the benchmarks.

Search is a substring match over `Contact.search_text` (email, names in both orders, phone
forms, alternate emails), with the query folded the same way (NFKC, case; see contacts.search):
- PostgreSQL: `search_text LIKE '%q%'`, served by the pg_trgm GIN index (migration 0005).
  Django's psycopg backend binds parameters client-side (no server-side prepared statements),
  so PostgreSQL never switches a repeated search to a generic plan that ignores the pattern.
- SQLite: queries of 3+ characters go through the FTS5 trigram table; shorter ones use LIKE.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from terakoya.catalog.models import Grant, Offer
from terakoya.contacts.models import ConsentState, Contact, ContactTag, Segment, Tag
from terakoya.contacts.search import normalize_query

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "name": ("last_name", "first_name", "email", "id"),
    "email": ("email", "id"),
}
FILTER_KEYS = ("q", "tag", "offer", "consent", "member", "created_from", "created_to", "sort")
MAX_QUERY_LENGTH = 200


def _fts_phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


def _resolve(model: type[Any], workspace: Workspace, value: Any) -> Any:
    """A model instance of this workspace, a public id, or None (unknown → matches nothing)."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value if value.workspace_id == workspace.pk else False
    obj = model.objects.filter(workspace=workspace, public_id=str(value)).first()
    return obj if obj is not None else False


def _as_datetime(value: Any, *, end: bool) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, date):
        tz = timezone.get_current_timezone()
        return datetime.combine(value, time.max if end else time.min, tzinfo=tz)
    return None


def _as_bool(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() in {"1", "true", "yes", "on"}


def search_filter(q: str) -> Q:
    q = normalize_query((q or "")[: MAX_QUERY_LENGTH * 2])[:MAX_QUERY_LENGTH]
    if not q:
        return Q()
    if connection.vendor == "sqlite" and len(q) >= 3:
        ids = RawSQL(
            "SELECT rowid FROM contacts_contact_fts WHERE contacts_contact_fts MATCH %s",
            [_fts_phrase(q)],
        )
        return Q(id__in=ids)
    return Q(search_text__contains=q)


def contact_queryset(
    workspace: Workspace,
    *,
    q: str = "",
    segment: Any = None,
    tag: Any = None,
    offer: Any = None,
    consent: str | None = None,
    member: Any = None,
    created_from: Any = None,
    created_to: Any = None,
    sort: str = "newest",
    include_deleted: bool = False,
    trashed: bool = False,
) -> QuerySet[Contact]:
    """Contacts of `workspace` matching every given filter (a segment adds its saved filters)."""
    qs: QuerySet[Contact] = Contact.objects.filter(workspace=workspace)
    if segment not in (None, ""):
        seg = _resolve(Segment, workspace, segment)
        if seg is False:
            return qs.none()
        saved = {k: v for k, v in (seg.filters or {}).items() if k in FILTER_KEYS and k != "sort"}
        qs = contact_queryset(workspace, **saved).order_by()
    if trashed:
        qs = qs.filter(deleted_at__isnull=False)
    elif not include_deleted:
        qs = qs.filter(deleted_at__isnull=True)
    if q:
        qs = qs.filter(search_filter(str(q)))
    tag_obj = _resolve(Tag, workspace, tag)
    if tag_obj is False:
        return qs.none()
    if tag_obj is not None:
        qs = qs.filter(Exists(ContactTag.objects.filter(contact=OuterRef("pk"), tag=tag_obj)))
    offer_obj = _resolve(Offer, workspace, offer)
    if offer_obj is False:
        return qs.none()
    if offer_obj is not None:
        qs = qs.filter(
            Exists(
                Grant.objects.filter(
                    contact=OuterRef("pk"), offer=offer_obj, revoked_at__isnull=True
                )
            )
        )
    if consent:
        if consent not in ConsentState.values:
            return qs.none()
        qs = qs.filter(consent_state=consent)
    is_member = _as_bool(member)
    if is_member is not None:
        active = Exists(Grant.objects.filter(contact=OuterRef("pk"), revoked_at__isnull=True))
        qs = qs.filter(active) if is_member else qs.exclude(active)
    start = _as_datetime(created_from, end=False)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    stop = _as_datetime(created_to, end=True)
    if stop is not None:
        qs = qs.filter(created_at__lte=stop)
    return qs.order_by(*SORTS.get(sort, SORTS["newest"]))


def count_contacts(workspace: Workspace, **filters: Any) -> int:
    filters.pop("sort", None)
    return contact_queryset(workspace, **filters).order_by().count()


def with_member_flag(qs: QuerySet[Contact]) -> QuerySet[Contact]:
    return qs.annotate(
        is_member=Exists(Grant.objects.filter(contact=OuterRef("pk"), revoked_at__isnull=True))
    )


def valid_public_id(value: str) -> bool:
    return 0 < len(value or "") <= 24 and value.isascii() and value.isalnum()


def by_public_id(model: type[Any], workspace: Workspace, public_id: str, **extra: Any) -> Any:
    """This workspace's object with this public id, or a 404 (missing and not-yours look alike;
    ids that cannot exist never reach the database)."""
    from django.http import Http404

    if not valid_public_id(public_id):
        raise Http404
    obj = model.objects.filter(workspace=workspace, public_id=public_id, **extra).first()
    if obj is None:
        raise Http404
    return obj


PRESET_COUNTS_SECONDS = 60
PRESET_COUNTS_CACHE_FROM = 50_000


def preset_counts(workspace: Workspace) -> dict[str, int]:
    """Counts for the preset tabs (All, Members, Subscribed, …) in one scan. Exact for small
    workspaces; from 50,000 contacts cached for a minute (at a million the scan costs a few
    hundred milliseconds, and a tab count a minute old is fine)."""
    from django.core.cache import cache
    from django.db.models import Count

    key = f"contacts:preset-counts:{workspace.pk}"
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    live = Contact.objects.filter(workspace=workspace, deleted_at__isnull=True)
    counts: dict[str, int] = live.aggregate(
        all=Count("id"),
        **{
            str(state): Count("id", filter=Q(consent_state=state))
            for state in (
                ConsentState.SUBSCRIBED,
                ConsentState.UNSUBSCRIBED,
                ConsentState.NEVER_SUBSCRIBED,
            )
        },
    )
    counts["members"] = (
        Grant.objects.filter(
            workspace=workspace, revoked_at__isnull=True, contact__deleted_at__isnull=True
        )
        .values("contact_id")
        .distinct()
        .count()
    )
    if counts["all"] >= PRESET_COUNTS_CACHE_FROM:
        # Only big workspaces pay enough for the scan to accept a minute-old figure.
        cache.set(key, counts, PRESET_COUNTS_SECONDS)
    return counts
