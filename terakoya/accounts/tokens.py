"""Random secrets for links and codes, stored only as keyed hashes bound to workspace + purpose."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

CODE_DIGITS = 6


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_batch() -> str:
    return secrets.token_hex(16)


def token_hash(
    workspace_id: int, purpose: str, secret: str, *, account_id: int | None = None
) -> str:
    """HMAC-SHA256 of the secret, keyed by SECRET_KEY and bound to workspace, purpose and
    (for short codes) the account, so the same digits mean nothing anywhere else."""
    message = f"{workspace_id}:{purpose}:{account_id or ''}:{secret}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def matches(stored_hash: str, candidate_hash: str) -> bool:
    return hmac.compare_digest(stored_hash.encode(), candidate_hash.encode())


def normalize_code(value: str) -> str:
    """Accept "123 456", "123-456" and full-width digits ("１２３４５６")."""
    import unicodedata

    digits = "".join(ch for ch in unicodedata.normalize("NFKC", value or "") if ch.isdigit())
    return digits if len(digits) == CODE_DIGITS and digits.isascii() else ""
