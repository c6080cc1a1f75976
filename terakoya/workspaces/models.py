from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from terakoya.core.models import WorkspaceOwned
from terakoya.core.private_files import public_storage

LANGUAGE_CHOICES = [("ja", _("Japanese")), ("en", _("English"))]
SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
    _("Use 1–40 lowercase letters, digits and hyphens, not starting or ending with a hyphen."),
)
DOMAIN_VALIDATOR = RegexValidator(
    r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$",
    _("Enter a domain name such as learn.example.com (no http://, no path)."),
)
RESERVED_SLUGS = {
    "www",
    "api",
    "dashboard",
    "static",
    "media",
    "admin",
    "mail",
    "app",
    "login",
    "logout",
    "password",
    "i18n",
    "healthz",
}


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone."), code="invalid_time_zone")


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("This address is reserved."), code="reserved_slug")


def validate_country(value: str) -> None:
    import phonenumbers

    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(_("Choose a country from the list."))


class Workspace(models.Model):
    """One creator's business. Global (not scoped): it *is* the scope."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.CharField(
        _("address"),
        max_length=40,
        unique=True,
        validators=[SLUG_VALIDATOR, validate_slug_not_reserved],
        help_text=_("Used in the dashboard URL and in <address>.<base domain>."),
    )
    # The one public upload: served under MEDIA_URL (see core.private_files).
    logo = models.ImageField(_("logo"), upload_to="logos/", storage=public_storage, blank=True)
    default_language = models.CharField(
        _("default language"), max_length=5, choices=LANGUAGE_CHOICES, default="ja"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_time_zone]
    )
    # Phone numbers written without a country code are read as this country's; new addresses
    # start in it. ISO 3166 code, as phonenumbers knows them.
    country = models.CharField(
        _("country"), max_length=2, default="JP", validators=[validate_country]
    )
    custom_domain = models.CharField(
        _("custom domain"),
        max_length=253,
        unique=True,
        null=True,
        blank=True,
        validators=[DOMAIN_VALIDATOR],
    )
    is_default = models.BooleanField(
        _("default workspace"), default=False, help_text=_("Answers on the base host.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("workspace")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_workspace",
            ),
            # Stored normalized (terakoya.workspaces.domains), and unique whatever the case.
            models.UniqueConstraint(Lower("custom_domain"), name="custom_domain_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def host(self) -> str:
        """The host customers use; links in emails are built from this, never from a request."""
        if self.custom_domain:
            return self.custom_domain
        if self.is_default:
            return settings.TERAKOYA_BASE_HOST
        return f"{self.slug}.{settings.TERAKOYA_BASE_DOMAIN}"

    @property
    def public_url(self) -> str:
        port = settings.TERAKOYA_BASE_PORT
        if self.custom_domain:
            return f"{settings.TERAKOYA_PUBLIC_SCHEME}://{self.custom_domain}"
        suffix = f":{port}" if port else ""
        return f"{settings.TERAKOYA_PUBLIC_SCHEME}://{self.host}{suffix}"

    def absolute_url(self, path: str) -> str:
        return self.public_url + path


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    SUPPORT = "support", _("Support agent")


class Membership(WorkspaceOwned):
    """A staff user's role in one workspace."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.ADMIN)

    class Meta:
        verbose_name = _("membership")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace_id} ({self.role})"

    @property
    def can_manage_settings(self) -> bool:
        from terakoya.workspaces.permissions import can  # the matrix imports Role from here

        return can(self.role, "settings.change")
