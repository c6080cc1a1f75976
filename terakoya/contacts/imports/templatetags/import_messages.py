from __future__ import annotations

from django import template

from terakoya.contacts.imports.messages import localize

register = template.Library()


@register.filter
def import_message(message: object) -> str:
    """A stored import message in the reader's language."""
    return localize(str(message))
