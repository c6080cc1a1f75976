"""Showing stored emails to staff: never a usable secret, only its state."""

from __future__ import annotations

from django import template

from terakoya.mail.models import OutboxMessage
from terakoya.mail.secrets import staff_text

register = template.Library()

FIELDS = {"subject", "body_text"}


@register.simple_tag
def staff_copy(message: OutboxMessage, field: str = "body_text") -> str:
    """`{% staff_copy message "body_text" %}`: the stored text with each secret shown as
    `•••• (valid until 12:04)`, `•••• (used)` or `•••• (expired)` (autoescaped)."""
    if field not in FIELDS:
        raise template.TemplateSyntaxError(f"staff_copy shows {sorted(FIELDS)}, not {field!r}")
    return staff_text(message.workspace_id, message.secret_slots, getattr(message, field))
