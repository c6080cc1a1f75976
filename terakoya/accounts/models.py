from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from terakoya.core.models import WorkspaceOwned


class CustomerAccount(WorkspaceOwned):
    """The credentials and login state of one contact (not a Django user: per-workspace)."""

    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, related_name="account"
    )
    password = models.CharField(max_length=256, blank=True)
    must_change_password = models.BooleanField(default=False)
    # Bumped whenever every session must end (password change, "log out everywhere").
    session_epoch = models.PositiveIntegerField(default=0)
    last_login_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("customer account")

    def __str__(self) -> str:
        return f"account of contact {self.contact_id}"

    @property
    def has_usable_password(self) -> bool:
        from django.contrib.auth.hashers import is_password_usable

        return bool(self.password) and is_password_usable(self.password)
