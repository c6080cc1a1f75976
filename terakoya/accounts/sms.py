"""SMS backends chosen by the SMS_URL setting.

- ``console:`` (default) prints each message to the log/standard output, so the demo works offline;
- ``file:///some/dir`` writes one ``.txt`` file per message into that folder;
- ``locmem:`` keeps messages in ``terakoya.accounts.sms.outbox`` (tests);
- ``twilio://ACCOUNT_SID:AUTH_TOKEN@?from=+815012345678`` posts to Twilio's REST API
  (``SMS_TWILIO_BASE_URL``, default https://api.twilio.com, points it elsewhere, e.g. a fake).
"""

from __future__ import annotations

import base64
import json
import logging
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


@dataclass(frozen=True)
class SmsSent:
    provider_id: str


class SmsBackend:
    def send(self, to: str, body: str) -> SmsSent:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    def send(self, to: str, body: str) -> SmsSent:
        sys.stdout.write(f"--- SMS to {to} ---\n{body}\n-------------------\n")
        sys.stdout.flush()
        return SmsSent(provider_id="console")


class FileBackend(SmsBackend):
    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def send(self, to: str, body: str) -> SmsSent:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{to.lstrip('+')}.txt"
        (self.directory / name).write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
        return SmsSent(provider_id=name)


outbox: list[tuple[str, str]] = []


class LocmemBackend(SmsBackend):
    def send(self, to: str, body: str) -> SmsSent:
        outbox.append((to, body))
        return SmsSent(provider_id=f"locmem-{len(outbox)}")


class TwilioBackend(SmsBackend):
    """Twilio's Messages API: form-encoded POST with basic auth, JSON answer with a `sid`."""

    def __init__(self, account_sid: str, auth_token: str, sender: str, base_url: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.base_url = base_url.rstrip("/")

    def send(self, to: str, body: str) -> SmsSent:
        url = (
            f"{self.base_url}/2010-04-01/Accounts/"
            f"{urllib.parse.quote(self.account_sid)}/Messages.json"
        )
        data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode()
        auth = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - scheme comes from our own settings
            url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {auth}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode("utf-8", "replace")
            raise SmsError(f"HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise SmsError(f"{type(exc).__name__}: {exc}") from exc
        if payload.get("error_code"):
            raise SmsError(f"{payload.get('error_code')}: {payload.get('error_message')}")
        return SmsSent(provider_id=str(payload.get("sid", "")))


def backend_from_url(url: str) -> SmsBackend:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "console":
        return ConsoleBackend()
    if parts.scheme == "locmem":
        return LocmemBackend()
    if parts.scheme == "file":
        return FileBackend(urllib.parse.unquote(parts.path))
    if parts.scheme == "twilio":
        # Not parse_qs: it would turn the "+" of an E.164 number into a space.
        query = dict(p.partition("=")[::2] for p in parts.query.split("&") if p)
        sender = urllib.parse.unquote(query.get("from", ""))
        if not (parts.username and parts.password and sender):
            raise ValueError("twilio:// needs ACCOUNT_SID:AUTH_TOKEN@ and ?from=+E164")
        return TwilioBackend(
            urllib.parse.unquote(parts.username),
            urllib.parse.unquote(parts.password),
            sender,
            getattr(settings, "SMS_TWILIO_BASE_URL", "https://api.twilio.com"),
        )
    raise ValueError(f"Unknown SMS_URL scheme: {parts.scheme!r}")


def get_backend() -> SmsBackend:
    return backend_from_url(getattr(settings, "SMS_URL", "console:"))
