from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from terakoya.contacts.names import display_name
from terakoya.contacts.search import search_text
from terakoya.core.models import WorkspaceOwned


class ConsentState(models.TextChoices):
    SUBSCRIBED = "subscribed", _("Subscribed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    NEVER_SUBSCRIBED = "never_subscribed", _("Never subscribed")


class UnsubscribeReason(models.TextChoices):
    MANUAL = "manual", _("Unsubscribed by staff")
    OPTED_OUT = "opted_out", _("Opted out")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINT = "complaint", _("Spam complaint")


class CreatedVia(models.TextChoices):
    MANUAL = "manual", _("Added by staff")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    SIGNUP = "signup", _("Signup")
    PURCHASE = "purchase", _("Purchase")


NOTE_MAX_LENGTH = 10_000


def normalize_email(value: str) -> str:
    return (value or "").strip().lower()


# The import loads these tables a million rows at a time, and every index and foreign-key check
# is paid per row. So they carry no index that a composite one already covers (created_at is
# served by contact_ws_newest, contact_id and tag_id by the two composite ContactTag indexes),
# and the link to the import that wrote a row is a plain column without a database foreign key:
# it is a log entry (SET NULL when the job goes, which Django's collector does), not integrity.
# The links that are integrity (contact → workspace, tag → contact and tag, consent event →
# contact and actor) are checked once per statement instead of per row: no database foreign
# key, but the triggers of core.link_checks, installed by migrations (see _links.py there).
def _import_job_link(*, indexed: bool = True) -> Any:
    return models.ForeignKey(
        "contact_imports.ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=indexed,
    )


def _workspace_link(*, indexed: bool = True, checked: bool = True) -> Any:
    """WorkspaceOwned.workspace with the index or the database check left out where the
    loading cost is not worth it (see above)."""
    return models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("workspace"),
        db_index=indexed,
        db_constraint=checked,
    )


class Contact(WorkspaceOwned):
    """A person known to a workspace; email is unique per workspace (normalized)."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Every contact index starts with the workspace, so no index of its own.
    workspace = _workspace_link(indexed=False, checked=False)  # checked by a link trigger
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
    # Free text staff keep about the contact (an import's "note" column, Ghost's for one).
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    consent_state = models.CharField(
        _("marketing email"),
        max_length=20,
        choices=ConsentState.choices,
        default=ConsentState.NEVER_SUBSCRIBED,
    )
    # Only set while unsubscribed; the full story is in ConsentEvent.
    unsubscribe_reason = models.CharField(
        max_length=12, choices=UnsubscribeReason.choices, blank=True
    )
    created_via = models.CharField(
        max_length=10, choices=CreatedVia.choices, default=CreatedVia.MANUAL
    )
    # Unindexed: only a rollback looks contacts up by import, and it can afford a scan of the
    # workspace's contacts more than every import can afford one more index.
    import_job = _import_job_link(indexed=False)
    # Folded email, name in both orders, phone forms and alternate emails (contacts.search):
    # the one column substring search runs on.
    search_text = models.TextField(blank=True, editable=False)
    # Bulk delete moves contacts to the trash; they can be restored for 30 days.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("contact")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"], name="contact_email_per_workspace"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="contact_ws_newest"),
            # The list's "sort by name" at a million contacts. Email and id are left out on
            # purpose: PostgreSQL finishes the order with an incremental sort of each name's
            # few rows, and the index is a fraction of the size to keep up to date on import.
            models.Index(fields=["workspace", "last_name", "first_name"], name="contact_ws_name"),
            # The trash and its purge: only trashed contacts are in it, so imports never touch it.
            models.Index(
                fields=["workspace", "deleted_at"],
                condition=models.Q(deleted_at__isnull=False),
                name="contact_ws_trash",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name as every page, email, export and the API show it (see contacts.names),
        else the email."""
        return display_name(self.first_name, self.last_name) or self.email

    def name_for(self, language: str) -> str:
        """Kept for callers that pass the reader's language: the order depends on the name,
        not on the language (see contacts.names)."""
        return self.display_name

    def preferred_language(self, workspace_default: str) -> str:
        return self.language or workspace_default

    def build_search_text(self) -> str:
        """See contacts.search: email, the name in both orders, phone forms, alternate emails."""
        alternates: list[str] = []
        if self.pk is not None:
            # contact_merge.AlternateEmail, read without a scope (saves happen outside one too).
            model = self._meta.get_field("alternate_emails").related_model
            alternates = list(
                model._base_manager.filter(contact_id=self.pk)  # type: ignore[union-attr]
                .order_by("email")
                .values_list("email", flat=True)
            )
        return search_text(self.email, self.first_name, self.last_name, self.phone, alternates)

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = self.build_search_text()
        update_fields: Any = kwargs.get("update_fields")
        if update_fields is not None and "search_text" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_text"]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Address(WorkspaceOwned):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="JP")
    region = models.CharField(_("prefecture / state"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)

    class Meta:
        verbose_name = _("address")
        ordering = ["-is_default", "created_at"]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.line1, self.city, self.region, self.country) if p)


class Tag(WorkspaceOwned):
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("tag")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="tag_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name


class ContactTag(WorkspaceOwned):
    """A tag on a contact; remembers which import added it so a rollback removes only that."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # A copy of contact.workspace for scoping; the link triggers check that the contact and
    # the tag are in this same workspace, so it needs no check of its own. Nor an index: every
    # query also names the contact or the tag, whose indexes serve it.
    workspace = _workspace_link(indexed=False, checked=False)
    # A tag on a contact is never addressed on its own (the API and pages name the contact and
    # the tag), so it has no public id: one unique index less to fill, 1.75 million times per
    # million imported contacts.
    public_id = None  # type: ignore[assignment]
    contact = models.ForeignKey(
        Contact,
        on_delete=models.CASCADE,
        related_name="contact_tags",
        db_index=False,
        db_constraint=False,  # checked by a link trigger
    )
    tag = models.ForeignKey(
        Tag,
        on_delete=models.CASCADE,
        related_name="contact_tags",
        db_index=False,
        db_constraint=False,  # checked by a link trigger
    )
    import_job = _import_job_link()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "tag"], name="one_tag_per_contact")
        ]
        indexes = [models.Index(fields=["tag", "contact"], name="contacttag_tag_contact")]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.contact_id}"


class ConsentMethod(models.TextChoices):
    STAFF_CREATE = "staff_create", _("Staff added the contact with consent")
    IMPORT = "import", _("Imported with consent")
    STAFF_UNSUBSCRIBE = "staff_unsubscribe", _("Staff unsubscribed")
    DOUBLE_OPT_IN_REQUESTED = "doi_requested", _("Confirmation email sent")
    DOUBLE_OPT_IN_CONFIRMED = "doi_confirmed", _("Contact confirmed by email")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
    PREFERENCES = "preferences", _("Contact's notification settings")
    BOUNCE = "bounce", _("Email bounced")
    COMPLAINT = "complaint", _("Spam complaint")
    API = "api", _("API")
    MERGE = "merge", _("Contacts merged")
    SIGNUP = "signup", _("Signup form")


class ConsentEvent(WorkspaceOwned):
    """The marketing-consent ledger: one row per change (or request), never edited."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Link triggers check contact (in this same workspace) and actor_user; see ContactTag.
    workspace = _workspace_link(checked=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="consent_events", db_constraint=False
    )
    from_state = models.CharField(max_length=20, choices=ConsentState.choices)
    to_state = models.CharField(max_length=20, choices=ConsentState.choices)
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    reason = models.CharField(max_length=12, choices=UnsubscribeReason.choices, blank=True)
    source = models.CharField(_("where consent came from"), max_length=300, blank=True)
    wording = models.TextField(_("wording shown"), blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state} ({self.method})"


class Segment(WorkspaceOwned):
    """A saved filter of the contacts list."""

    name = models.CharField(_("name"), max_length=120)
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="segment_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name


class DoubleOptInToken(WorkspaceOwned):
    """A re-subscribe confirmation link: stored hashed, single use, expiring."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="opt_in_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    requested_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"opt-in for {self.contact_id}"


class BulkStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BulkJob(WorkspaceOwned):
    """One bulk action on contacts: what, on which filter, and how far it got."""

    action = models.CharField(max_length=20)
    params = models.JSONField(default=dict, blank=True)
    selection = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=BulkStatus.choices, default=BulkStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    affected = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, int(self.processed * 100 / self.total))
