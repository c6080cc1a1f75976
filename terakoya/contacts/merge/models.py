"""Merge journal, alternate emails and duplicate suggestions (docs/architecture.md, section 8)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terakoya.core.models import WorkspaceOwned

UNDO_DAYS = 30


class MergeStatus(models.TextChoices):
    MERGED = "merged", _("Merged")
    UNDONE = "undone", _("Undone")
    PURGED = "purged", _("Journal purged")


class Merge(WorkspaceOwned):
    """One merge and its journal. The primary is referenced by id (not a foreign key) so the
    journal outlives the contacts it describes and never needs a merge policy of its own."""

    primary_contact_id = models.BigIntegerField(db_index=True)
    primary_public_id = models.CharField(max_length=24)
    primary_email = models.EmailField()
    # [{"id", "public_id", "email", "name"}] of the merged-away contacts (display only;
    # the full rows are in the journal entries).
    merged_contacts = models.JSONField(default=list)
    field_choices = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=MergeStatus.choices, default=MergeStatus.MERGED)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by_label = models.CharField(max_length=200, blank=True)
    undo_result = models.JSONField(default=dict, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contact merge")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="merge_ws_newest")]

    def __str__(self) -> str:
        return f"merge into {self.primary_email}"

    @property
    def undo_until(self) -> datetime:
        return self.created_at + timedelta(days=UNDO_DAYS)

    @property
    def can_undo(self) -> bool:
        return self.status == MergeStatus.MERGED and timezone.now() < self.undo_until


class EntryOp(models.TextChoices):
    REPOINT = "repoint", _("Moved to the merged contact")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Removed (kept in the journal)")
    DISCARD = "discard", _("Removed for good")
    CREATE = "create", _("Created")


class MergeEntry(WorkspaceOwned):
    """One journaled change: enough to put the row back exactly as it was."""

    merge = models.ForeignKey(Merge, on_delete=models.CASCADE, related_name="entries")
    seq = models.PositiveIntegerField()
    op = models.CharField(max_length=8, choices=EntryOp.choices)
    model_label = models.CharField(max_length=100)
    object_pk = models.CharField(max_length=40)
    field = models.CharField(max_length=100, blank=True)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    # The serialized row (django.core.serializers "json" format) for deleted rows.
    row = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["merge", "seq"]
        indexes = [models.Index(fields=["merge", "seq"], name="mergeentry_merge_seq")]

    def __str__(self) -> str:
        return f"{self.op} {self.model_label}#{self.object_pk}"


class AlternateEmail(WorkspaceOwned):
    """An email a merged-away contact had: a later import or signup with it finds `contact`."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="alternate_emails"
    )
    email = models.EmailField(_("email"))
    merge = models.ForeignKey(
        Merge, on_delete=models.SET_NULL, null=True, blank=True, related_name="alternate_emails"
    )

    class Meta:
        verbose_name = _("alternate email")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="alternate_email_per_ws")
        ]

    def __str__(self) -> str:
        return self.email


class DuplicateReason(models.TextChoices):
    SAME_PHONE = "same_phone", _("Same phone number")
    NAME_DOMAIN = "name_domain", _("Same name and email domain")
    EMAIL_VARIANT = "email_variant", _("Same email written differently")
    JA_NAME = "ja_name", _("Same name in kana/kanji")


class DuplicateSuggestion(WorkspaceOwned):
    """A likely pair (contact_a.id < contact_b.id), recomputed by a background task."""

    contact_a = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    contact_b = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_a", "contact_b"], name="one_suggestion_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_a_id} ~ {self.contact_b_id}"


class DismissedPair(WorkspaceOwned):
    """Staff said these two are different people: never suggest them again."""

    contact_a = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    contact_b = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    dismissed_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact_a", "contact_b"], name="one_dismissal_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_a_id} ≠ {self.contact_b_id}"


class SuggestionRun(WorkspaceOwned):
    """When suggestions were last computed for a workspace, and how long it took."""

    finished_at = models.DateTimeField(null=True, blank=True)
    contacts = models.PositiveIntegerField(default=0)
    pairs = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"suggestions run {self.pk}"
