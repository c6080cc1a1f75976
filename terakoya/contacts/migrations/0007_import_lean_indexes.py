"""Fewer per-row costs for bulk loading: no indexes that composite ones cover, no database
foreign key from a row to the import that wrote it, and (PostgreSQL) no `_like` pattern index
on public_id, which is only ever compared for equality.

On SQLite, changing a foreign key rebuilds contacts_contact, which drops its triggers; the
FTS5 triggers are created again (the FTS index itself is keyed by the unchanged ids)."""

import django.db.models.deletion
from django.db import migrations, models

from terakoya.contacts.migrations import _search_index

LIKE_INDEXED = ["contact", "contacttag", "consentevent"]


def drop_public_id_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in LIKE_INDEXED:
        model = apps.get_model("contacts", name)
        index = schema_editor._create_index_name(
            model._meta.db_table, ["public_id"], suffix="_like"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")


class Migration(migrations.Migration):

    dependencies = [
        ('contact_imports', '0003_rolling_back_status'),
        ('contacts', '0006_contact_name_sort_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='consentevent',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='contact',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='contact',
            name='import_job',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contact_imports.importjob'),
        ),
        migrations.AlterField(
            model_name='contacttag',
            name='contact',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='contact_tags', to='contacts.contact'),
        ),
        migrations.AlterField(
            model_name='contacttag',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='contacttag',
            name='import_job',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contact_imports.importjob'),
        ),
        migrations.AlterField(
            model_name='contacttag',
            name='tag',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='contact_tags', to='contacts.tag'),
        ),
        migrations.AlterField(
            model_name='contacttag',
            name='workspace',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='workspaces.workspace', verbose_name='workspace'),
        ),
        migrations.RunPython(drop_public_id_like_indexes, migrations.RunPython.noop),
        migrations.RunPython(_search_index.recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
