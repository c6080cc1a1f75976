"""Base models every workspace-owned model inherits (docs/architecture.md, rule 1)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from terakoya.core.ids import new_public_id


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class WorkspaceOwned(TimestampedModel):
    """A row that belongs to exactly one workspace, reachable only inside that workspace's scope."""

    workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("workspace"),
    )
    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)

    objects = ScopedManager(workspace="workspace")

    class Meta:
        abstract = True


from terakoya.core.models_schedule import ScheduleEntry  # noqa: E402,F401
