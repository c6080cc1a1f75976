"""Every write to workspaces and memberships (docs/architecture.md, rule 2)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from terakoya.activity.services import record_event
from terakoya.staff.models import User
from terakoya.workspaces.domains import clean_custom_domain
from terakoya.workspaces.hosts import forget_custom_domains
from terakoya.workspaces.middleware import forget_hosts
from terakoya.workspaces.models import Membership, Role, Workspace

SETTINGS_FIELDS = ("name", "logo", "default_language", "time_zone", "country", "custom_domain")


@transaction.atomic
def create_workspace(
    *,
    name: str,
    slug: str,
    owner: User,
    default_language: str = "ja",
    time_zone: str = "Asia/Tokyo",
    is_default: bool = False,
    actor: User | None = None,
) -> Workspace:
    workspace = Workspace(
        name=name,
        slug=slug,
        default_language=default_language,
        time_zone=time_zone,
        is_default=is_default,
    )
    workspace.full_clean()
    workspace.save()
    Membership.objects.with_scopes_disabled().create(
        workspace=workspace, user=owner, role=Role.OWNER
    )
    record_event(workspace, verb="workspace.created", actor=actor or owner, data={"slug": slug})
    return workspace


@transaction.atomic
def update_workspace_settings(
    workspace: Workspace, *, actor: User, changes: dict[str, Any]
) -> Workspace:
    changed: dict[str, str | None] = {}
    for field, value in changes.items():
        if field not in SETTINGS_FIELDS:
            raise ValueError(f"not a settings field: {field}")
        if field == "custom_domain":
            # Normalized, and never our own hosts or another workspace's domain.
            value = clean_custom_domain(value, workspace=workspace)
        if field == "logo":
            if value is False:  # the form's "clear" box
                if workspace.logo:
                    workspace.logo = None  # type: ignore[assignment]
                    changed["logo"] = None
                continue
            if value is None or isinstance(value, FieldFile):
                continue  # unchanged
            workspace.logo.save(value.name, value, save=False)
            changed["logo"] = workspace.logo.name
            continue
        if getattr(workspace, field) != value:
            setattr(workspace, field, value)
            changed[field] = str(value) if value is not None else None
    if not changed:
        return workspace
    workspace.full_clean()
    try:
        with transaction.atomic():
            workspace.save()
    except IntegrityError:  # another workspace claimed the same domain a moment ago
        raise ValidationError(
            {"custom_domain": _("This domain is already used by another workspace.")}
        ) from None
    if "custom_domain" in changed:
        transaction.on_commit(forget_custom_domains)
    transaction.on_commit(forget_hosts)
    record_event(workspace, verb="workspace.settings_changed", actor=actor, data=changed)
    return workspace


@transaction.atomic
def add_member(workspace: Workspace, *, user: User, role: str, actor: User) -> Membership:
    membership, _created = Membership.objects.with_scopes_disabled().update_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    record_event(
        workspace, verb="membership.added", actor=actor, data={"user": user.email, "role": role}
    )
    return membership
