"""core.streaming: a streamed body is produced inside its workspace's scope, and every streamed
response in the project is built by it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django_scopes import get_scope, scope

from terakoya.contacts.models import Contact
from terakoya.core.factories import ContactFactory
from terakoya.core.streaming import scoped_iter, streaming_response

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
BUILDERS = {PROJECT / "core" / "streaming.py", PROJECT / "core" / "private_files.py"}


def test_each_chunk_is_produced_in_the_scope_and_the_caller_keeps_its_own(workspace):
    # given a generator that queries a scoped model per chunk
    ContactFactory(workspace=workspace, email="a@example.com")
    seen = []

    def rows():
        for _ in range(2):
            seen.append(get_scope().get("workspace"))
            yield Contact.objects.get().email

    # when it is read outside any workspace scope, as a server reads a response body
    with scope():
        chunks = scoped_iter(workspace, rows())
        first = next(chunks)
        between = dict(get_scope())
        rest = list(chunks)
    # then every chunk ran in the workspace's scope, and the reader's scope stayed its own
    assert [first, *rest] == ["a@example.com", "a@example.com"]
    assert seen == [workspace, workspace]
    assert "workspace" not in between


def test_closing_early_runs_the_generators_cleanup_in_the_scope(workspace):
    # given a generator whose cleanup queries a scoped model
    ContactFactory(workspace=workspace, email="a@example.com")
    cleaned = []

    def rows():
        try:
            yield "header"
            yield "never read"
        finally:
            cleaned.append(Contact.objects.count())

    # when the client goes away after the first chunk
    with scope():
        chunks = scoped_iter(workspace, rows())
        assert next(chunks) == "header"
        chunks.close()  # type: ignore[attr-defined]
    # then the cleanup ran, inside the scope
    assert cleaned == [1]


def test_a_japanese_file_name_is_an_attachment(workspace):
    # when a response is built with a file name that is not ASCII
    response = streaming_response(
        workspace, iter([b"x"]), content_type="text/csv", filename="連絡先.csv"
    )
    # then it is an attachment with the RFC 6266 encoded name
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E9%80%A3%E7%B5%A1%E5%85%88.csv"
    )


def test_every_streamed_response_is_built_by_core():
    # given every Python module of the project except the helpers and the tests
    pattern = re.compile(r"\b(StreamingHttpResponse|FileResponse)\(")
    offenders = [
        str(path.relative_to(PROJECT))
        for path in PROJECT.rglob("*.py")
        if path not in BUILDERS
        and "tests" not in path.parts
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    # then none builds a streamed response itself (it would lose the workspace scope)
    assert offenders == [], (
        "build streamed downloads with terakoya.core.streaming.streaming_response "
        "(or core.private_files for stored files)"
    )
