"""Headings, instructions and button labels of the login pages, with the creator's overrides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from terakoya.workspaces.models import Workspace

PAGES: dict[str, dict[str, Promise]] = {
    "login": {
        "heading": _("Log in"),
        "intro": _("Enter the email address and password of your account."),
        "button": _("Log in"),
    },
    "recovery": {
        "heading": _("Password Recovery"),
        "intro": _(
            "Enter your email address and we will send you a link to choose a new password."
        ),
        "button": _("Send reset link"),
    },
    "reset": {
        "heading": _("Password Reset"),
        "intro": _(
            "Choose a new password: at least 8 characters. Spaces and any script are welcome."
        ),
        "button": _("Save new password"),
    },
}
PAGE_LABELS = {
    "login": _("Login page"),
    "recovery": _("Password recovery page"),
    "reset": _("Password reset page"),
}
PART_LABELS = {"heading": _("Heading"), "intro": _("Instructions"), "button": _("Button label")}
MAX_LENGTH = {"heading": 120, "intro": 500, "button": 60}


def field_name(page: str, part: str) -> str:
    return f"{page}_{part}"


def defaults(page: str, language: str) -> dict[str, str]:
    with translation.override(language):
        return {part: str(text) for part, text in PAGES[page].items()}


def page_texts(
    workspace: Workspace,
    page: str,
    language: str,
    overrides: dict[str, dict[str, str]] | None = None,
) -> dict[str, str]:
    """The texts of one page in `language`: the creator's override where set, else ours."""
    if overrides is None:
        from terakoya.accounts.services import get_login_settings

        overrides = get_login_settings(workspace).text_overrides
    texts = defaults(page, language)
    mine = (overrides or {}).get(language, {})
    for part in texts:
        value = str(mine.get(field_name(page, part), "") or "").strip()
        if value:
            texts[part] = value
    return texts
