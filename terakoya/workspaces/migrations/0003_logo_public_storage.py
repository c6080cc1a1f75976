"""The workspace logo names the public storage (the default storage is now private). The files
stay where they are, in MEDIA_ROOT/logos/; their URL becomes MEDIA_URL (/media/public/) + name."""

from django.db import migrations, models

import terakoya.core.private_files


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0002_workspace_country"),
    ]

    operations = [
        # storage and upload_to live in Python only: no SQL (SQLite would rebuild the table).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="workspace",
                    name="logo",
                    field=models.ImageField(
                        blank=True,
                        storage=terakoya.core.private_files.public_storage,
                        upload_to="logos/",
                        verbose_name="logo",
                    ),
                ),
            ],
        ),
    ]
