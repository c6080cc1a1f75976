# Table and column names in the SQL below are constants of this module; values are parameters.
# ruff: noqa: S608
"""Reading and classifying an import, one chunk of lines at a time (writing: imports.writer).

prepare() does the per-row work that needs no database (it runs in the parsing thread, see
core.prefetch); classify() compares the chunk with the database. The same classification
(create / update / unchanged / error) serves the dry run and the real import, so the dry-run
counts are the import's counts. The design and its measurements:
docs/decisions/0003-contact-import-loading.md.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from terakoya.contacts.imports.parsing import CleanRow, search_text_for
from terakoya.contacts.merge.queries import alternate_email_map, alternate_emails_by_contact
from terakoya.contacts.models import (
    ConsentState,
)
from terakoya.contacts.search import with_alternate_emails
from terakoya.core.ids import ordered_public_ids, reserve_ticks

SAMPLE_SIZE = 5
FILL_FIELDS = ("first_name", "last_name", "phone", "language", "note")


@dataclass
class LoadContext:
    workspace_id: int
    job_id: int | None
    write: bool
    offer_ids: list[int] = field(default_factory=list)
    extra_tags: list[str] = field(default_factory=list)
    consent_source: str = ""  # non-empty: the consent column may subscribe NEW contacts
    actor_id: int | None = None
    actor_label: str = ""
    workspace_empty: bool = False
    # Read once in the calling thread: prepare() runs in a helper thread and must not touch
    # the database connection.
    postgres: bool = False
    seen: dict[str, int] = field(default_factory=dict)
    # Later lines of an email whose first line was in an earlier chunk: written after every
    # chunk (see services._write_combined), so two connections never write one contact.
    deferred: list[CleanRow] = field(default_factory=list)
    tag_ids: dict[str, int] = field(default_factory=dict)
    created_tag_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "errors": 0,
            "combined": 0,
        }
    )
    samples: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            "created": [],
            "updated": [],
            "unchanged": [],
            "errors": [],
            "combined": [],
        }
    )
    errors: list[list[Any]] = field(default_factory=list)


def _sample(ctx: LoadContext, kind: str, item: dict[str, Any]) -> None:
    if len(ctx.samples[kind]) < SAMPLE_SIZE:
        ctx.samples[kind].append(item)


def add_error(ctx: LoadContext, line: int, message: str, email: str = "") -> None:
    ctx.counts["errors"] += 1
    ctx.errors.append([line, message])
    _sample(ctx, "errors", {"line": line, "email": email, "error": message})


# --- Reading what exists -------------------------------------------------------------------------


def in_list(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(values))]


def _existing(ctx: LoadContext, emails: list[str]) -> dict[str, tuple[Any, ...]]:
    if ctx.workspace_empty or not emails:
        return {}
    cond, params = in_list("email", emails)
    # No row locks here: most rows of a re-import are unchanged, and locking a million rows
    # would write a million tuples. Rows that will be updated are locked and re-checked in
    # _lock_updates() just before the write.
    columns = "SELECT email, id, first_name, last_name, phone, language, deleted_at, email, note "
    sql = f"{columns}FROM contacts_contact WHERE workspace_id = %s AND {cond}"
    with connection.cursor() as cur:
        cur.execute(sql, [ctx.workspace_id, *params])
        found = {r[0]: r[1:] for r in cur.fetchall()}
        # An email merged away into another contact (an alternate email) matches that contact,
        # so a re-import after a merge never brings the duplicate back.
        missing = [e for e in emails if e not in found]
        merged_into = alternate_email_map(ctx.workspace_id, missing) if missing else {}
        if merged_into:
            cond, params = in_list("id", sorted(set(merged_into.values())))
            cur.execute(f"{columns}FROM contacts_contact WHERE {cond}", params)
            by_id = {r[1]: r[1:] for r in cur.fetchall()}
            for alt_email, contact_id in merged_into.items():
                if contact_id in by_id:
                    found[alt_email] = by_id[contact_id]
    return found


def _existing_links(ctx: LoadContext, ids: list[int]) -> tuple[dict[int, set[str]], set[tuple]]:
    tags: dict[int, set[str]] = {}
    grants: set[tuple[int, int]] = set()
    if not ids:
        return tags, grants
    with connection.cursor() as cur:
        cond, params = in_list("ct.contact_id", ids)
        cur.execute(
            "SELECT ct.contact_id, t.name FROM contacts_contacttag ct "
            f"JOIN contacts_tag t ON t.id = ct.tag_id WHERE {cond}",
            params,
        )
        for contact_id, name in cur.fetchall():
            tags.setdefault(contact_id, set()).add(name)
        if ctx.offer_ids:
            cond, params = in_list("contact_id", ids)
            cond2, params2 = in_list("offer_id", ctx.offer_ids)
            cur.execute(
                "SELECT contact_id, offer_id FROM catalog_grant "
                f"WHERE {cond} AND {cond2} AND revoked_at IS NULL",
                params + params2,
            )
            grants = {(r[0], r[1]) for r in cur.fetchall()}
    return tags, grants


# --- Classification ------------------------------------------------------------------------------


@dataclass
class ChunkPlan:
    creates: list[tuple[Any, ...]] = field(default_factory=list)  # staging rows
    updates: list[tuple[Any, ...]] = field(
        default_factory=list
    )  # (id, first, last, phone, lang, search, note)
    tag_links: list[tuple[str, str]] = field(default_factory=list)  # (email, tag name)
    # Names of the tags the new contacts carry (each staged row holds its own list; see
    # _tag_list), and the new rows already in COPY format when prepare() could make them.
    new_tag_names: set[str] = field(default_factory=set)
    new_tag_count: int = 0
    creates_insert: list[tuple[Any, ...]] = field(default_factory=list)  # in_insert_order
    creates_copy: bytes | None = None
    grant_links: list[tuple[str, int]] = field(default_factory=list)  # (email, offer id)
    existing_ids: dict[str, int] = field(default_factory=dict)  # email → id of existing contacts
    # id → (first, last, phone, language, note) as read, to detect a concurrent edit before
    # updating
    read_values: dict[int, tuple[str, str, str, str, str]] = field(default_factory=dict)
    subscribed: int = 0


@dataclass
class Prepared:
    """One chunk's valid rows with all the per-row work that needs no database done. It is
    built in the thread that parses the file while the previous chunk is being written."""

    rows: list[CleanRow] = field(default_factory=list)
    tags: list[list[str]] = field(default_factory=list)  # the file's tags plus the import's
    # Each row's staging tuple should it be new: (public_id, tick, email, first_name,
    # last_name, phone, language, consent_state, search_text, tags, note); see STAGING.
    new_rows: list[tuple[Any, ...]] = field(default_factory=list)
    new_rows_insert: list[tuple[Any, ...]] = field(default_factory=list)  # in_insert_order
    new_rows_copy: bytes | None = None  # new_rows_insert in PostgreSQL's COPY text format
    tag_names: set[str] = field(default_factory=set)
    tag_count: int = 0
    subscribed: int = 0
    lines: int = 0  # lines of the file in this chunk, good or not


def prepare(ctx: LoadContext, rows: list[CleanRow]) -> Prepared:
    """Set aside bad lines (as errors), combine repeated emails, precompute the rest. No
    database.

    A later line of an email already seen (emails are lower-cased, so JOHN@… repeats john@…)
    is combined with the first: tags united, blank fields filled. Within the chunk that is done
    here; a first line in an earlier chunk leaves it in ctx.deferred."""
    prepared = Prepared(lines=len(rows))
    good = prepared.rows
    in_chunk: dict[str, CleanRow] = {}
    for row in rows:
        if row.error:
            add_error(ctx, row.line, row.error, row.email)
            continue
        first_line = ctx.seen.get(row.email)
        if first_line is not None:
            ctx.counts["combined"] += 1
            _sample(ctx, "combined", {"line": row.line, "email": row.email, "first": first_line})
            first = in_chunk.get(row.email)
            if first is None:
                ctx.deferred.append(row)
            else:
                combine_rows(first, row)
            continue
        ctx.seen[row.email] = row.line
        in_chunk[row.email] = row
        good.append(row)
    return _precompute(ctx, prepared)


def combine_rows(first: CleanRow, later: CleanRow) -> None:
    """Fill `first`'s blanks from `later` and add `later`'s tags (in place)."""
    for name in FILL_FIELDS:
        if not getattr(first, name) and getattr(later, name):
            setattr(first, name, getattr(later, name))
    for tag in later.tags:
        if tag not in first.tags:
            first.tags.append(tag)
    first.consent = first.consent or later.consent


def prepare_deferred(ctx: LoadContext) -> Prepared | None:
    """The deferred later lines, one per email (combined among themselves), ready to classify
    once every chunk is written: their contact then exists and they become updates."""
    if not ctx.deferred:
        return None
    by_email: dict[str, CleanRow] = {}
    for row in ctx.deferred:
        if row.email in by_email:
            combine_rows(by_email[row.email], row)
        else:
            by_email[row.email] = row
    ctx.deferred = []
    prepared = Prepared(rows=list(by_email.values()))
    return _precompute(ctx, prepared)


def classify_deferred(ctx: LoadContext, prepared: Prepared) -> ChunkPlan:
    """classify() for prepare_deferred()'s rows: they were counted as combined already, so
    only their errors are counted."""
    # The first lines are written: the workspace is no longer empty for these emails.
    ctx.workspace_empty = False
    counts = dict(ctx.counts)
    samples = {k: list(v) for k, v in ctx.samples.items()}
    plan = classify(ctx, prepared)
    for kind in ("created", "updated", "unchanged"):
        ctx.counts[kind] = counts[kind]
        ctx.samples[kind] = samples[kind]
    return plan


def _precompute(ctx: LoadContext, prepared: Prepared) -> Prepared:
    good = prepared.rows
    start = reserve_ticks(len(good))
    public_ids = ordered_public_ids(start, len(good))
    subscribed, never = ConsentState.SUBSCRIBED.value, ConsentState.NEVER_SUBSCRIBED.value
    for i, row in enumerate(good):
        tags = list(row.tags)
        for tag in ctx.extra_tags:
            if tag not in tags:
                tags.append(tag)
        prepared.tags.append(tags)
        prepared.tag_names.update(tags)
        prepared.tag_count += len(tags)
        state = subscribed if ctx.consent_source and row.consent else never
        prepared.subscribed += state == subscribed
        prepared.new_rows.append(
            (
                public_ids[i],
                start + i,
                row.email,
                row.first_name,
                row.last_name,
                row.phone,
                row.language,
                state,
                search_text_for(row.email, row.first_name, row.last_name, row.phone),
                _tag_list(tags, postgres=ctx.postgres),
                row.note,
            )
        )
    if ctx.write:
        prepared.new_rows_insert = in_insert_order(prepared.new_rows)
        if ctx.postgres:
            prepared.new_rows_copy = copy_text(prepared.new_rows_insert)
    return prepared


def in_insert_order(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """New contacts' staging tuples in the order they are inserted (by email), with their public
    ids re-dealt to ascend in that order too. Ids are drawn in the same order, so the id and
    public-id indexes grow at their right edge, where the B-tree appends without searching,
    and the email index page by page; created_at (the tick) keeps the file's order."""
    ordered = sorted(rows, key=itemgetter(2))
    public_ids = sorted(row[0] for row in rows)
    return [(pid, *row[1:]) for pid, row in zip(public_ids, ordered, strict=True)]


# str.split() (which cleans tag names) treats the unit separator as whitespace, so no tag
# can contain it.
TAG_SEPARATOR = "\x1f"


def _tag_list(tags: list[str], *, postgres: bool) -> str:
    """A row's tags in one staged column: split by string_to_array on PostgreSQL, by
    json_each on SQLite (which has no string splitting)."""
    if postgres:
        return TAG_SEPARATOR.join(tags)
    return json.dumps(tags, ensure_ascii=False)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(rows: Sequence[Sequence[Any]]) -> bytes:
    """Rows in PostgreSQL's COPY text format. Made in the parsing thread, so the thread that
    talks to the database only hands the bytes over (psycopg formats row by row, in Python)."""
    # Cleaned values almost never hold a character COPY must escape (whitespace is normalized),
    # so the chunk is joined as is and checked once; escaping value by value is the fallback.
    if not any(None in row for row in rows):
        text = "\n".join(["\t".join(map(str, row)) for row in rows])
        if not (
            "\\" in text
            or "\r" in text
            or text.count("\n") != len(rows) - 1
            or text.count("\t") != sum(len(row) - 1 for row in rows)
        ):
            return (text + "\n").encode() if rows else b""
    lines = []
    for row in rows:
        fields = []
        for value in row:
            if value is None:
                fields.append("\\N")
            elif isinstance(value, str):
                fields.append(value.translate(_COPY_ESCAPES))
            else:
                fields.append(str(value))
        lines.append("\t".join(fields))
    lines.append("")
    return "\n".join(lines).encode()


def _created_sample(row: CleanRow, tags: list[str], state: str) -> dict[str, Any]:
    return {
        "line": row.line,
        "email": row.email,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "tags": tags,
        "subscribed": state == ConsentState.SUBSCRIBED,
    }


def classify(ctx: LoadContext, prepared: Prepared) -> ChunkPlan:
    """Split a prepared chunk into creates, updates and unchanged rows against the database."""
    plan = ChunkPlan()
    good = prepared.rows
    existing = _existing(ctx, [r.email for r in good])
    ids = [v[0] for v in existing.values() if v[5] is None]
    tags_by_contact, active_grants = _existing_links(ctx, ids)
    if not existing:
        # Every row is new (always so for the first import into a workspace): no per-row work.
        plan.creates = prepared.new_rows
        plan.creates_insert = prepared.new_rows_insert
        plan.creates_copy = prepared.new_rows_copy
        plan.subscribed = prepared.subscribed
        plan.new_tag_names = prepared.tag_names
        plan.new_tag_count = prepared.tag_count
        ctx.counts["created"] += len(good)
        for row, tags, new in zip(good[:SAMPLE_SIZE], prepared.tags, plan.creates, strict=False):
            _sample(ctx, "created", _created_sample(row, tags, new[7]))
        return plan
    for row, tags, new in zip(good, prepared.tags, prepared.new_rows, strict=True):
        found = existing.get(row.email)
        if found is None:
            plan.subscribed += new[7] == ConsentState.SUBSCRIBED
            plan.creates.append(new)
            plan.new_tag_names.update(tags)
            plan.new_tag_count += len(tags)
            ctx.counts["created"] += 1
            _sample(ctx, "created", _created_sample(row, tags, new[7]))
            continue
        contact_id, first, last, phone, language, deleted_at, contact_email, note = found
        plan.existing_ids[row.email] = contact_id
        if deleted_at is not None:
            add_error(
                ctx,
                row.line,
                _("This contact is in the trash. Restore it first, then import this line again."),
                row.email,
            )
            continue
        current = {
            "first_name": first,
            "last_name": last,
            "phone": phone,
            "language": language,
            "note": note,
        }
        fills = {f: getattr(row, f) for f in FILL_FIELDS if not current[f] and getattr(row, f)}
        new_tags = [t for t in tags if t not in tags_by_contact.get(contact_id, set())]
        new_offers = [o for o in ctx.offer_ids if (contact_id, o) not in active_grants]
        if not (fills or new_tags or new_offers):
            ctx.counts["unchanged"] += 1
            _sample(ctx, "unchanged", {"line": row.line, "email": row.email})
            continue
        if fills:
            plan.read_values[contact_id] = (first, last, phone, language, note)
            merged = {**current, **fills}
            plan.updates.append(
                (
                    contact_id,
                    merged["first_name"],
                    merged["last_name"],
                    merged["phone"],
                    merged["language"],
                    search_text_for(
                        contact_email, merged["first_name"], merged["last_name"], merged["phone"]
                    ),
                    merged["note"],
                )
            )
        plan.tag_links.extend((row.email, t) for t in new_tags)
        plan.grant_links.extend((row.email, o) for o in new_offers)
        ctx.counts["updated"] += 1
        _sample(
            ctx,
            "updated",
            {
                "line": row.line,
                "email": row.email,
                "filled": sorted(fills),
                "tags": new_tags,
                "offers": len(new_offers),
            },
        )
    if plan.updates:
        # A contact that others were merged into keeps its alternate emails searchable.
        alternates = alternate_emails_by_contact(ctx.workspace_id, [u[0] for u in plan.updates])
        if alternates:
            plan.updates = [
                (*u[:5], with_alternate_emails(u[5], alternates[u[0]]), *u[6:])
                if u[0] in alternates
                else u
                for u in plan.updates
            ]
    return plan
