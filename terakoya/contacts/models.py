from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from terakoya.core.models import WorkspaceOwned


class ConsentState(models.TextChoices):
    SUBSCRIBED = "subscribed", _("Subscribed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    NEVER_SUBSCRIBED = "never_subscribed", _("Never subscribed")


def normalize_email(value: str) -> str:
    return (value or "").strip().lower()


class Contact(WorkspaceOwned):
    """A person known to a workspace; email is unique per workspace (normalized)."""

    email = models.EmailField(_("email"), max_length=254)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164"))
    language = models.CharField(
        _("language"),
        max_length=5,
        blank=True,
        choices=[("ja", _("Japanese")), ("en", _("English"))],
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    consent_state = models.CharField(
        _("marketing email"),
        max_length=20,
        choices=ConsentState.choices,
        default=ConsentState.NEVER_SUBSCRIBED,
    )

    class Meta:
        verbose_name = _("contact")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="contact_email_per_workspace")
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return full or self.email

    def name_for(self, language: str) -> str:
        """Japanese order is family name first."""
        parts = (self.last_name, self.first_name) if language == "ja" else (self.first_name, self.last_name)
        return " ".join(p for p in parts if p) or self.email

    def preferred_language(self, workspace_default: str) -> str:
        return self.language or workspace_default
