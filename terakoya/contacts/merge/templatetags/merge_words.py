from __future__ import annotations

from typing import Any

from django import template

from terakoya.contacts.merge.journal import value_words

register = template.Library()


@register.filter
def field_words(value: Any, name: str) -> str:
    """A contact field's value as staff read it ("ja" → 日本語, empty → —)."""
    return value_words(name, value)
