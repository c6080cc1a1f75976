"""Uploaded import files are deleted 30 days after the import ended or was abandoned."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from terakoya.contacts.imports import services
from terakoya.contacts.imports.models import ImportJob, ImportStatus
from terakoya.contacts.imports.tests.helpers import csv_bytes, run_file

pytestmark = pytest.mark.django_db


def _age(job: ImportJob, days: int) -> None:
    then = timezone.now() - timedelta(days=days)
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=then, finished_at=then if job.finished_at else None
    )


def test_old_files_go_and_the_job_keeps_its_story(
    workspace, other_workspace, owner, django_capture_on_commit_callbacks
):
    # given an import that ended 31 days ago with one bad line, and a recent one elsewhere
    old = run_file(workspace, "email\nok@example.com\nnot-an-email\n", actor=owner)
    recent = run_file(other_workspace, "email\nx@example.com\n")
    _age(old, 31)
    path = old.file.path

    # when the retention task runs (and its transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        purged = services.purge_old_files()

    # then only the old file is gone; its errors CSV still names the line and the reason
    old.refresh_from_db()
    recent.refresh_from_db()
    assert purged == 1 and not old.file and recent.file
    assert not os.path.exists(path)
    lines = services.errors_csv(old).strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith("Import error")
    assert lines[1].rsplit(",", 1)[-1].strip()  # the reason for the bad line
    assert old.status == ImportStatus.DONE and old.created_count == 1


def test_an_abandoned_upload_is_removed_and_cannot_be_run(workspace, owner):
    # given a file uploaded and mapped 31 days ago, never run
    job = services.create_import(
        workspace, uploaded_file=csv_bytes("email\na@example.com\n"), filename="a.csv", actor=owner
    )
    services.set_mapping(workspace, job, mapping=job.mapping, options={}, actor=owner)
    _age(job, 31)

    # when the retention task runs, and someone then tries a dry run
    services.purge_old_files()
    job.refresh_from_db()

    # then the file is gone and the dry run explains why, changing nothing
    assert not job.file
    with pytest.raises(services.ImportError_, match="Upload it again"):
        services.dry_run(workspace, job)


def test_a_running_or_recent_import_keeps_its_file(workspace, owner):
    # given an upload from yesterday and an import still running since long ago
    fresh = services.create_import(
        workspace, uploaded_file=csv_bytes("email\nb@example.com\n"), filename="b.csv", actor=owner
    )
    _age(fresh, 1)
    running = services.create_import(
        workspace, uploaded_file=csv_bytes("email\nc@example.com\n"), filename="c.csv", actor=owner
    )
    ImportJob.objects.filter(pk=running.pk).update(
        status=ImportStatus.RUNNING, updated_at=timezone.now() - timedelta(days=40)
    )

    # when the retention task runs
    assert services.purge_old_files() == 0
