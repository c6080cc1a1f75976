from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def _render_plain(name: str, context: dict[str, Any]) -> str:
    """A text template rendered without HTML escaping: a subject or a plain-text body is not
    HTML, so `"` and `&` in a workspace's or a customer's name must stay as they are."""
    template = getattr(get_template(name), "template", None)
    if template is None:  # not a Django-language template: nothing escapes anyway
        return render_to_string(name, context)
    return str(template.render(Context(context, autoescape=False)))


def render_email(template: str, context: dict[str, Any], language: str) -> RenderedEmail:
    """Render `<template>/subject.txt`, `body.txt` and `body.html` in the recipient's language."""
    # `LANGUAGE_CODE` gives the HTML part its `<html lang>`: no request, no context processor.
    context = {**context, "LANGUAGE_CODE": language}
    with translation.override(language):
        subject = _render_plain(f"{template}/subject.txt", context)
        body_text = _render_plain(f"{template}/body.txt", context)
        body_html = render_to_string(f"{template}/body.html", context)
    return RenderedEmail(
        subject=" ".join(subject.split())[:300],
        body_text=body_text.strip() + "\n",
        body_html=body_html,
    )
