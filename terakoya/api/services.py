"""API keys: created by owners/admins, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terakoya.activity.services import record_event
from terakoya.api.models import ApiKey

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

KEY_PREFIX = "tk_"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_key(workspace: Workspace, *, name: str, actor: Any = None) -> tuple[ApiKey, str]:
    """Returns the key row and the secret, which is never shown again."""
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationError({"name": _("Give the key a name (at most 100 characters).")})
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    from terakoya.staff.models import User

    key = ApiKey.objects.create(
        workspace=workspace,
        name=name,
        prefix=raw[:10],
        key_hash=hash_key(raw),
        created_by=actor if isinstance(actor, User) else None,
    )
    record_event(
        workspace, verb="api_key.created", actor=actor, data={"name": name, "prefix": key.prefix}
    )
    return key, raw


@transaction.atomic
def revoke_api_key(workspace: Workspace, *, key: ApiKey, actor: Any = None) -> ApiKey:
    assert key.workspace_id == workspace.pk
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
        record_event(
            workspace,
            verb="api_key.revoked",
            actor=actor,
            data={"name": key.name, "prefix": key.prefix},
        )
    return key


def authenticate_key(raw: str) -> ApiKey | None:
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    key = (
        ApiKey.objects.with_scopes_disabled()
        .select_related("workspace")
        .filter(key_hash=hash_key(raw), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.with_scopes_disabled().filter(pk=key.pk).update(last_used_at=now)
    return key
