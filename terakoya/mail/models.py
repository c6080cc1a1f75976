from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from terakoya.core.models import WorkspaceOwned


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(WorkspaceOwned):
    """One rendered email, written in the caller's transaction and sent by a task."""

    kind = models.CharField(max_length=80, db_index=True)
    to_email = models.EmailField()
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    language = models.CharField(max_length=5)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # While `sending`: the worker holding the message must finish by then, else the sweep puts
    # it back in the queue (same Message-ID, so a receiving server can drop a duplicate).
    lease_until = models.DateTimeField(null=True, blank=True)
    # The subject and bodies above hold placeholders where the email has secrets (links,
    # codes, temporary passwords): `secret_slots` lists them (placeholder, state lookup) and
    # `sealed_secrets` holds their values encrypted until delivery (terakoya.mail.secrets).
    secret_slots = models.JSONField(default=list, blank=True)
    sealed_secrets = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_email} ({self.status})"
