from __future__ import annotations

import re
from typing import Any

from django.test import Client

from terakoya.accounts.models import CustomerAccount
from terakoya.accounts.services import set_customer_password
from terakoya.core.factories import ContactFactory
from terakoya.mail.models import OutboxMessage
from terakoya.mail.services import build_message

PASSWORD = "correct horse battery"  # noqa: S105


def make_customer(
    workspace: Any, *, email: str = "hanako@example.com", password: str = PASSWORD, **contact: Any
) -> CustomerAccount:
    person = ContactFactory(workspace=workspace, email=email, **contact)
    return set_customer_password(workspace, contact=person, password=password, actor="test")


def latest_email(workspace: Any, kind: str) -> OutboxMessage:
    message = OutboxMessage.objects.filter(workspace=workspace, kind=kind).order_by("-id").first()
    assert message is not None, f"no {kind} email queued"
    return message


def delivered_text(message: OutboxMessage) -> str:
    """The plain-text body as the mail server gets it (the stored copy has placeholders).

    A message already sent is looked up, by its Message-ID, in what the test mail backend
    received (its secrets are no longer stored); a queued one is built as the sender would."""
    from django.core import mail

    if message.message_id:
        for sent in getattr(mail, "outbox", []):
            if sent.extra_headers.get("Message-ID") == message.message_id:
                return str(sent.body)
    return str(build_message(message).body)


def link_in(message: OutboxMessage, prefix: str) -> str:
    text = delivered_text(message)
    found = re.search(r"https?://\S+" + re.escape(prefix) + r"[A-Za-z0-9_-]+/", text)
    assert found, text
    return found.group(0)


def code_in(message: OutboxMessage) -> str:
    text = delivered_text(message)
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


def path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def comparable(response: Any, typed: str = "") -> tuple[int, str, str]:
    """Status, redirect target and body with the CSRF token (and what the visitor typed,
    echoed back in the form) taken out."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", body)
    if typed:
        body = body.replace(typed, "TYPED")
    return response.status_code, response.get("Location", ""), body


def login(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/login/", {"email": email, "password": password}, **extra)
