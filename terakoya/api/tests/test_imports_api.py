from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from terakoya.api.services import create_api_key
from terakoya.contacts.imports.models import ImportJob
from terakoya.contacts.models import Contact

pytestmark = pytest.mark.django_db
BASE = "/api/v1/imports"


@pytest.fixture
def api(workspace):
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_key(workspace, name='CI')[1]}")


def test_upload_map_dry_run_run_status_errors(api, workspace, django_capture_on_commit_callbacks):
    # given a Shift_JIS file with one bad row
    data = "メールアドレス,姓,名\nhanako@example.com,山田,花子\nnot-an-email,佐藤,次郎\n".encode(
        "cp932"
    )
    upload = api.post(BASE, {"file": SimpleUploadedFile("c.csv", data, "text/csv")})
    assert upload.status_code == 201, upload.content
    job = upload.json()
    assert job["total_rows"] == 2 and job["headers"][0] == "メールアドレス"
    mapped = api.put(
        f"{BASE}/{job['id']}/mapping",
        data=json.dumps({"mapping": job["mapping"]}),
        content_type="application/json",
    )
    assert mapped.status_code == 200, mapped.content
    dry = api.post(f"{BASE}/{job['id']}/dry-run")
    assert dry.status_code == 200, dry.content
    assert Contact.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        run = api.post(f"{BASE}/{job['id']}/run")
    assert run.status_code == 202
    status = api.get(f"{BASE}/{job['id']}").json()
    assert status["status"] == "done" and status["created"] == 1 and status["errors"] == 1
    errors = api.get(f"{BASE}/{job['id']}/errors")
    assert (
        errors["Content-Type"].startswith("text/csv") and "not-an-email" in errors.content.decode()
    )


def test_bad_files_and_other_workspace(api, workspace, other_workspace):
    assert (
        api.post(
            BASE, {"file": SimpleUploadedFile("x.csv", b"\x00\xff\xfe", "text/csv")}
        ).status_code
        == 422
    )
    assert api.post(BASE, {}).status_code in (400, 422)
    theirs = ImportJob.objects.create(workspace=other_workspace, original_name="t.csv")
    assert api.get(f"{BASE}/{theirs.public_id}").status_code == 404
    assert api.post(f"{BASE}/{theirs.public_id}/run").status_code == 404
    assert api.get(f"{BASE}/{theirs.public_id}/errors").status_code == 404
    assert Client().get(f"{BASE}/{theirs.public_id}").status_code == 401


def test_multipart_without_boundary_is_400(api):
    response = api.generic("POST", BASE, b"x", CONTENT_TYPE="multipart/form-data")
    assert response.status_code == 400


def _mapped_job(api, text: str) -> str:
    upload = api.post(BASE, {"file": SimpleUploadedFile("c.csv", text.encode(), "text/csv")})
    job = upload.json()
    api.put(
        f"{BASE}/{job['id']}/mapping",
        data=json.dumps({"mapping": job["mapping"]}),
        content_type="application/json",
    )
    return str(job["id"])


def test_a_large_files_dry_run_runs_in_the_background(
    api, workspace, monkeypatch, django_capture_on_commit_callbacks
):
    # given a mapped file larger than what is checked during the request
    from terakoya.contacts.imports import services

    monkeypatch.setattr(services, "INLINE_DRY_RUN_ROWS", 1)
    job_id = _mapped_job(api, "email\na@example.com\nb@example.com\nbad\n")
    # and no result asked for yet
    assert api.get(f"{BASE}/{job_id}/dry-run").status_code == 422

    # when the dry run is asked for
    with django_capture_on_commit_callbacks(execute=False) as queued:
        started = api.post(f"{BASE}/{job_id}/dry-run")

    # then it is accepted for later, and the result says so until the task has run
    assert started.status_code == 202 and started.json() == {"pending": True}
    assert api.get(f"{BASE}/{job_id}/dry-run").status_code == 202
    for callback in queued:
        callback()
    result = api.get(f"{BASE}/{job_id}/dry-run")
    assert result.status_code == 200, result.content
    assert result.json()["counts"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": 1,
        "combined": 0,
    }
    assert result.json()["warnings"] == []
    assert Contact.objects.count() == 0


def test_dry_run_results_stay_in_their_workspace(api, other_workspace):
    # given another workspace's import
    theirs = ImportJob.objects.create(
        workspace=other_workspace, original_name="t.csv", dry_run_result={"counts": {}}
    )

    # when this workspace's key asks for its dry run
    asked = api.get(f"{BASE}/{theirs.public_id}/dry-run")
    started = api.post(f"{BASE}/{theirs.public_id}/dry-run")

    # then it does not exist here
    assert asked.status_code == 404 and started.status_code == 404
