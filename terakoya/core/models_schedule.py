from __future__ import annotations

from django.db import models


class ScheduleEntry(models.Model):
    """When each periodic job runs next (global: jobs loop over workspaces themselves)."""

    name = models.CharField(max_length=200, unique=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "core"

    def __str__(self) -> str:
        return self.name
