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
