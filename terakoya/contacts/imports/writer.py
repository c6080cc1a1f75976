# Table and column names in the SQL below are constants of this module; values are parameters.
# ruff: noqa: S608
"""Writing a classified chunk set-based, in the chunk's transaction.

Rows are staged in temporary tables (PostgreSQL: COPY; SQLite: multi-row INSERT … VALUES)
and moved with INSERT … SELECT; never per-row ORM saves. New contacts and their tags, grants
and consent events are written in SQL from the staged rows (one statement on PostgreSQL).
The FTS5 triggers (SQLite) and the trigram GIN index (PostgreSQL) keep every row
search-ready.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from terakoya.catalog.models import Grant, GrantSource
from terakoya.contacts.imports.loader import ChunkPlan, LoadContext, in_insert_order, in_list
from terakoya.contacts.models import (
    ConsentEvent,
    ConsentMethod,
    ConsentState,
    Contact,
    ContactTag,
    CreatedVia,
    Tag,
)
from terakoya.core.ids import ordered_public_ids, reserve_ticks
from terakoya.core.write_pool import WritePool, helper_threads


def _tick_time_sql(column: str) -> str:
    """created_at from a microsecond tick (core.ids.reserve_ticks): distinct and in file order,
    so "newest first" walks an index instead of sorting thousands of equal timestamps."""
    if connection.vendor == "postgresql":
        return f"timestamptz 'epoch' + {column} * interval '1 microsecond'"
    # Django's SQLite format for datetimes: "YYYY-MM-DD HH:MM:SS.ffffff" in UTC.
    return (
        f"strftime('%%Y-%%m-%%d %%H:%%M:%%S', {column} / 1000000, 'unixepoch') "
        f"|| printf('.%%06d', {column} %% 1000000)"
    )


def _column_defaults(
    model: type[models.Model], given: dict[str, tuple[str, list[Any]]]
) -> tuple[list[str], list[str], list[Any]]:
    """Columns, SQL expressions and params for an INSERT … SELECT into `model`.

    `given` maps column → (expression, params); every other column gets its model default,
    so a field added to the model later does not break the import."""
    cols: list[str] = []
    exprs: list[str] = []
    params: list[Any] = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.column in given:
            expr, p = given[f.column]
        else:
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif f.blank and isinstance(f, (models.CharField, models.TextField)):
                value = ""
            else:
                raise ImproperlyConfigured(f"import cannot fill {model.__name__}.{f.name}")
            expr, p = "%s", [f.get_db_prep_save(value, connection)]
        cols.append(connection.ops.quote_name(f.column))
        exprs.append(expr)
        params.extend(p)
    return cols, exprs, params


def _ensure_tags(ctx: LoadContext, names: Iterable[str]) -> None:
    missing = sorted({n for n in names if n not in ctx.tag_ids})
    if not missing:
        return
    for start in range(0, len(missing), 500):
        batch = missing[start : start + 500]
        found = dict(
            Tag.objects.filter(workspace_id=ctx.workspace_id, name__in=batch).values_list(
                "name", "id"
            )
        )
        new = [Tag(workspace_id=ctx.workspace_id, name=n) for n in batch if n not in found]
        if new:
            Tag.objects.bulk_create(new, ignore_conflicts=True)
            created = dict(
                Tag.objects.filter(
                    workspace_id=ctx.workspace_id, name__in=[t.name for t in new]
                ).values_list("name", "id")
            )
            ctx.created_tag_ids.extend(created.values())
            found.update(created)
        ctx.tag_ids.update(found)


def ensure_tags(ctx: LoadContext, plan: ChunkPlan) -> None:
    """Create the tags the chunk names that do not exist yet (before write())."""
    if not ctx.write:
        return
    _ensure_tags(ctx, (t for _e, t in plan.tag_links))
    _ensure_tags(ctx, plan.new_tag_names)


def write(ctx: LoadContext, plan: ChunkPlan) -> None:
    if not ctx.write:
        return
    _write_rows(ctx, plan, timezone.now())


def _contact_insert_parts(ctx: LoadContext, now_sql: Any) -> tuple[list[str], list[str], list[Any]]:
    return _column_defaults(
        Contact,
        {
            "workspace_id": ("%s", [ctx.workspace_id]),
            "public_id": ("s.public_id", []),
            "created_at": (_tick_time_sql("s.tick"), []),
            "updated_at": ("%s", [now_sql]),
            "email": ("s.email", []),
            "first_name": ("s.first_name", []),
            "last_name": ("s.last_name", []),
            "phone": ("s.phone", []),
            "language": ("s.language", []),
            "consent_state": ("s.consent_state", []),
            "created_via": ("%s", [CreatedVia.IMPORT.value]),
            "import_job_id": ("%s", [ctx.job_id]),
            "search_text": ("s.search_text", []),
            "note": ("s.note", []),
        },
    )


def _link_parts(
    ctx: LoadContext,
    model: type[models.Model],
    now_sql: Any,
    extra: dict[str, tuple[str, list[Any]]],
    count: int | None = None,
) -> tuple[list[str], list[str], list[Any]]:
    """Columns for a link row (tag, grant, consent event) to a contact. With `count` the rows
    are for new contacts and get their public ids in SQL, the contact's id being `s.id` (the
    staged row's, PostgreSQL) or `n.id` (the inserted row's, SQLite); without, they come from
    a staging table `s` that carries contact_id and public_id."""
    contact: dict[str, tuple[str, list[Any]]] = {}
    if count is not None:
        contact["contact_id"] = ("s.id" if connection.vendor == "postgresql" else "n.id", [])
    return _column_defaults(
        model,
        {
            "workspace_id": ("%s", [ctx.workspace_id]),
            **_public_ids(model, count),
            "created_at": ("%s", [now_sql]),
            "updated_at": ("%s", [now_sql]),
            **extra,
            **contact,
        },
    )


def _public_ids(model: type[models.Model], count: int | None) -> dict[str, tuple[str, list[Any]]]:
    if not any(f.column == "public_id" for f in model._meta.concrete_fields):
        return {}
    return {"public_id": ("s.public_id", []) if count is None else _server_public_ids(count)}


def _consent_parts(
    ctx: LoadContext, now_sql: Any, count: int | None = None
) -> tuple[list[str], list[str], list[Any]]:
    return _link_parts(
        ctx,
        ConsentEvent,
        now_sql,
        {
            "contact_id": ("s.contact_id", []),
            "from_state": ("%s", [ConsentState.NEVER_SUBSCRIBED.value]),
            "to_state": ("%s", [ConsentState.SUBSCRIBED.value]),
            "method": ("%s", [ConsentMethod.IMPORT.value]),
            "source": ("%s", [ctx.consent_source[:300]]),
            "actor_user_id": ("%s", [ctx.actor_id]),
            "actor_label": ("%s", [ctx.actor_label[:200]]),
        },
        count,
    )


def _grant_parts(
    ctx: LoadContext, now_sql: Any, offer_expr: str, count: int | None = None
) -> tuple[list[str], list[str], list[Any]]:
    return _link_parts(
        ctx,
        Grant,
        now_sql,
        {
            "contact_id": ("s.contact_id", []),
            "offer_id": (offer_expr, []),
            "source": ("%s", [GrantSource.IMPORT.value]),
            "granted_by_id": ("%s", [ctx.actor_id]),
            "granted_by_label": ("%s", [ctx.actor_label[:200]]),
            "import_job_id": ("%s", [ctx.job_id]),
        },
        count,
    )


def _tag_parts(
    ctx: LoadContext, now_sql: Any, tag_expr: str, count: int | None = None
) -> tuple[list[str], list[str], list[Any]]:
    return _link_parts(
        ctx,
        ContactTag,
        now_sql,
        {
            "contact_id": ("s.contact_id", []),
            "tag_id": (tag_expr, []),
            "import_job_id": ("%s", [ctx.job_id]),
        },
        count,
    )


STAGING = {
    "import_stage_new": "public_id text, tick bigint, email text, first_name text, "
    "last_name text, phone text, language text, consent_state text, search_text text, "
    "tags text, note text",
    "import_stage_upd": "id bigint, first_name text, last_name text, phone text, "
    "language text, search_text text, note text",
    "import_stage_tag": "contact_id bigint, tag_id bigint",
    "import_stage_grant": "public_id text, contact_id bigint, offer_id bigint",
}


# On PostgreSQL each staged new contact draws its id from the contacts' own sequence as it is
# copied in, so its tags, grants and consent events are written straight from the stage,
# without finding the new rows again by email (two sorts of the chunk by email).
PG_STAGE_IDS = {"import_stage_new": "contacts_contact"}


def _pg_stage_id_column(cur: Any, table: str) -> str | None:
    if table not in PG_STAGE_IDS:
        return None
    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [PG_STAGE_IDS[table]])
    (sequence,) = cur.fetchone()
    # The sequence's name is resolved here once; in the default it would be per row.
    return f"id bigint DEFAULT nextval('{sequence}'::regclass)"


def _stage(
    cur: Any, table: str, rows: Iterable[Sequence[Any]], copy_data: bytes | None = None
) -> None:
    """Fill a temporary staging table: COPY on PostgreSQL (of `copy_data` when the rows are
    already in COPY format), multi-row INSERT … VALUES on SQLite."""
    columns = ", ".join(c.split()[0] for c in STAGING[table].split(", "))
    if connection.vendor == "postgresql":
        definition = ", ".join(filter(None, [_pg_stage_id_column(cur, table), STAGING[table]]))
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({definition}) ON COMMIT DELETE ROWS")
        # Empty already unless the caller's own transaction wrote an earlier chunk (tests).
        cur.execute(f"DELETE FROM {table}")
        with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            if copy_data is not None:
                copy.write(copy_data)
            else:
                for row in rows:
                    copy.write_row(row)
    else:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({STAGING[table]})")
        cur.execute(f"DELETE FROM {table}")
        # Multi-row INSERT … VALUES, as many rows per statement as SQLite takes parameters.
        # Not executemany: it gives up and retakes the GIL for every row, and with the parsing
        # thread busy each retake waits. Not a JSON array either: json_extract parses the row
        # again for every column (a third of the SQLite import).
        width = columns.count(",") + 1
        per_statement = max(1, _sqlite_max_parameters() // width)
        row = "(" + ", ".join(["?"] * width) + ")"
        pending = list(rows)
        raw = cur.cursor
        for start in range(0, len(pending), per_statement):
            batch = pending[start : start + per_statement]
            raw.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(batch))}",
                [value for staged in batch for value in staged],
            )


def _sqlite_max_parameters() -> int:
    limit: int = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return limit


def _link(
    cur: Any,
    stage: str,
    table: str,
    verb: str,
    parts: tuple[list[str], list[str], list[Any]],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert link rows (tags, grants) for existing contacts' ids: fill a staging table, then
    one INSERT … SELECT. (New contacts get theirs in _create_contacts.)"""
    if STAGING[stage].startswith("public_id"):
        public_ids = ordered_public_ids(reserve_ticks(len(rows)), len(rows))
        _stage(cur, stage, ((pid, *row) for pid, row in zip(public_ids, rows, strict=True)))
    else:
        _stage(cur, stage, rows)
    cols, exprs, params = parts
    _insert_select(
        cur,
        f"{verb} {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {stage} s",
        params,
    )


def _insert_select(
    cur: Any, sql: str, params: list[Any], *, order: str = "", returning: str = ""
) -> list[Any]:
    """Run an INSERT … SELECT that must skip rows already there (a concurrent edit).

    On PostgreSQL the plain INSERT is tried first in a savepoint: ON CONFLICT makes every row
    a speculative insertion, which measured 10–25 % slower, and conflicts are rare here (the
    rows were classified as new moments ago). Only if one happens is the chunk re-run with
    ON CONFLICT DO NOTHING. SQLite's callers say INSERT OR IGNORE, which costs nothing extra.
    "WHERE true" keeps SQLite from reading ON CONFLICT as part of the FROM clause."""
    order = f" ORDER BY {order}" if order else ""
    returning = f" RETURNING {returning}" if returning else ""
    if connection.vendor != "postgresql":
        cur.execute(f"{sql} WHERE true{order}{returning}", params)
        return cur.fetchall() if returning else []
    try:
        with transaction.atomic():
            cur.execute(f"{sql}{order}{returning}", params)
            return cur.fetchall() if returning else []
    except IntegrityError:
        cur.execute(f"{sql}{order} ON CONFLICT DO NOTHING{returning}", params)
        return cur.fetchall() if returning else []


def _write_rows(ctx: LoadContext, plan: ChunkPlan, now: datetime) -> None:
    now_db = connection.ops.adapt_datetimefield_value(now)
    pg = connection.vendor == "postgresql"
    insert = "INSERT INTO" if pg else "INSERT OR IGNORE INTO"
    ids = dict(plan.existing_ids)
    with connection.cursor() as cur:
        if pg:
            # Bigger in-memory batches for the trigram GIN index and sorts of this transaction.
            cur.execute("SET LOCAL work_mem = '64MB'")
            cur.execute("SET LOCAL gin_pending_list_limit = '32MB'")
        if plan.creates:
            _create_contacts(cur, ctx, plan, now_db)
        updates = _lock_updates(cur, plan)
        if updates:
            _stage(cur, "import_stage_upd", updates)
            target = "c" if pg else "contacts_contact"
            cur.execute(
                f"UPDATE contacts_contact{' c' if pg else ''} SET first_name = s.first_name, "
                "last_name = s.last_name, phone = s.phone, language = s.language, "
                "search_text = s.search_text, note = s.note, updated_at = %s "
                f"FROM import_stage_upd s WHERE {target}.id = s.id "
                f"AND {target}.workspace_id = %s",
                [now_db, ctx.workspace_id],
            )
        tag_rows = [(ids[e], ctx.tag_ids[t]) for e, t in plan.tag_links if e in ids]
        if tag_rows:
            _link(
                cur,
                "import_stage_tag",
                "contacts_contacttag",
                insert,
                _tag_parts(ctx, now_db, "s.tag_id"),
                ("contact_id", "tag_id"),
                tag_rows,
            )
        grant_rows = [(ids[e], o) for e, o in plan.grant_links if e in ids]
        if grant_rows:
            _link(
                cur,
                "import_stage_grant",
                "catalog_grant",
                insert,
                _grant_parts(ctx, now_db, "s.offer_id"),
                ("contact_id", "offer_id"),
                grant_rows,
            )


def _server_public_ids(count: int) -> tuple[str, list[Any]]:
    """SQL for the public ids of up to `count` rows made by one INSERT … SELECT: the same shape
    as core.ids.ordered_public_ids, with the random part from the OS's generator (PostgreSQL:
    bytes passed in; SQLite: randomblob, a ChaCha20 stream seeded by the OS)."""
    start = reserve_ticks(max(count, 1))
    if connection.vendor == "postgresql":
        return (
            "lpad(to_hex(%s::bigint + row_number() OVER ()), 14, '0') || encode(substring("
            "%s::bytea FROM (row_number() OVER () - 1)::int * 5 + 1 FOR 5), 'hex')",
            [start - 1, os.urandom(5 * max(count, 1))],
        )
    return "printf('%%014x', %s + row_number() OVER ()) || lower(hex(randomblob(5)))", [start - 1]


def _create_contacts(cur: Any, ctx: LoadContext, plan: ChunkPlan, now_db: Any) -> None:
    """Insert the chunk's new contacts, then their tags, grants and consent events, all in SQL:
    the new contacts' ids never travel to Python and back."""
    rows = plan.creates_insert or in_insert_order(plan.creates)
    _stage(cur, "import_stage_new", rows, plan.creates_copy)
    contact = _contact_insert_parts(ctx, now_db)
    tags = _tag_parts(ctx, now_db, "t.id", plan.new_tag_count) if plan.new_tag_count else None
    grants = (
        _grant_parts(
            ctx,
            now_db,
            "o.id" if connection.vendor == "postgresql" else "o.value",
            len(plan.creates) * len(ctx.offer_ids),
        )
        if ctx.offer_ids
        else None
    )
    consent = _consent_parts(ctx, now_db, plan.subscribed) if plan.subscribed else None
    if connection.vendor == "postgresql":
        _create_contacts_pg(cur, ctx, contact, tags, grants, consent)
    else:
        _create_contacts_sqlite(cur, ctx, contact, tags, grants, consent)


Parts = tuple[list[str], list[str], list[Any]]


def _insert_sql(table: str, parts: Parts, source: str) -> tuple[str, list[Any]]:
    cols, exprs, params = parts
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {source}",
        params,
    )


def _create_contacts_pg(
    cur: Any,
    ctx: LoadContext,
    contact: Parts,
    tags: Parts | None,
    grants: Parts | None,
    consent: Parts | None,
) -> None:
    """One statement: the new contacts, and from the same staged rows (whose ids were drawn
    as they were staged) their tags, grants and consent events."""
    cols, exprs, params = contact
    contact = (["id", *cols], ["s.id", *exprs], params)

    def statement(conflict: bool) -> tuple[str, list[Any]]:
        # After a conflict some staged rows were not inserted: link only those that were.
        source = "import_stage_new s" + (" JOIN new n ON n.id = s.id" if conflict else "")
        links: list[str] = []
        link_params: list[Any] = []
        if tags:
            sql, params = _insert_sql(
                "contacts_contacttag",
                tags,
                f"{source} CROSS JOIN unnest(string_to_array(s.tags, chr(31))) AS tg(name) "
                "JOIN contacts_tag t ON t.workspace_id = %s AND t.name = tg.name",
            )
            links.append(f"linked AS ({sql})")
            link_params += [*params, ctx.workspace_id]
        if grants:
            sql, params = _insert_sql(
                "catalog_grant", grants, f"{source} CROSS JOIN unnest(%s) AS o(id)"
            )
            links.append(f"granted AS ({sql})")
            link_params += [*params, ctx.offer_ids]
        if consent:
            sql, params = _insert_sql(
                "contacts_consentevent", consent, f"{source} WHERE s.consent_state = %s"
            )
            links.append(f"consented AS ({sql})")
            link_params += [*params, ConsentState.SUBSCRIBED.value]
        insert, params = _insert_sql("contacts_contact", contact, "import_stage_new s")
        # Staged in email order (loader.in_insert_order), so in id order is in email order.
        on_conflict = " ON CONFLICT DO NOTHING" if conflict else ""
        rest = "".join(f", {link}" for link in links)
        return (
            f"WITH new AS ({insert} ORDER BY s.id{on_conflict} RETURNING id){rest} SELECT 1",
            [*params, *link_params],
        )

    try:
        with transaction.atomic():
            cur.execute(*statement(conflict=False))
    except IntegrityError:
        # Someone added one of these emails meanwhile: skip it (ON CONFLICT is only paid now,
        # it makes every row a speculative insertion, 10–25 % slower).
        cur.execute(*statement(conflict=True))


def _create_contacts_sqlite(
    cur: Any,
    ctx: LoadContext,
    contact: Parts,
    tags: Parts | None,
    grants: Parts | None,
    consent: Parts | None,
) -> None:
    """The same as _create_contacts_pg in steps: SQLite has no INSERT inside WITH. The new
    contacts are found again by email (an index lookup inside the database, no round trip).
    CROSS JOIN makes SQLite loop over the chunk's staged rows and look each contact up, instead
    of a plan that scans the contacts table once per staged row."""
    sql, params = _insert_sql("contacts_contact", contact, "import_stage_new s")
    cur.execute(
        f"{sql.replace('INSERT INTO', 'INSERT OR IGNORE INTO', 1)} WHERE true ORDER BY s.email",
        params,
    )
    created = (
        "import_stage_new s CROSS JOIN contacts_contact n "
        "ON n.workspace_id = %s AND n.email = s.email AND +n.import_job_id = %s"
    )
    if tags:
        sql, params = _insert_sql(
            "contacts_contacttag",
            tags,
            "import_stage_new s CROSS JOIN contacts_contact n ON n.workspace_id = %s "
            "AND n.email = s.email CROSS JOIN json_each(s.tags) tg "
            "CROSS JOIN contacts_tag t ON t.workspace_id = %s AND t.name = tg.value",
        )
        cur.execute(
            f"{sql.replace('INSERT INTO', 'INSERT OR IGNORE INTO', 1)} WHERE true",
            [*params, ctx.workspace_id, ctx.workspace_id],
        )
    if grants:
        sql, params = _insert_sql("catalog_grant", grants, f"{created} CROSS JOIN json_each(%s) o")
        cur.execute(sql, [*params, ctx.workspace_id, ctx.job_id, json.dumps(ctx.offer_ids)])
    if consent:
        sql, params = _insert_sql(
            "contacts_consentevent", consent, f"{created} WHERE n.consent_state = %s"
        )
        cur.execute(sql, [*params, ctx.workspace_id, ctx.job_id, ConsentState.SUBSCRIBED.value])


def _lock_updates(cur: Any, plan: ChunkPlan) -> list[tuple[Any, ...]]:
    """Lock the contacts about to be updated; drop any edited since they were read."""
    if not plan.updates:
        return []
    cond, params = in_list("id", [u[0] for u in plan.updates])
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    cur.execute(
        f"SELECT id, first_name, last_name, phone, language, note FROM contacts_contact "
        f"WHERE {cond}{lock}",
        params,
    )
    now = {r[0]: tuple(r[1:]) for r in cur.fetchall()}
    return [u for u in plan.updates if now.get(u[0]) == plan.read_values.get(u[0])]


def refresh_statistics() -> None:
    """Let the query planner see the new rows right away instead of after autovacuum."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cur:
            cur.execute("PRAGMA optimize")
        return
    # Merge what is left in the trigram index's pending list now: searches scan it row by row
    # until then, and only autovacuum would merge it otherwise. The contacts' ANALYZE (the
    # longest step: search_text samples 500 buckets) runs meanwhile on a second connection.
    pool: WritePool[None] = WritePool(helper_threads(2))
    pool.submit(
        partial(
            _execute,
            "SELECT gin_clean_pending_list('contact_search_trgm'::regclass)",
            "ANALYZE contacts_contacttag",
        )
    )
    pool.submit(partial(_execute, "ANALYZE contacts_contact"))
    pool.close()


def _execute(*statements: str) -> None:
    with connection.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
