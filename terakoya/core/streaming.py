"""Streamed downloads that keep their workspace scope until the last byte.

A view returns a ``StreamingHttpResponse`` and its scope (``staff_view``, the host middleware)
ends right there; the server reads the body afterwards, outside any scope, so a generator that
queries a scoped model would raise ``ScopeError`` after the first chunk (the client gets a
truncated file). Every streamed download therefore goes through ``streaming_response``, which
re-enters ``django_scopes.scope(workspace=…)`` — and the language the view ran in — around each
step of the body's iterator, and around closing it. An architecture test
(``terakoya/core/tests/test_streaming.py``) fails for any other ``StreamingHttpResponse``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.http import content_disposition_header
from django_scopes import scope

T = TypeVar("T")


@contextmanager
def _entered(workspace: Any, language: str | None) -> Iterator[None]:
    with scope(workspace=workspace):
        if language:
            with translation.override(language):
                yield
        else:
            yield


def scoped_iter(workspace: Any, chunks: Iterable[T]) -> Iterator[T]:
    """Iterate ``chunks`` with ``workspace``'s scope (and the current language) active while each
    chunk is produced, and nowhere else: between chunks the caller's own scope is untouched.

    The language is taken now, in the view: the language middleware resets it before the
    server reads the body."""
    return _scoped(workspace, translation.get_language(), iter(chunks))


def _scoped(workspace: Any, language: str | None, iterator: Iterator[T]) -> Iterator[T]:
    try:
        while True:
            with _entered(workspace, language):
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            # A client that goes away closes the body early: the inner generator's own cleanup
            # (its database cursor) runs in the scope too.
            with _entered(workspace, language):
                close()


def streaming_response(
    workspace: Any,
    chunks: Iterable[Any],
    *,
    content_type: str,
    filename: str | None = None,
) -> StreamingHttpResponse:
    """A ``StreamingHttpResponse`` whose body is produced inside ``workspace``'s scope; with a
    ``filename`` it is an attachment (non-ASCII names are encoded per RFC 6266)."""
    response = StreamingHttpResponse(scoped_iter(workspace, chunks), content_type=content_type)
    if filename is not None:
        disposition = content_disposition_header(as_attachment=True, filename=filename)
        if disposition:
            response["Content-Disposition"] = disposition
    return response
