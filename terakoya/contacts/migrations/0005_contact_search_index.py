"""Substring search over contacts_contact.search_text.

PostgreSQL: a pg_trgm GIN index, so `search_text LIKE '%q%'` uses it.
SQLite: an FTS5 trigram external-content table kept current by triggers, so every insert
path (including set-based import SQL) keeps it in sync.
"""

from django.db import migrations

from terakoya.contacts.migrations import _search_index

SQLITE_FORWARD = [
    *_search_index.SQLITE_TRIGGERS,
    "INSERT INTO contacts_contact_fts(contacts_contact_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS contacts_contact_fts_ai",
    "DROP TRIGGER IF EXISTS contacts_contact_fts_ad",
    "DROP TRIGGER IF EXISTS contacts_contact_fts_au",
    "DROP TABLE IF EXISTS contacts_contact_fts",
]
PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS contact_search_trgm ON contacts_contact "
    "USING gin (search_text gin_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS contact_search_trgm",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0004_optin_tokens_bulk_jobs"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        ),
    ]
