import threading
from collections.abc import Iterator

import pytest
from django.utils import translation

from terakoya.core.prefetch import prefetched


def test_yields_every_item_in_order_computed_in_another_thread():
    # given a source that records which thread produced each item
    threads: list[int] = []

    def source() -> Iterator[int]:
        for i in range(5):
            threads.append(threading.get_ident())
            yield i

    # when it is consumed through prefetched()
    items = list(prefetched(source()))

    # then nothing is lost or reordered, and the work happened off the caller's thread
    assert items == [0, 1, 2, 3, 4]
    assert threading.get_ident() not in threads


def test_an_exception_in_the_source_reaches_the_caller_after_the_items_before_it():
    # given a source that fails on its third item
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("broken line")

    # when consumed
    seen = []
    with pytest.raises(ValueError, match="broken line"):
        for item in prefetched(source()):
            seen.append(item)

    # then the good items arrived first
    assert seen == [1, 2]


def test_the_helper_uses_the_callers_language():
    # given a source that reports the active language
    def source() -> Iterator[str]:
        yield translation.get_language() or ""

    # when consumed with Japanese active
    with translation.override("ja"):
        languages = list(prefetched(source()))

    # then the helper thread worked in Japanese
    assert languages == ["ja"]


def test_stopping_early_closes_the_source():
    # given a long source that notes when it is closed
    closed = threading.Event()

    def source() -> Iterator[int]:
        try:
            yield from range(1000)
        finally:
            closed.set()

    # when the caller stops after one item
    for _item in prefetched(source()):
        break

    # then the source was closed (its file would be released)
    assert closed.is_set()
