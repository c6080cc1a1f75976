"""Import errors are stored as written by the worker (English) and read in the reader's
language: the result page and the errors CSV of a Japanese dashboard are Japanese."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from terakoya.contacts.imports.tests.helpers import run_file
from terakoya.core.factories import MembershipFactory
from terakoya.workspaces.models import Role

pytestmark = pytest.mark.django_db
FILE = "email,first_name\nnot-an-email,花子\nhanako@example.com,花子\nhanako@example.com,花子\n"


def url(name, workspace, *args):  # type: ignore[no-untyped-def]
    return reverse(f"dashboard:contact_imports:{name}", args=[workspace.slug, *args])


@pytest.fixture
def job(workspace, owner):
    # The worker runs without the reader's language: its messages are stored in English.
    with translation.override("en"):
        return run_file(workspace, FILE, actor=owner)


def test_the_result_page_shows_errors_in_japanese(workspace, job, owner_client):
    # Given an import with a bad line (stored in English) and a repeated one
    assert "is not a valid email address" in str(job.errors)
    # When a Japanese reader opens the result
    owner_client.cookies["terakoya_language"] = "ja"
    body = owner_client.get(url("detail", workspace, job.public_id)).content.decode()
    # Then the errors are Japanese, with their values
    assert "「not-an-email」は有効なメールアドレスではありません。" in body
    # and the repeated line is combined with the first (no longer an error), said in Japanese
    assert "4 行目（hanako@example.com）：3 行目と統合" in body
    assert "is not a valid email address" not in body


def test_the_errors_csv_is_in_the_readers_language(workspace, job, owner_client):
    # When a Japanese reader downloads the failed lines
    owner_client.cookies["terakoya_language"] = "ja"
    response = owner_client.get(url("errors", workspace, job.public_id))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    # Then the error column is Japanese
    assert "「not-an-email」は有効なメールアドレスではありません。" in text
    assert "is not a valid email address" not in text


def test_a_message_stored_in_japanese_reads_in_english_and_unknown_text_stays():
    from terakoya.contacts.imports.messages import localize

    # Given a message stored while Japanese was active
    with translation.override("ja"):
        stored = localize("“x@” is not a valid email address.")
    assert stored == "「x@」は有効なメールアドレスではありません。"
    # When an English reader sees it, it is English again; unknown text is left as it is
    with translation.override("en"):
        assert localize(stored) == "“x@” is not a valid email address."
        assert localize("Something else") == "Something else"


def test_another_workspace_cannot_read_the_errors(workspace, job, other_workspace):
    # Given the owner of another workspace
    client = Client()
    client.force_login(MembershipFactory(workspace=other_workspace, role=Role.OWNER).user)
    # Then the job's pages and CSV are 404s for them
    assert client.get(url("detail", other_workspace, job.public_id)).status_code == 404
    assert client.get(url("errors", other_workspace, job.public_id)).status_code == 404
