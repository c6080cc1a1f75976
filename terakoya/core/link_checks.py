"""Set-based foreign keys for the link tables bulk jobs fill by the million.

A PostgreSQL foreign key checks each inserted row on its own: one internal query per row and
key. For a contact import that writes 1.75 million contact–tag rows, those checks were a third
of the whole import. A link declared here instead has no database foreign key
(`db_constraint=False` on the Django field) and these triggers keep the same guarantees:

- PostgreSQL: after each INSERT or UPDATE *statement* on the child, one query over the
  statement's new rows (a transition table) locks their parents FOR KEY SHARE, as a foreign key
  does, then refuses the statement if any parent is missing. After each DELETE statement on the
  parent, one statement applies the field's on_delete to the children still pointing at the
  deleted rows (CASCADE or SET NULL; Django has normally removed them already, but a flush or
  a hand-written DELETE has not, and a link committed concurrently is caught). Parent ids cannot
  change, nor can a link that is not `movable`. The app runs in READ COMMITTED: each check
  sees what other transactions committed, and the locks make a concurrent delete wait (or, if
  it committed first, the parent missing).
- SQLite: a row trigger does the same checks (SQLite's own foreign keys are per row anyway).

Both also require the parent to be in the child's workspace when `same_workspace` is set, which
a foreign key cannot say: a tag of one workspace can never be put on a contact of another.

A violation raises SQLSTATE 23503 (PostgreSQL) or a constraint error (SQLite), which Django
raises as IntegrityError, as it would for a foreign key.
"""

# Table and column names in the SQL below come from the Link declarations in migrations.
# ruff: noqa: S608
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PG_FUNCTIONS = [
    r"""
CREATE OR REPLACE FUNCTION terakoya_link_parents_exist() RETURNS trigger
LANGUAGE plpgsql
-- One index probe per distinct parent, whatever the parent table's size (a hash join would
-- read the whole table for every statement); no JIT compile for a query this short.
SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off
AS $fn$
DECLARE
    link_column text := TG_ARGV[0];
    parent text := TG_ARGV[1];
    same_workspace boolean := TG_ARGV[2]::boolean;
    workspace_match text := CASE WHEN same_workspace
                                 THEN ' AND p.workspace_id = w.workspace_id' ELSE '' END;
    unmatched bigint;
    missing bigint;
BEGIN
    -- Every distinct (parent, workspace) wanted must match a parent, which is locked FOR KEY
    -- SHARE as a foreign key would: it cannot be deleted before this transaction ends.
    EXECUTE format(
        'WITH wanted AS (SELECT DISTINCT n.%2$I AS id%4$s FROM new_rows n '
        '                WHERE n.%2$I IS NOT NULL), '
        '     held AS (SELECT p.id FROM wanted w JOIN %1$I p ON p.id = w.id%3$s '
        '              FOR KEY SHARE OF p) '
        'SELECT (SELECT count(*) FROM wanted) - (SELECT count(*) FROM held)',
        parent, link_column, workspace_match,
        CASE WHEN same_workspace THEN ', n.workspace_id' ELSE '' END)
        INTO unmatched;
    IF unmatched > 0 THEN
        EXECUTE format(
            'SELECT w.%2$I FROM new_rows w WHERE w.%2$I IS NOT NULL AND NOT EXISTS '
            '(SELECT 1 FROM %1$I p WHERE p.id = w.%2$I%3$s) LIMIT 1',
            parent, link_column, workspace_match)
            INTO missing;
        RAISE EXCEPTION 'insert or update on table "%" violates its link to "%"',
            TG_TABLE_NAME, parent
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (%s)=(%s) is not present in table "%s"%s.',
                                  link_column, missing, parent,
                                  CASE WHEN same_workspace
                                       THEN ' in the same workspace' ELSE '' END);
    END IF;
    RETURN NULL;
END
$fn$
""",
    r"""
CREATE OR REPLACE FUNCTION terakoya_link_parent_deleted() RETURNS trigger
LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off
AS $fn$
DECLARE
    child text := TG_ARGV[0];
    link_column text := TG_ARGV[1];
BEGIN
    IF TG_ARGV[2] = 'SET NULL' THEN
        EXECUTE format('UPDATE %1$I c SET %2$I = NULL '
                       'WHERE c.%2$I IN (SELECT o.id FROM old_rows o)', child, link_column);
    ELSE
        EXECUTE format('DELETE FROM %1$I c WHERE c.%2$I IN (SELECT o.id FROM old_rows o)',
                       child, link_column);
    END IF;
    RETURN NULL;
END
$fn$
""",
    r"""
CREATE OR REPLACE FUNCTION terakoya_link_fixed() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'column "%" of table "%" cannot change', TG_ARGV[0], TG_TABLE_NAME
        USING ERRCODE = 'foreign_key_violation';
END
$fn$
""",
]


@dataclass(frozen=True)
class Link:
    """child.column points at parent.id (both tables have a bigint `id`; with same_workspace
    both have a workspace_id too)."""

    child: str
    column: str
    parent: str
    same_workspace: bool = False
    # False: the column never changes once the row exists (checked per row, which costs
    # nothing for the updates that leave it alone); True: updates are checked like inserts.
    movable: bool = True
    on_delete: str = "CASCADE"  # or "SET NULL": the Django field's on_delete, in the database

    @property
    def name(self) -> str:
        return f"{self.child}_{self.column}_link"


def _pg_sql(link: Link) -> list[str]:
    args = f"'{link.column}', '{link.parent}', '{str(link.same_workspace).lower()}'"
    name = link.name
    events = ("INSERT", "UPDATE") if link.movable else ("INSERT",)
    statements = [
        f"CREATE TRIGGER {name}_{event.lower()} AFTER {event} ON {link.child} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION terakoya_link_parents_exist({args})"
        for event in events
    ]
    if not link.movable:
        statements.append(_pg_fixed(f"{name}_update", link.child, link.column))
    return [
        *statements,
        f"CREATE TRIGGER {name}_parent_delete AFTER DELETE ON {link.parent} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION terakoya_link_parent_deleted('{link.child}', '{link.column}', "
        f"'{link.on_delete}')",
        _pg_fixed(f"{name}_parent_id", link.parent, "id"),
    ]


def _pg_fixed(name: str, table: str, column: str) -> str:
    return (
        f"CREATE TRIGGER {name} BEFORE UPDATE OF {column} ON {table} FOR EACH ROW "
        f"WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) "
        f"EXECUTE FUNCTION terakoya_link_fixed('{column}')"
    )


def _sqlite_sql(link: Link) -> list[str]:
    name = link.name
    workspace = " AND p.workspace_id = NEW.workspace_id" if link.same_workspace else ""
    refuse = "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END"
    missing = (
        f"NEW.{link.column} IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {link.parent} p WHERE p.id = NEW.{link.column}{workspace})"
    )
    if link.on_delete == "SET NULL":
        on_delete = f"UPDATE {link.child} SET {link.column} = NULL WHERE {link.column} = OLD.id"
    else:
        on_delete = f"DELETE FROM {link.child} WHERE {link.column} = OLD.id"
    if link.movable:
        columns = f"{link.column}, workspace_id" if link.same_workspace else link.column
        update = f"BEFORE UPDATE OF {columns} ON {link.child} WHEN {missing}"
    else:
        update = (
            f"BEFORE UPDATE OF {link.column} ON {link.child} "
            f"WHEN OLD.{link.column} IS NOT NEW.{link.column}"
        )
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name}_insert BEFORE INSERT ON {link.child} "
        f"WHEN {missing} {refuse}",
        f"CREATE TRIGGER IF NOT EXISTS {name}_update {update} {refuse}",
        f"CREATE TRIGGER IF NOT EXISTS {name}_parent_delete AFTER DELETE ON {link.parent} "
        f"BEGIN {on_delete}; END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_parent_id BEFORE UPDATE OF id ON {link.parent} "
        f"WHEN OLD.id IS NOT NEW.id {refuse}",
    ]


def install(schema_editor: Any, links: list[Link]) -> None:
    """Create the triggers of `links` (a migration's RunPython). On SQLite, run it again after
    any migration that rebuilds one of the tables: a rebuild drops the table's triggers."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in PG_FUNCTIONS:
            # params=None: the bodies hold format()'s %I and %s, which are not parameters.
            schema_editor.execute(sql, params=None)
        for link in links:
            for sql in _pg_sql(link):
                schema_editor.execute(sql)
    elif vendor == "sqlite":
        for link in links:
            for sql in _sqlite_sql(link):
                schema_editor.execute(sql)


def uninstall(schema_editor: Any, links: list[Link]) -> None:
    vendor = schema_editor.connection.vendor
    for link in links:
        suffixes = ("insert", "update", "parent_delete", "parent_id")
        for suffix in suffixes:
            table = link.parent if suffix.startswith("parent") else link.child
            on = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {link.name}_{suffix}{on}")
