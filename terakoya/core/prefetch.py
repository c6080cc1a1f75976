"""Produce the next item of an iterator in a background thread while the caller works on this one.

Bulk jobs alternate CPU-bound Python (parsing a chunk of a file) with waiting for the database
(writing the previous chunk). The database driver releases the GIL while it waits, so parsing
chunk k+1 in a helper thread while chunk k is written keeps both cores busy: the job takes
about max(parse, write) instead of parse + write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.utils import translation

T = TypeVar("T")
_END = object()


def prefetched(items: Iterable[T]) -> Iterator[T]:
    """Yield what `items` yields, computing each next item ahead, in one helper thread.

    The helper runs in the caller's active language (messages made while parsing are localized
    as the caller's would be). It must not use the database: Django connections belong to the
    thread that opened them. An exception raised by `items` is raised here, in order."""
    source = iter(items)
    try:
        with ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="prefetch",
            initializer=translation.activate,
            initargs=(translation.get_language() or "en",),
        ) as pool:
            upcoming = pool.submit(next, source, _END)
            while True:
                item = upcoming.result()
                if item is _END:
                    return
                upcoming = pool.submit(next, source, _END)
                yield item  # type: ignore[misc]
    finally:
        # The pool has finished any read ahead by now, so the source can be closed (its file).
        close = getattr(source, "close", None)
        if close is not None:
            close()
