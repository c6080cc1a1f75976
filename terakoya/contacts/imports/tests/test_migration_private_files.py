"""Migration 0004 moves the files of existing imports out of the public media root."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from terakoya.contacts.imports.models import ImportJob

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "terakoya.contacts.imports.migrations.0004_private_import_files"
)
EDITOR = SimpleNamespace(connection=connection)


def _old_upload(workspace, settings, name: str, body: bytes) -> ImportJob:  # type: ignore[no-untyped-def]
    """An import as the old code stored it: MEDIA_ROOT/imports/<upload name>."""
    path = Path(settings.MEDIA_ROOT, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    job = ImportJob.objects.create(workspace=workspace, original_name="list.csv")
    ImportJob.objects.filter(pk=job.pk).update(file=name)
    return job


def test_existing_uploads_move_to_private_storage_and_back(
    workspace, other_workspace, settings, django_capture_on_commit_callbacks
):
    # given two imports stored the old way, in two workspaces, and one whose file was purged
    mine = _old_upload(workspace, settings, "imports/contacts.csv", b"email\na@example.com\n")
    theirs = _old_upload(other_workspace, settings, "imports/contacts_Ab12Cd3.csv", b"b\n")
    purged = ImportJob.objects.create(workspace=workspace, original_name="gone.csv")
    # when the migration runs
    with django_capture_on_commit_callbacks(execute=True):
        migration.public_to_private(apps, EDITOR)
    # then each file is in the private root under a new random name, gone from the media root
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.file.name.startswith("imports/") and "contacts" not in mine.file.name
    private = Path(settings.TERAKOYA_PRIVATE_ROOT)
    assert (private / mine.file.name).read_bytes() == b"email\na@example.com\n"
    assert (private / theirs.file.name).read_bytes() == b"b\n"
    assert not any(p.is_file() for p in Path(settings.MEDIA_ROOT).rglob("*"))
    assert not ImportJob.objects.get(pk=purged.pk).file
    # and running it again changes nothing
    names = (mine.file.name, theirs.file.name)
    migration.public_to_private(apps, EDITOR)
    assert tuple(ImportJob.objects.get(pk=j.pk).file.name for j in (mine, theirs)) == names
    # when it is reversed, the files are back in the media root, where the old code reads them
    with django_capture_on_commit_callbacks(execute=True):
        migration.private_to_public(apps, EDITOR)
    mine.refresh_from_db()
    assert Path(settings.MEDIA_ROOT, mine.file.name).read_bytes() == b"email\na@example.com\n"
    assert not any(p.is_file() for p in private.rglob("*"))
