"""SQLite FTS5 triggers for contact search, shared by the migrations that (re)create them."""

SQLITE_TRIGGERS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS contacts_contact_fts USING fts5("
    "search_text, content='contacts_contact', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS contacts_contact_fts_ai AFTER INSERT ON contacts_contact BEGIN "
    "INSERT INTO contacts_contact_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS contacts_contact_fts_ad AFTER DELETE ON contacts_contact BEGIN "
    "INSERT INTO contacts_contact_fts(contacts_contact_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS contacts_contact_fts_au AFTER UPDATE OF search_text "
    "ON contacts_contact BEGIN "
    "INSERT INTO contacts_contact_fts(contacts_contact_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO contacts_contact_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]


def recreate_sqlite_triggers(apps, schema_editor):
    """On SQLite, altering a foreign key of contacts_contact rebuilds the table, which drops
    its triggers; migrations that do so run this afterwards (the FTS index keeps its ids)."""
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
