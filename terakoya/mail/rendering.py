from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def render_email(template: str, context: dict[str, Any], language: str) -> RenderedEmail:
    """Render `<template>/subject.txt`, `body.txt` and `body.html` in the recipient's language."""
    # `LANGUAGE_CODE` gives the HTML part its `<html lang>`: no request, no context processor.
    context = {**context, "LANGUAGE_CODE": language}
    with translation.override(language):
        subject = render_to_string(f"{template}/subject.txt", context)
        body_text = render_to_string(f"{template}/body.txt", context)
        body_html = render_to_string(f"{template}/body.html", context)
    return RenderedEmail(
        subject=" ".join(subject.split())[:300],
        body_text=body_text.strip() + "\n",
        body_html=body_html,
    )
