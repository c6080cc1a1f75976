"""Recompute contacts.search_text in the new form (terakoya.contacts.search): folded with NFKC,
the name in both orders (and without a space for Japanese names), the phone also as national
digits, and the alternate emails of merged contacts.

Chunked by id so that a million contacts never sit in memory at once; works on SQLite (the
FTS5 triggers follow the UPDATEs) and PostgreSQL. Backwards, the old form ("email first last
phone", lower-cased) is written back.
"""

from django.db import migrations

from terakoya.contacts.search import search_text

CHUNK = 2000


def _old_search_text(email, first, last, phone, alternates):
    return " ".join(p for p in (email, first, last, phone) if p).lower()


def _recompute(compute):
    def run(apps, schema_editor):
        Contact = apps.get_model("contacts", "Contact")
        AlternateEmail = apps.get_model("contact_merge", "AlternateEmail")
        contacts = Contact._base_manager.using(schema_editor.connection.alias)
        alternates = AlternateEmail._base_manager.using(schema_editor.connection.alias)
        last_id = 0
        while True:
            rows = list(
                contacts.filter(id__gt=last_id)
                .order_by("id")
                .values_list("id", "email", "first_name", "last_name", "phone", "search_text")[
                    :CHUNK
                ]
            )
            if not rows:
                return
            last_id = rows[-1][0]
            by_contact = {}
            for contact_id, email in (
                alternates.filter(contact_id__in=[r[0] for r in rows])
                .order_by("contact_id", "email")
                .values_list("contact_id", "email")
            ):
                by_contact.setdefault(contact_id, []).append(email)
            changed = []
            for contact_id, email, first, last, phone, old in rows:
                new = compute(email, first, last, phone, by_contact.get(contact_id, []))
                if new != old:
                    changed.append(Contact(id=contact_id, search_text=new))
            if changed:
                contacts.bulk_update(changed, ["search_text"], batch_size=500)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0011_search_text_statistics"),
        ("contact_merge", "0002_drop_match_keys_use_temporary_table"),
    ]

    operations = [
        migrations.RunPython(_recompute(search_text), _recompute(_old_search_text)),
    ]
