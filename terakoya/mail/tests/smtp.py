"""A real SMTP server for tests (aiosmtpd), shared by the tests of every app that sends email."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Collector:
    """Keeps every message the server accepted. With `stall` set, DATA is never answered
    (the connection hangs, as with a mail server that stopped responding) until released."""

    def __init__(self, *, stall: bool = False) -> None:
        self.messages: list[bytes] = []
        self.stall = stall
        self.data_started = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.data_started.set()
        if self.stall:
            import asyncio

            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 try again later"
        self.messages.append(envelope.content)
        return "250 OK"

    def parsed(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[misc]
            for raw in self.messages
        ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(collector: Collector, port: int | None = None) -> Iterator[int]:
    port = port or free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        collector.release.set()
        controller.stop()


def use_smtp(settings: Any, port: int) -> None:
    """Point Django's email at 127.0.0.1:port (pytest-django's `settings` fixture)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 3
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False


def text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())
