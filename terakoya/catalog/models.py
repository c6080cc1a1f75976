from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from terakoya.core.models import WorkspaceOwned


class Offer(WorkspaceOwned):
    """What a contact buys or is granted; it unlocks products (courses, community, downloads)."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)

    class Meta:
        verbose_name = _("offer")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="offer_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name


class GrantSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    IMPORT = "import", _("Import")
    PURCHASE = "purchase", _("Purchase")
    API = "api", _("API")
    BULK = "bulk", _("Bulk action")


class Grant(WorkspaceOwned):
    """One grant of an offer to a contact. Revoking sets revoked_at; the row stays as history."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="grants")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="grants")
    source = models.CharField(
        max_length=12, choices=GrantSource.choices, default=GrantSource.MANUAL
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_by_label = models.CharField(max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_by_label = models.CharField(max_length=200, blank=True)
    import_job = models.ForeignKey(
        "contact_imports.ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # A log of which import granted it, not integrity (see contacts.models).
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("grant")
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one active grant of an offer per contact; history rows are revoked ones.
            models.UniqueConstraint(
                fields=["contact", "offer"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_grant_per_offer",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "offer", "revoked_at"], name="grant_offer_active")
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} → {self.contact_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
