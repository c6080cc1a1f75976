"""One page of the contacts list without counting a million rows first.

Django's Paginator counts every match before it shows a page. With a million contacts a search
such as "smith" matches tens of thousands of rows, and that count costs more than the page (the
trigram index finds candidate rows fast, but each must be read back to be counted). So the list
reads one row past the page to know whether there is a next page, and the total comes from:
the preset tab counts (already known), the page itself (when it holds the last match), a count
cached for a minute, or, in large workspaces, a separate request made by the page once shown
(contact_count). Small workspaces are always counted at once: it is cheap there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import QuerySet

from terakoya.contacts.queries import PRESET_COUNTS_CACHE_FROM, count_contacts

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

FILTERED_COUNT_SECONDS = 60
MAX_PAGE = 100_000


@dataclass
class PageWindow:
    """The parts of django.core.paginator.Page the templates use, with an optional total."""

    object_list: list[Any]
    number: int
    has_next: bool
    total: int | None
    page_size: int

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        if self.total is None:
            return None
        return max(1, -(-self.total // self.page_size))


def page_number(value: Any) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def count_cache_key(workspace: Workspace, filters: dict[str, Any]) -> str:
    text = json.dumps(filters, sort_keys=True, default=str)
    return f"contacts:count:{workspace.pk}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def filtered_total(
    workspace: Workspace, filters: dict[str, Any], workspace_size: int, *, force: bool = False
) -> int | None:
    """The number of contacts matching `filters`, or None when counting is left to a later
    request (large workspace, not cached, not forced)."""
    key = count_cache_key(workspace, filters)
    cached = cache.get(key)
    if cached is not None:
        return int(cached)
    large = workspace_size >= PRESET_COUNTS_CACHE_FROM
    if large and not force:
        return None
    total = count_contacts(workspace, **filters)
    if large:
        cache.set(key, total, FILTERED_COUNT_SECONDS)
    return total


def page_window(
    queryset: QuerySet[Any],
    number: int,
    page_size: int,
    *,
    total: int | None,
    count: Any,
) -> PageWindow:
    """Page `number` of `queryset`; `total` if already known, else `count()` is asked for one
    only when the page does not reveal it (it may answer None: unknown for now)."""
    if total is not None:
        last = max(1, -(-total // page_size))
        number = min(number, last)
    start = (number - 1) * page_size
    rows = list(queryset[start : start + page_size + 1])
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    if total is None and not has_next and (rows or number == 1):
        total = start + len(rows)  # this page holds the last match
    if total is None:
        total = count()
    return PageWindow(rows, number, has_next, total, page_size)
