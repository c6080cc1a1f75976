from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from terakoya.core.models import WorkspaceOwned

LOCKOUT_THRESHOLD = 100


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
    # Consecutive failed password logins, durable: at LOCKOUT_THRESHOLD password login stops
    # until a reset, a staff unlock or a login by email code.
    failed_logins = models.PositiveIntegerField(default=0)
    # The E.164 number the customer proved they own (login codes go only to this number,
    # and only while it is still the contact's phone).
    verified_phone = models.CharField(max_length=20, blank=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer account")

    def __str__(self) -> str:
        return f"account of contact {self.contact_id}"

    @property
    def is_locked(self) -> bool:
        return self.failed_logins >= LOCKOUT_THRESHOLD

    @property
    def sms_phone(self) -> str:
        """The number login codes may go to: verified and still the contact's phone."""
        phone = self.verified_phone
        return phone if phone and phone == self.contact.phone else ""

    @property
    def has_usable_password(self) -> bool:
        from django.contrib.auth.hashers import is_password_usable

        return bool(self.password) and is_password_usable(self.password)


class TokenPurpose(models.TextChoices):
    PASSWORD_RESET = "reset", _("Password reset link")
    LOGIN_LINK = "login_link", _("Sign-in link")
    LOGIN_CODE = "login_code", _("Sign-in code")
    PHONE_VERIFY = "phone_verify", _("Phone verification code")


class LoginToken(WorkspaceOwned):
    """A single-use secret sent to a customer; only its keyed hash is stored."""

    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=16, choices=TokenPurpose.choices)
    token_hash = models.CharField(max_length=64, db_index=True)
    # A link and a code sent in the same email share a batch: using one ends the other.
    batch = models.CharField(max_length=32, blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    # Where a sign-in link leads after its confirm page (a same-site path), so the link works
    # in a browser that never saw the request.
    next_url = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("login token")
        indexes = [models.Index(fields=["account", "purpose", "used_at"], name="token_active")]

    def __str__(self) -> str:
        return f"{self.purpose} token of account {self.account_id}"


class LoginMethod(models.TextChoices):
    PASSWORD = "password", _("Password")
    EMAIL_LINK = "email_link", _("Email link")
    EMAIL_CODE = "email_code", _("Email code")
    SMS_CODE = "sms_code", _("SMS code")
    RESET = "reset", _("Password reset")


class LoginAttempt(WorkspaceOwned):
    """One sign-in attempt, kept for the contact's login activity page."""

    account = models.ForeignKey(
        CustomerAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="attempts"
    )
    method = models.CharField(max_length=12, choices=LoginMethod.choices)
    succeeded = models.BooleanField(default=False)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("login attempt")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="attempt_account_newest")]

    def __str__(self) -> str:
        return f"{self.method} {'ok' if self.succeeded else 'failed'}"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class SmsMessage(WorkspaceOwned):
    """One text message, stored in the caller's transaction and sent by a task."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=80)
    to_phone = models.CharField(max_length=20)
    # Emptied once sent: the code inside must not outlive its delivery.
    body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    provider_id = models.CharField(max_length=80, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_phone} ({self.status})"


class LoginSettings(WorkspaceOwned):
    """The creator's choices for customer login (one row per workspace, created on demand)."""

    allow_password = models.BooleanField(_("Password"), default=True)
    allow_email_code = models.BooleanField(_("Email link and 6-digit code"), default=True)
    allow_sms_code = models.BooleanField(
        _("Also send the code by SMS to a verified phone"), default=True
    )
    reset_link_minutes = models.PositiveIntegerField(
        _("Reset link valid for (minutes)"), default=60
    )
    # {"ja": {"login_heading": "…", …}, "en": {…}}
    text_overrides = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("customer login settings")
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="one_login_settings_per_workspace")
        ]

    def __str__(self) -> str:
        return f"login settings of workspace {self.workspace_id}"
