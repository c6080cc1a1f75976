"""Contact CSV imports: upload, map, dry run, run (in the background), status, errors, rollback."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import partial
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from terakoya.activity.services import actor_label, record_event
from terakoya.catalog.models import Grant, Offer
from terakoya.contacts.imports import loader, rollback, writer
from terakoya.contacts.imports.messages import localize
from terakoya.contacts.imports.models import ImportJob, ImportStatus
from terakoya.contacts.imports.parsing import (
    CleanRow,
    FileCheck,
    ImportFileError,
    RowCleaner,
    inspect_file,
    iter_rows,
    split_tags,
    suggest_mapping,
    validate_mapping,
)
from terakoya.contacts.models import Contact, ContactTag, Tag
from terakoya.core.gc_pause import collector_paused
from terakoya.core.prefetch import prefetched
from terakoya.core.write_pool import WritePool, helper_threads

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

CHUNK_ROWS = 50_000
# Connections writing chunks at once (PostgreSQL, outside a transaction; see core.write_pool).
WRITERS = 2
FIRST_CHUNK_ROWS = 5_000
MAX_STORED_ERRORS = 100_000
# After this many new contacts the planner statistics are refreshed (search stays fast).
ANALYZE_AFTER = 50_000
# Files up to this many rows are checked during the request; larger ones by a task.
INLINE_DRY_RUN_ROWS = 20_000
# Imports that touched up to this many contacts are rolled back during the request.
INLINE_ROLLBACK_ROWS = 5_000
# Uploaded files are kept this long after the import ends (or after an abandoned upload).
FILE_KEEP_DAYS = 30
Progress = Callable[[int, int], None]


class ImportError_(ValidationError):  # noqa: N801
    """A localized reason why an import step cannot be done (nothing was changed)."""


def _actor_id(actor: Any) -> int | None:
    from terakoya.staff.models import User

    return actor.pk if isinstance(actor, User) else None


def _region(workspace: Workspace) -> str:
    return str(workspace.country or "JP")


# --- Upload ---------------------------------------------------------------------------------------


@transaction.atomic
def create_import(
    workspace: Workspace, *, uploaded_file: IO[bytes], filename: str, actor: Any
) -> ImportJob:
    """Store the file, detect its encoding, read its headers and suggest a mapping.

    Raises ImportError_ (a ValidationError with a localized message) for unreadable files."""
    try:
        info = inspect_file(uploaded_file)
    except ImportFileError as exc:
        raise ImportError_(exc.message)
    if info.total_rows == 0:
        raise ImportError_(_("The file has a header row but no contacts."))
    job = ImportJob(
        workspace=workspace,
        original_name=(filename or "contacts.csv")[:255],
        encoding=info.encoding,
        headers=info.headers,
        preset=info.preset,
        mapping=suggest_mapping(info.headers, info.preset),
        total_rows=info.total_rows,
        created_by=actor if _actor_id(actor) else None,
    )
    uploaded_file.seek(0)
    job.file.save("contacts.csv", File(uploaded_file), save=False)
    job.save()
    return job


# --- Mapping --------------------------------------------------------------------------------------


def _clean_options(
    workspace: Workspace, job: ImportJob, mapping: dict[str, str], options: dict[str, Any]
) -> dict[str, Any]:
    offers = [str(o) for o in options.get("offers") or [] if str(o).strip()]
    found = dict(
        Offer.objects.filter(workspace=workspace, public_id__in=offers).values_list(
            "public_id", "id"
        )
    )
    missing = [o for o in offers if o not in found]
    if missing:
        raise ImportError_(_("Unknown offer: %(ids)s") % {"ids": ", ".join(missing[:5])})
    raw_tags = options.get("tags") or []
    if isinstance(raw_tags, str):
        raw_tags = [raw_tags]
    tags: list[str] = []
    for value in raw_tags:
        for tag in split_tags(str(value)):
            if tag not in tags:
                tags.append(tag)
    source = str(options.get("consent_source") or "").strip()[:300]
    consent_mapped = "consent" in mapping.values()
    if consent_mapped and not source:
        raise ImportError_(
            _("Say where the consent in the consent column came from, or do not import it.")
        )
    return {
        "offers": offers,
        "tags": tags,
        "consent_source": source if consent_mapped else "",
        # Row errors are written in the language of the person who set up the import.
        "language": translation.get_language() or "en",
    }


@transaction.atomic
def set_mapping(
    workspace: Workspace,
    job: ImportJob,
    *,
    mapping: dict[str, str],
    options: dict[str, Any],
    actor: Any,
) -> ImportJob:
    if job.workspace_id != workspace.pk:
        raise ImportError_(_("This import does not exist."))
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.DRY_RUN):
        raise ImportError_(_("This import has already started."))
    mapping = {str(k): str(v or "") for k, v in (mapping or {}).items()}
    problems = validate_mapping(job.headers, mapping)
    if problems:
        raise ImportError_(problems)
    clean_mapping = {h: mapping.get(h, "") for h in job.headers}
    clean_options = _clean_options(workspace, job, clean_mapping, options or {})
    job.mapping, job.options = clean_mapping, clean_options
    job.status = ImportStatus.MAPPED
    job.dry_run_result = {}
    job.save(update_fields=["mapping", "options", "status", "dry_run_result", "updated_at"])
    return job


# --- Running ----------------------------------------------------------------------------------


def _context(
    workspace: Workspace, job: ImportJob, *, write: bool, actor: Any
) -> loader.LoadContext:
    offer_ids = list(
        Offer.objects.filter(workspace=workspace, public_id__in=job.options.get("offers", []))
        .order_by("id")
        .values_list("id", flat=True)
    )
    return loader.LoadContext(
        workspace_id=workspace.pk,
        job_id=job.pk,
        write=write,
        offer_ids=offer_ids,
        extra_tags=list(job.options.get("tags", [])),
        consent_source=job.options.get("consent_source", ""),
        actor_id=_actor_id(actor),
        actor_label=actor_label(actor),
        workspace_empty=not Contact.objects.filter(workspace=workspace).exists(),
        postgres=connection.vendor == "postgresql",
    )


def _chunks(
    job: ImportJob, cleaner: RowCleaner, check: FileCheck | None = None
) -> Iterator[list[CleanRow]]:
    with job.file.open("rb") as raw:
        rows: list[CleanRow] = []
        first = True
        # A small first chunk: the database starts writing while the rest is still parsed.
        limit = FIRST_CHUNK_ROWS
        for line, cells in iter_rows(raw, job.encoding, check):
            if first:
                first = False
                continue
            if not "".join(cells).strip():
                continue
            rows.append(cleaner.clean(line, cells))
            if len(rows) >= limit:
                yield rows
                rows = []
                limit = CHUNK_ROWS
        if rows:
            yield rows


def _prepared_chunks(
    job: ImportJob, cleaner: RowCleaner, ctx: loader.LoadContext, check: FileCheck | None = None
) -> Iterator[loader.Prepared]:
    """Parsed and prepared chunks; run ahead in a helper thread (core.prefetch), so it must not
    touch the database."""
    for rows in _chunks(job, cleaner, check):
        yield loader.prepare(ctx, rows)


def _require_mapping(workspace: Workspace, job: ImportJob) -> None:
    if job.workspace_id != workspace.pk:
        raise ImportError_(_("This import does not exist."))
    if not job.file:
        raise ImportError_(
            _("The uploaded file was removed after %(days)s days. Upload it again.")
            % {"days": FILE_KEEP_DAYS}
        )
    if job.status == ImportStatus.UPLOADED or validate_mapping(job.headers, job.mapping):
        raise ImportError_(_("Map the columns first."))


def _summary(ctx: loader.LoadContext) -> dict[str, Any]:
    return {"counts": dict(ctx.counts), "samples": ctx.samples}


def _result(ctx: loader.LoadContext) -> dict[str, Any]:
    return {**_summary(ctx), "created_tag_ids": ctx.created_tag_ids}


def dry_run(workspace: Workspace, job: ImportJob) -> dict[str, Any]:
    """Classify every row exactly as the import would, writing nothing to contacts."""
    _require_mapping(workspace, job)
    if job.status not in (ImportStatus.MAPPED, ImportStatus.DRY_RUN):
        raise ImportError_(_("This import has already started."))
    ctx = _context(workspace, job, write=False, actor=None)
    cleaner = RowCleaner(job.headers, job.mapping, _region(workspace))
    # Only the dry run looks for signs of a broken file; the import itself does not pay for it.
    check = FileCheck(job.encoding)
    try:
        with translation.override(job.options.get("language")), collector_paused():
            for prepared in prefetched(_prepared_chunks(job, cleaner, ctx, check)):
                loader.classify(ctx, prepared)
            warnings = check.warnings()
    except ImportFileError as exc:
        raise ImportError_(exc.message)
    result = {**_summary(ctx), "warnings": warnings}
    ImportJob.objects.filter(pk=job.pk, workspace=workspace).update(
        dry_run_result=result, status=ImportStatus.DRY_RUN, updated_at=timezone.now()
    )
    job.dry_run_result = result
    job.status = ImportStatus.DRY_RUN
    return result


def request_dry_run(workspace: Workspace, job: ImportJob, *, actor: Any) -> ImportJob:
    """Dry-run a small file now; a large one in the background (the page waits for it)."""
    from terakoya.contacts.imports.tasks import run_dry_run
    from terakoya.core.tasks import enqueue

    _require_mapping(workspace, job)
    if job.total_rows <= INLINE_DRY_RUN_ROWS:
        dry_run(workspace, job)
        return job
    if job.status not in (ImportStatus.MAPPED, ImportStatus.DRY_RUN):
        raise ImportError_(_("This import has already started."))
    job.dry_run_result = {"pending": True}
    job.save(update_fields=["dry_run_result", "updated_at"])
    enqueue(run_dry_run, workspace.pk, job.pk)
    return job


@transaction.atomic
def start_import(workspace: Workspace, job: ImportJob, *, actor: Any) -> ImportJob:
    """Queue the import; the task (tasks.run_import) does the work and reports progress."""
    from terakoya.contacts.imports.tasks import run_import
    from terakoya.core.tasks import enqueue

    _require_mapping(workspace, job)
    locked = ImportJob.objects.select_for_update().get(pk=job.pk, workspace=workspace)
    if locked.status not in (ImportStatus.MAPPED, ImportStatus.DRY_RUN):
        raise ImportError_(_("This import has already started."))
    locked.status = ImportStatus.QUEUED
    locked.processed_rows = 0
    if _actor_id(actor):
        locked.created_by_id = _actor_id(actor)
    locked.save(update_fields=["status", "processed_rows", "created_by", "updated_at"])
    enqueue(run_import, workspace.pk, locked.pk, actor_label(actor))
    job.status = locked.status
    return locked


def execute_import(
    workspace: Workspace, job: ImportJob, *, actor: Any = None, progress: Progress | None = None
) -> ImportJob:
    """Do the import, one committed chunk at a time (the task and the CLI call this).

    Safe to run again: every write is an upsert, so a retried job only completes the rest."""
    claimed = ImportJob.objects.filter(
        pk=job.pk,
        workspace=workspace,
        status__in=[
            ImportStatus.QUEUED,
            ImportStatus.MAPPED,
            ImportStatus.DRY_RUN,
            ImportStatus.RUNNING,
        ],
    ).update(status=ImportStatus.RUNNING, started_at=timezone.now(), processed_rows=0)
    if not claimed:
        return job
    job.refresh_from_db()
    if actor is None and job.created_by_id:
        actor = job.created_by
    ctx = _context(workspace, job, write=True, actor=actor)
    cleaner = RowCleaner(job.headers, job.mapping, _region(workspace))
    with translation.override(job.options.get("language")), collector_paused():
        return _run_chunks(workspace, job, ctx, cleaner, actor, progress)


def _run_chunks(
    workspace: Workspace,
    job: ImportJob,
    ctx: loader.LoadContext,
    cleaner: RowCleaner,
    actor: Any,
    progress: Progress | None,
) -> ImportJob:
    processed = 0

    def written(lines: list[int]) -> None:
        nonlocal processed
        if not lines:
            return
        processed += sum(lines)
        ImportJob.objects.filter(pk=job.pk, workspace=workspace).update(
            processed_rows=processed,
            created_count=ctx.counts["created"],
            updated_count=ctx.counts["updated"],
            unchanged_count=ctx.counts["unchanged"],
            error_count=ctx.counts["errors"],
            updated_at=timezone.now(),
        )
        if progress:
            progress(processed, job.total_rows)

    # Chunks hold distinct emails (a repeated one is combined within its chunk, or deferred
    # to _write_combined when its first line was in an earlier chunk), so two chunks never
    # touch the same contact and can be written by two connections at once, each in its own
    # transaction.
    pool: WritePool[int] = WritePool(helper_threads(WRITERS))
    try:
        try:
            for prepared in prefetched(_prepared_chunks(job, cleaner, ctx)):
                plan = loader.classify(ctx, prepared)
                # Committed before the chunk is written, so that the other writer sees them too.
                writer.ensure_tags(ctx, plan)
                written(pool.submit(partial(_write_chunk, ctx, plan, prepared.lines)))
        finally:
            written(pool.close())
        _write_combined(ctx)
    except ImportFileError as exc:
        loader.add_error(ctx, 0, str(exc.message))
        return _finish(workspace, job, ctx, processed, ImportStatus.FAILED, actor)
    except BaseException:
        # The chunks written so far stay; keep what a rollback needs to find the tags this
        # import created (they were committed ahead of the chunks that use them).
        with suppress(DatabaseError):
            ImportJob.objects.filter(pk=job.pk, workspace=workspace).update(result=_result(ctx))
        raise
    if ctx.counts["created"] >= ANALYZE_AFTER:
        writer.refresh_statistics()
    return _finish(workspace, job, ctx, processed, ImportStatus.DONE, actor)


def _write_combined(ctx: loader.LoadContext) -> None:
    """The later lines of emails first seen in an earlier chunk, now that every chunk is
    written: each updates the contact its first line made or matched (tags and grants
    united, blanks filled), set-based like any chunk."""
    prepared = loader.prepare_deferred(ctx)
    if prepared is None:
        return
    plan = loader.classify_deferred(ctx, prepared)
    if not (plan.creates or plan.updates or plan.tag_links or plan.grant_links):
        return
    writer.ensure_tags(ctx, plan)
    # Through a write pool like every chunk: its own transaction on a helper connection
    # (inline inside a caller's transaction).
    pool: WritePool[int] = WritePool(helper_threads(1))
    try:
        pool.submit(partial(_write_chunk, ctx, plan, 0))
    finally:
        pool.close()


def _write_chunk(ctx: loader.LoadContext, plan: loader.ChunkPlan, lines: int) -> int:
    writer.write(ctx, plan)
    return lines


@transaction.atomic
def _finish(
    workspace: Workspace,
    job: ImportJob,
    ctx: loader.LoadContext,
    processed: int,
    status: str,
    actor: Any,
) -> ImportJob:
    job.status = status
    job.processed_rows = processed
    job.total_rows = max(job.total_rows, processed)
    job.created_count = ctx.counts["created"]
    job.updated_count = ctx.counts["updated"]
    job.unchanged_count = ctx.counts["unchanged"]
    job.error_count = ctx.counts["errors"]
    job.errors = ctx.errors[:MAX_STORED_ERRORS]
    job.result = _result(ctx)
    job.finished_at = timezone.now()
    job.save()
    if status == ImportStatus.DONE and (ctx.counts["created"] or ctx.counts["updated"]):
        # New contacts and filled names or phones make new likely duplicates: refresh the
        # "Possible duplicates" list now rather than at the next daily run.
        from terakoya.contacts.merge.tasks import compute_duplicate_suggestions
        from terakoya.core.tasks import enqueue

        enqueue(compute_duplicate_suggestions, workspace.pk)
    record_event(
        workspace,
        verb="contacts.imported",
        actor=actor,
        subject=job.original_name,
        data={"import": job.public_id, "status": status, **ctx.counts},
    )
    return job


def mark_failed(workspace: Workspace, job_id: int, message: str) -> None:
    ImportJob.objects.filter(pk=job_id, workspace=workspace).exclude(
        status__in=[ImportStatus.DONE, ImportStatus.ROLLED_BACK]
    ).update(status=ImportStatus.FAILED, finished_at=timezone.now(), errors=[[0, message]])


# --- Status and errors ------------------------------------------------------------------------


def import_status(job: ImportJob) -> dict[str, Any]:
    total = job.total_rows or 0
    return {
        "id": job.public_id,
        "status": job.status,
        "file": job.original_name,
        "total_rows": total,
        "processed_rows": job.processed_rows,
        "percent": int(100 * job.processed_rows / total) if total else 0,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "errors": job.error_count,
        # Later lines of an email already in the file, combined with its first line.
        "combined": (job.result or {}).get("counts", {}).get("combined", 0),
        "combined_samples": (job.result or {}).get("samples", {}).get("combined", []),
        "finished": job.status
        in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.ROLLED_BACK),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def error_rows(job: ImportJob, limit: int | None = None) -> Iterator[tuple[int, str, list[str]]]:
    """(line, message, original cells) for each failed line, in file order."""
    messages: dict[int, str] = {}
    general = []
    for line, message in job.errors:
        if line:
            messages.setdefault(int(line), message)
        else:
            general.append(message)
    for message in general:
        yield 0, message, []
    if not messages:
        return
    if not job.file:
        # The file is gone (see purge_old_files): the messages remain, the cells do not.
        for line in sorted(messages):
            yield line, messages[line], []
        return
    count = 0
    with job.file.open("rb") as raw:
        try:
            for line, cells in iter_rows(raw, job.encoding):
                if line in messages:
                    yield line, messages[line], cells
                    count += 1
                    if limit is not None and count >= limit:
                        return
        except ImportFileError:
            return


def _neutralize(value: str) -> str:
    """Spreadsheet formula injection: a leading = + - @ makes Excel evaluate the cell."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def errors_csv(job: ImportJob) -> str:
    """The failed lines with their original columns and an error column, ready to fix and
    upload again (the error column is ignored on re-upload)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*job.headers, _("Import error")])
    width = len(job.headers)
    for _line, message, cells in error_rows(job):
        padded = (cells + [""] * width)[:width]
        writer.writerow([*(_neutralize(c) for c in padded), _neutralize(localize(message))])
    return out.getvalue()


# --- Rollback ---------------------------------------------------------------------------------


def _typed_number(value: str) -> str:
    """ "1,234", "１２３４" or " 1234 " as typed → "1234"."""
    return "".join(unicodedata.normalize("NFKC", value or "").replace(",", "").split())


def request_rollback(
    workspace: Workspace, job: ImportJob, *, confirmation: str, actor: Any
) -> dict[str, int] | None:
    """Roll an import back once the number of contacts it would move to the trash has been
    typed (rollback.rollback_plan, the same plan the preview page shows).

    A small import is rolled back now (returns the summary); a large one in the background
    (returns None; the job shows "Rolling back" until it is done)."""
    from terakoya.contacts.imports.tasks import run_rollback
    from terakoya.core.tasks import enqueue

    if job.workspace_id != workspace.pk:
        raise ImportError_(_("This import does not exist."))
    if job.status not in (ImportStatus.DONE, ImportStatus.FAILED):
        raise ImportError_(_("Only a finished import can be rolled back."))
    plan = rollback.rollback_plan(workspace, job, samples=False)
    if _typed_number(confirmation) != str(plan.remove):
        raise ImportError_(
            _("To confirm, type the number of contacts that will be moved to the trash: %(n)s.")
            % {"n": plan.remove}
        )
    if job.created_count + job.updated_count <= INLINE_ROLLBACK_ROWS:
        return rollback_import(workspace, job, actor=actor, expected_removals=plan.remove)
    with transaction.atomic():
        claimed = ImportJob.objects.filter(
            pk=job.pk, workspace=workspace, status__in=[ImportStatus.DONE, ImportStatus.FAILED]
        ).update(status=ImportStatus.ROLLING_BACK, updated_at=timezone.now())
        if not claimed:
            raise ImportError_(_("Only a finished import can be rolled back."))
        enqueue(run_rollback, workspace.pk, job.pk, _actor_id(actor))
    job.status = ImportStatus.ROLLING_BACK
    return None


@transaction.atomic
def rollback_import(
    workspace: Workspace, job: ImportJob, *, actor: Any, expected_removals: int | None = None
) -> dict[str, int]:
    """Undo what this import added, and only that (see contacts.imports.rollback):

    - its contacts that nothing else has touched since go to the trash (30 days to restore);
      the others stay;
    - the tags and grants it added come off every contact, and the tags it created go
      when no contact carries them any more.
    Blanks it filled on existing contacts stay (they were empty before, nothing is lost).
    With `expected_removals` (what the person confirming was shown) the rollback refuses to
    run if the plan has changed since."""
    if job.workspace_id != workspace.pk:
        raise ImportError_(_("This import does not exist."))
    locked = ImportJob.objects.select_for_update().get(pk=job.pk, workspace=workspace)
    if locked.status not in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.ROLLING_BACK):
        raise ImportError_(_("Only a finished import can be rolled back."))
    plan = rollback.rollback_plan(workspace, locked, samples=False)
    if expected_removals is not None and plan.remove != expected_removals:
        raise ImportError_(
            _("This import's contacts changed while you were looking. Check the numbers again.")
        )
    now = timezone.now()
    trashed = rollback.removable_contacts(workspace, locked).update(deleted_at=now, updated_at=now)
    grants_removed, _d = Grant.objects.filter(workspace=workspace, import_job=locked).delete()
    tags_removed, _d = ContactTag.objects.filter(workspace=workspace, import_job=locked).delete()
    tag_ids = locked.result.get("created_tag_ids", []) if locked.result else []
    Tag.objects.filter(workspace=workspace, pk__in=tag_ids).exclude(
        contact_tags__isnull=False
    ).delete()
    summary = {
        "contacts": trashed,
        "kept": plan.keep,
        "tags": tags_removed,
        "grants": grants_removed,
    }
    locked.status = ImportStatus.ROLLED_BACK
    locked.rolled_back_at = now
    locked.result = {**(locked.result or {}), "rollback": {**plan.as_dict(), "removed": trashed}}
    locked.save(update_fields=["status", "rolled_back_at", "result", "updated_at"])
    record_event(
        workspace,
        verb="contacts.import_rolled_back",
        actor=actor,
        subject=locked.original_name,
        data={"import": locked.public_id, **summary, "kept_reasons": plan.as_dict()["reasons"]},
    )
    job.status = locked.status
    job.result = locked.result
    return summary


# --- Retention --------------------------------------------------------------------------------


def purge_old_files(*, now: Any = None) -> int:
    """Delete the uploaded files of imports that ended (or were abandoned) FILE_KEEP_DAYS ago.

    The job stays, with its counts, error messages and rollback; only the file's own cells
    are gone (the errors CSV then lists line numbers and messages)."""
    from datetime import timedelta

    from django.db.models import Q

    cutoff = (now or timezone.now()) - timedelta(days=FILE_KEEP_DAYS)
    ended = Q(finished_at__lt=cutoff)
    abandoned = Q(
        finished_at__isnull=True,
        updated_at__lt=cutoff,
        status__in=[ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.DRY_RUN],
    )
    jobs = ImportJob.objects.with_scopes_disabled().exclude(file="").filter(ended | abandoned)
    purged = 0
    for job in jobs[:500]:
        name, storage = job.file.name, job.file.storage
        with transaction.atomic():
            ImportJob.objects.with_scopes_disabled().filter(pk=job.pk).update(file="")
            # The file goes only once the job no longer points at it.
            transaction.on_commit(partial(storage.delete, name))
        purged += 1
    return purged
