"""Import pages: upload → map columns → dry run → run → progress → result (and rollback)."""

from __future__ import annotations

from itertools import islice
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terakoya.contacts.imports import services
from terakoya.contacts.imports.forms import MappingForm, UploadForm
from terakoya.contacts.imports.models import ImportJob, ImportStatus
from terakoya.contacts.imports.parsing import FIELDS, ImportFileError, iter_rows
from terakoya.contacts.imports.rollback import rollback_plan
from terakoya.contacts.services import TRASH_KEEP_DAYS
from terakoya.core.private_files import protected_file_response
from terakoya.dashboard.access import staff_view
from terakoya.workspaces.models import Role, Workspace

IMPORTERS = (Role.OWNER, Role.ADMIN)
SETUP = (ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.DRY_RUN)


def _job(workspace: Workspace, public_id: str) -> ImportJob:
    job = ImportJob.objects.filter(workspace=workspace, public_id=public_id).first()
    if job is None:
        raise Http404
    return job


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


@staff_view(action="imports.run")
def import_list(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    jobs = ImportJob.objects.filter(workspace=workspace).select_related("created_by")[:50]
    return render(request, "contact_imports/list.html", {"jobs": jobs})


@staff_view(action="imports.run")
def upload(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            job = services.create_import(
                workspace, uploaded_file=upload_file, filename=upload_file.name, actor=request.user
            )
        except ValidationError as exc:
            for message in _messages(exc):
                form.add_error("file", message)
        else:
            return redirect("dashboard:contact_imports:detail", workspace.slug, job.public_id)
    return render(request, "contact_imports/upload.html", {"form": form})


def _preview(job: ImportJob, limit: int = 3) -> list[list[str]]:
    """The first data rows, shown beside each column to help choose its field."""
    try:
        with job.file.open("rb") as raw:
            rows = [cells for _line, cells in islice(iter_rows(raw, job.encoding), 1, 1 + limit)]
    except (ImportFileError, OSError, ValueError):  # ValueError: the file was purged
        return []
    return rows


@staff_view(action="imports.run")
def detail(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    job = _job(workspace, public_id)
    if job.status not in SETUP:
        return render(request, "contact_imports/job.html", _job_context(job))
    initial: dict[str, Any] = {
        f"col_{i}": job.mapping.get(h, "") for i, h in enumerate(job.headers)
    }
    initial.update(
        offers=job.options.get("offers", []),
        tags=", ".join(job.options.get("tags", [])),
        consent_source=job.options.get("consent_source", ""),
    )
    form = MappingForm(
        request.POST or None, headers=job.headers, workspace=workspace, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_mapping(
                workspace, job, mapping=form.mapping(), options=form.options(), actor=request.user
            )
            services.request_dry_run(workspace, job, actor=request.user)
        except ValidationError as exc:
            for message in _messages(exc):
                form.add_error(None, message)
        else:
            return redirect("dashboard:contact_imports:detail", workspace.slug, job.public_id)
    preview = _preview(job)
    columns = [
        (field, header, [row[i] if i < len(row) else "" for row in preview])
        for i, (field, header) in enumerate(form.column_rows())
    ]
    return render(
        request,
        "contact_imports/map.html",
        {
            "job": job,
            "form": form,
            "columns": columns,
            "result": job.dry_run_result if job.status == ImportStatus.DRY_RUN else None,
            "checking": bool(job.dry_run_result.get("pending")),
            "check_failed": job.dry_run_result.get("failed", []),
            "field_labels": FIELDS,
            "preset_label": _preset_label(job),
        },
    )


def _preset_label(job: ImportJob) -> str:
    from terakoya.contacts.imports.parsing import PRESETS

    return str(PRESETS[job.preset]["label"]) if job.preset in PRESETS else ""


def _job_context(job: ImportJob) -> dict[str, Any]:
    return {
        "job": job,
        "status": services.import_status(job),
        "error_list": list(services.error_rows(job, limit=50)) if job.error_count else [],
        "can_roll_back": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "file_keep_days": services.FILE_KEEP_DAYS,
        "rollback": (job.result or {}).get("rollback")
        if job.status == ImportStatus.ROLLED_BACK
        else None,
    }


@require_POST
@staff_view(action="imports.run")
def run(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    job = _job(workspace, public_id)
    try:
        services.start_import(workspace, job, actor=request.user)
    except ValidationError as exc:
        for message in _messages(exc):
            messages.error(request, message)
    return redirect("dashboard:contact_imports:detail", workspace.slug, job.public_id)


@staff_view(action="imports.run")
def progress(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    job = _job(workspace, public_id)
    context = _job_context(job)
    response = render(request, "contact_imports/progress.html", context)
    if context["status"]["finished"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # show the full result page
    return response


@staff_view(action="imports.run")
def errors(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    job = _job(workspace, public_id)
    body = "\ufeff" + services.errors_csv(job)  # BOM: Excel opens Japanese correctly
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.public_id}-errors.csv"'
    return response


@staff_view(action="imports.run")
def download_file(request: HttpRequest, workspace: Workspace, public_id: str) -> Any:
    """The uploaded file itself, for owners and admins of its workspace: private files have no
    URL of their own (another workspace's import, or a purged file, is a 404)."""
    job = _job(workspace, public_id)
    return protected_file_response(
        job.file, filename=job.original_name or "contacts.csv", content_type="text/csv"
    )


@staff_view(action="imports.run")
def rollback(request: HttpRequest, workspace: Workspace, public_id: str) -> HttpResponse:
    """GET: what a rollback would remove and keep, and why; POST: do it once the number of
    contacts to be trashed has been typed."""
    job = _job(workspace, public_id)
    if job.status not in (ImportStatus.DONE, ImportStatus.FAILED):
        messages.error(request, _("Only a finished import can be rolled back."))
        return redirect("dashboard:contact_imports:detail", workspace.slug, job.public_id)
    problems: list[str] = []
    if request.method == "POST":
        try:
            summary = services.request_rollback(
                workspace, job, confirmation=request.POST.get("confirm", ""), actor=request.user
            )
        except ValidationError as exc:
            problems = _messages(exc)
        else:
            if summary is None:
                messages.success(request, _("The import is being rolled back."))
            else:
                messages.success(
                    request,
                    _(
                        "Import rolled back: %(contacts)s contacts moved to the trash, "
                        "%(kept)s kept, %(tags)s tags and %(grants)s offer grants removed."
                    )
                    % summary,
                )
            return redirect("dashboard:contact_imports:detail", workspace.slug, job.public_id)
    plan = rollback_plan(workspace, job)
    return render(
        request,
        "contact_imports/rollback.html",
        {"job": job, "plan": plan, "problems": problems, "trash_days": TRASH_KEEP_DAYS},
        status=400 if problems else 200,
    )
