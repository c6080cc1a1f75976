"""Secrets inside emails (docs/architecture.md, rule 13).

An email function wraps every usable secret it puts into an email (a sign-in link's token, a
code, a temporary password, a confirmation token) in a `Secret`. Templates and URLs only ever
see the secret's placeholder, a random string of letters and digits. The outbox then stores:

- the rendered email with the placeholders in it: the copy staff can read, with nothing usable;
- the secret values, sealed (Fernet, with a key derived from SECRET_KEY) in a separate column
  that the sender opens just before handing the message to the mail server, and wipes once the
  message is delivered or has failed for good;
- per secret, which app can tell its state (valid until …, used, expired), so the staff copy
  shows `•••• (valid until 12:04)` instead of the secret.

Subjects never carry a secret: `queue_email` refuses a subject that contains a placeholder.
"""

from __future__ import annotations

import base64
import html
import json
import secrets as random_secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext as _

MASK = "••••"
_KEY_SALT = "terakoya.mail.secrets"


def _new_placeholder() -> str:
    # Letters and digits only, so it survives URL building and HTML escaping unchanged.
    return "tksecret" + random_secrets.token_hex(12)


@dataclass(frozen=True)
class Secret:
    """A secret value for one email; `str()` of it is its placeholder, never the value.

    `tracker` names a registered state lookup (see `register_tracker`) and `ref` the row it
    looks at, so that the staff copy can say whether the secret is still valid.
    """

    value: str = field(repr=False)
    tracker: str = ""
    ref: str = ""
    placeholder: str = field(default_factory=_new_placeholder)

    def __str__(self) -> str:
        return self.placeholder


class SecretsUnavailable(Exception):  # noqa: N818
    """The sealed secrets of a message cannot be opened (wiped, or SECRET_KEY changed)."""


# --- Sealing ----------------------------------------------------------------------------------


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(_KEY_SALT, "outbox", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )


def seal(values: Mapping[str, str]) -> str:
    """Encrypt {placeholder: secret value}; empty when there is nothing to seal."""
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(dict(values)).encode()).decode("ascii")


def unseal(token: str) -> dict[str, str]:
    if not token:
        raise SecretsUnavailable("the secrets of this email are no longer stored")
    try:
        values = json.loads(_fernet().decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError) as exc:
        raise SecretsUnavailable("the secrets of this email cannot be decrypted") from exc
    if not isinstance(values, dict):
        raise SecretsUnavailable("the secrets of this email are malformed")
    return {str(k): str(v) for k, v in values.items()}


def reveal(text: str, values: Mapping[str, str], *, escape: bool = False) -> str:
    """The text as the recipient gets it: each placeholder replaced by its secret."""
    for placeholder, value in values.items():
        text = text.replace(placeholder, html.escape(value) if escape else value)
    return text


def collect(context: Mapping[str, Any], extra: Iterable[Secret]) -> list[Secret]:
    """The secrets given explicitly (e.g. inside a URL) plus any Secret in the context."""
    found: dict[str, Secret] = {}
    for secret in [*extra, *(v for v in context.values() if isinstance(v, Secret))]:
        found.setdefault(secret.placeholder, secret)
    return list(found.values())


# --- State, for the staff copy ----------------------------------------------------------------


@dataclass(frozen=True)
class SecretState:
    status: Literal["valid", "used", "expired"]
    until: datetime | None = None


# (workspace id, refs) → {ref: state}; a ref missing from the answer counts as expired.
Tracker = Callable[[int, list[str]], dict[str, SecretState]]
_TRACKERS: dict[str, Tracker] = {}


def register_tracker(name: str, lookup: Tracker) -> None:
    """Apps register how to tell the state of their secrets (in their AppConfig.ready)."""
    _TRACKERS[name] = lookup


def _label(state: SecretState | None) -> str:
    if state is None:
        return MASK
    if state.status == "used":
        return _("%(mask)s (used)") % {"mask": MASK}
    if state.status == "expired" or state.until is None:
        return _("%(mask)s (expired)") % {"mask": MASK}
    until = timezone.localtime(state.until)
    same_day = until.date() == timezone.localtime().date()
    when = date_format(until, "H:i" if same_day else "SHORT_DATETIME_FORMAT")
    return _("%(mask)s (valid until %(time)s)") % {"mask": MASK, "time": when}


def staff_text(workspace_id: int, slots: list[dict[str, str]], text: str) -> str:
    """The stored copy of an email as staff may read it: each secret shown as its state."""
    slots = [slot for slot in slots if slot.get("placeholder") and slot["placeholder"] in text]
    if not slots:
        return text
    by_tracker: dict[str, list[str]] = {}
    for slot in slots:
        if slot.get("tracker") in _TRACKERS and slot.get("ref"):
            by_tracker.setdefault(slot["tracker"], []).append(str(slot["ref"]))
    states: dict[tuple[str, str], SecretState] = {}
    for name, refs in by_tracker.items():
        answer = _TRACKERS[name](workspace_id, refs)
        for ref in refs:
            states[(name, ref)] = answer.get(ref, SecretState("expired"))
    for slot in slots:
        key = (slot.get("tracker", ""), str(slot.get("ref", "")))
        text = text.replace(slot["placeholder"], _label(states.get(key)))
    return text
