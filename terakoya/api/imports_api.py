"""CSV import endpoints; the work is done by terakoya.contacts.imports.services."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from terakoya.api.main import ERRORS, in_key_scope, workspace_of
from terakoya.api.schemas import SafeSchema
from terakoya.contacts.imports import services as imports
from terakoya.contacts.imports.models import ImportJob

router = Router(tags=["imports"])


class ImportOut(Schema):
    id: str
    status: str
    file: str
    encoding: str
    headers: list[str]
    mapping: dict[str, str]
    total_rows: int


class MappingIn(SafeSchema):
    mapping: dict[str, str] = Field(..., description="CSV header → contact field ('' to skip)")
    options: dict[str, Any] = Field(default_factory=dict)


class StatusOut(Schema):
    id: str
    status: str
    file: str
    total_rows: int
    processed_rows: int
    percent: int
    created: int
    updated: int
    unchanged: int
    errors: int
    combined: int = Field(0, description="later lines of an email already in the file, combined")
    finished: bool
    started_at: str | None
    finished_at: str | None


class DryRunOut(Schema):
    counts: dict[str, int]
    samples: dict[str, Any]
    warnings: list[str] = Field(
        default_factory=list, description="signs of a broken file (unclosed quote, encoding)"
    )


def _actor(request: HttpRequest) -> str:
    key = request.auth  # type: ignore[attr-defined]
    return f"API key {key.name} ({key.prefix}…)"


def _job(request: HttpRequest, job_id: str) -> ImportJob:
    from terakoya.api.contacts_api import _get

    return _get(ImportJob, request, job_id)  # type: ignore[no-any-return]


def import_out(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.public_id,
        "status": job.status,
        "file": job.original_name,
        "encoding": job.encoding,
        "headers": [str(h) for h in job.headers],
        "mapping": {str(k): str(v) for k, v in (job.mapping or {}).items()},
        "total_rows": job.total_rows,
    }


@router.post(
    "", response={201: ImportOut, **ERRORS}, summary="Upload a CSV file (UTF-8 or Shift_JIS)"
)
@in_key_scope
def upload(request: HttpRequest, file: File[UploadedFile]) -> Any:
    job = imports.create_import(
        workspace_of(request), uploaded_file=file, filename=file.name or "", actor=_actor(request)
    )
    return Status(201, import_out(job))


@router.get("/{job_id}", response={200: StatusOut, **ERRORS}, summary="Import status and progress")
@in_key_scope
def status(request: HttpRequest, job_id: str) -> Any:
    return imports.import_status(_job(request, job_id))


@router.put(
    "/{job_id}/mapping", response={200: ImportOut, **ERRORS}, summary="Set the column mapping"
)
@in_key_scope
def set_mapping(request: HttpRequest, job_id: str, payload: MappingIn) -> Any:
    job = _job(request, job_id)
    job = imports.set_mapping(
        workspace_of(request),
        job,
        mapping=payload.mapping,
        options=payload.options,
        actor=_actor(request),
    )
    return import_out(job)


class DryRunPending(Schema):
    pending: bool = True


def _dry_run_answer(job: ImportJob) -> Any:
    result = job.dry_run_result or {}
    if result.get("pending"):
        return Status(202, {"pending": True})
    if result.get("failed"):
        raise imports.ImportError_([str(m) for m in result["failed"]])
    if "counts" not in result:
        raise imports.ImportError_(_("Start a dry run first."))
    return Status(
        200,
        {
            "counts": result["counts"],
            "samples": result["samples"],
            "warnings": result.get("warnings", []),
        },
    )


@router.post(
    "/{job_id}/dry-run",
    response={200: DryRunOut, 202: DryRunPending, **ERRORS},
    summary="Check every row without writing: counts and samples of creates, updates, errors",
    description=(
        "Files of up to 20,000 rows are checked at once (200). Larger files are checked in the "
        "background (202): ask GET /imports/{job_id}/dry-run for the result."
    ),
)
@in_key_scope
def dry_run(request: HttpRequest, job_id: str) -> Any:
    job = imports.request_dry_run(workspace_of(request), _job(request, job_id), actor=None)
    return _dry_run_answer(job)


@router.get(
    "/{job_id}/dry-run",
    response={200: DryRunOut, 202: DryRunPending, **ERRORS},
    summary="The result of the last dry run (202 while it is still running)",
)
@in_key_scope
def dry_run_result(request: HttpRequest, job_id: str) -> Any:
    return _dry_run_answer(_job(request, job_id))


@router.post(
    "/{job_id}/run", response={202: StatusOut, **ERRORS}, summary="Run the import in the background"
)
@in_key_scope
def run(request: HttpRequest, job_id: str) -> Any:
    job = imports.start_import(workspace_of(request), _job(request, job_id), actor=_actor(request))
    return Status(202, imports.import_status(job))


@router.get(
    "/{job_id}/errors",
    response={200: None, **ERRORS},
    summary="The failed rows as CSV, with an error column, ready to fix and upload again",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
@in_key_scope
def errors(request: HttpRequest, job_id: str) -> Any:
    job = _job(request, job_id)
    response = HttpResponse(imports.errors_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.public_id}-errors.csv"'
    return response
