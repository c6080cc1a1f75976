"""A contact's note: free text staff keep about them (filled by an import's note column, such
as Ghost's). SQLite rebuilds contacts_contact to add a column, so the link checks and search
triggers that name the table are taken off first and put back after (see _links)."""

from django.db import migrations, models

from terakoya.contacts.migrations import _links


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0012_search_text_folded_names_phones"),
    ]

    operations = [
        migrations.RunPython(_links.uninstall_links, _links.install_links),
        migrations.AddField(
            model_name="contact",
            name="note",
            field=models.TextField(blank=True, max_length=10000, verbose_name="note"),
        ),
        migrations.RunPython(_links.install_links, _links.uninstall_links),
    ]
