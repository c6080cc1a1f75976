"""Import uploads move from the public media root to the private storage, under random names.

Before this, an uploaded CSV lived at MEDIA_ROOT/imports/<name>.csv and anyone could fetch it
from /media/imports/…. Forward, each import's file is copied into the private storage
(TERAKOYA_PRIVATE_ROOT) under a random name and the job is pointed at it; the public copies are
deleted only once the migration has committed, so a migration that fails leaves every job
pointing at a file that exists. Backward moves them back the same way.
Files no import points at (an upload whose transaction was rolled back) are left in
MEDIA_ROOT/imports/; nothing serves that folder any more (docs/operations.md).
"""

from functools import partial

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import migrations, models, transaction

import terakoya.core.private_files


def _move(apps, schema_editor, source: Storage, target: Storage, *, rename: bool) -> None:  # type: ignore[no-untyped-def]
    ImportJob = apps.get_model("contact_imports", "ImportJob")
    jobs = ImportJob._base_manager.exclude(file="").values_list("pk", "file")
    for pk, name in list(jobs.iterator()):
        if not source.exists(name):
            continue  # already moved, or purged after 30 days
        new_name = terakoya.core.private_files.RandomName("imports")(None, name) if rename else name
        with source.open(name, "rb") as handle:
            saved = target.save(new_name, handle)
        ImportJob._base_manager.filter(pk=pk).update(file=saved)
        transaction.on_commit(partial(source.delete, name), using=schema_editor.connection.alias)


def public_to_private(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    public = FileSystemStorage(location=settings.MEDIA_ROOT)
    _move(apps, schema_editor, public, storages["private"], rename=True)


def private_to_public(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    public = FileSystemStorage(location=settings.MEDIA_ROOT)
    _move(apps, schema_editor, storages["private"], public, rename=False)


class Migration(migrations.Migration):
    dependencies = [
        ("contact_imports", "0003_rolling_back_status"),
    ]

    operations = [
        # storage and upload_to live in Python only: no SQL (SQLite would rebuild the table).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="importjob",
                    name="file",
                    field=models.FileField(
                        storage=terakoya.core.private_files.private_storage,
                        upload_to=terakoya.core.private_files.RandomName("imports"),
                    ),
                ),
            ],
        ),
        migrations.RunPython(public_to_private, private_to_public, elidable=False),
    ]
