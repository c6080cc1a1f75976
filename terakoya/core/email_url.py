"""Parse EMAIL_URL into Django email settings.

Written by hand: the maintained parsers do not know our `file:///dir` one-file-per-message
backend. Formats: smtp://user:pass@host:port?tls=1 (or ssl=1), console:, file:///dir, locmem:.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


def email_settings_from_url(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "terakoya.mail.backends.OneFilePerMessageBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    if scheme in {"smtp", "smtps", "submission"}:
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        use_ssl = scheme == "smtps" or query.get("ssl") in {"1", "true"}
        use_tls = scheme == "submission" or query.get("tls") in {"1", "true"}
        default_port = 465 if use_ssl else (587 if use_tls else 25)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or default_port,
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": use_tls,
            "EMAIL_USE_SSL": use_ssl,
            "EMAIL_TIMEOUT": int(query.get("timeout", "10")),
        }
    raise ValueError(f"EMAIL_URL scheme not supported: {scheme!r} (smtp, console, file, locmem)")
