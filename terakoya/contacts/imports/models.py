from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from terakoya.core.models import WorkspaceOwned
from terakoya.core.private_files import RandomName, private_storage


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    MAPPED = "mapped", _("Columns mapped")
    DRY_RUN = "dry_run", _("Checked")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    ROLLING_BACK = "rolling_back", _("Rolling back")
    ROLLED_BACK = "rolled_back", _("Rolled back")


class ImportJob(WorkspaceOwned):
    """One CSV import: the file, its mapping, the dry-run result, progress and outcome."""

    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    # Private: a random name in the private storage, downloaded only through the dashboard
    # (views.download_file); original_name is what the person called it.
    file = models.FileField(upload_to=RandomName("imports"), storage=private_storage)
    original_name = models.CharField(max_length=255, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    # Another platform's export recognised from its headers ("kajabi", "ghost"), or "".
    preset = models.CharField(max_length=20, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    dry_run_result = models.JSONField(default=dict, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [[line, message], …]: the cells are read again from the file for the errors CSV.
    errors = models.JSONField(default=list, blank=True)
    # Samples of each outcome and the ids of tags this import created (for rollback).
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contact import")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or self.public_id
