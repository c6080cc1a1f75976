"""The contacts tables' links checked per statement (core.link_checks), shared by the
migrations that install them or rebuild one of their tables."""

from terakoya.contacts.migrations._search_index import SQLITE_TRIGGERS
from terakoya.core.link_checks import Link, install, uninstall

LINKS = [
    Link("contacts_contact", "workspace_id", "workspaces_workspace", movable=False),
    Link("contacts_contacttag", "contact_id", "contacts_contact", same_workspace=True),
    Link("contacts_contacttag", "tag_id", "contacts_tag", same_workspace=True),
    Link("contacts_consentevent", "contact_id", "contacts_contact", same_workspace=True),
    Link("contacts_consentevent", "actor_user_id", "staff_user", on_delete="SET NULL"),
]


def install_links(apps, schema_editor):
    """Install the link checks; on SQLite also recreate the search triggers, which a rebuild of
    contacts_contact drops (run it after any migration that rebuilds one of these tables)."""
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
    install(schema_editor, LINKS)


def uninstall_links(apps, schema_editor):
    uninstall(schema_editor, LINKS)
