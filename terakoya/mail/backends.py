from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


class OneFilePerMessageBackend(BaseEmailBackend):
    """Writes each message to its own .eml file (Django's file backend appends per connection)."""

    def __init__(self, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.directory = Path(str(file_path or getattr(settings, "EMAIL_FILE_PATH", "var/mail")))

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
            tmp = self.directory / (name + ".tmp")
            tmp.write_bytes(message.message().as_bytes())
            os.replace(tmp, self.directory / name)
            sent += 1
        return sent
