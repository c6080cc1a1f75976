"""Random secrets for links and codes, stored only as keyed hashes bound to workspace + purpose."""

from __future__ import annotations

import base64
import binascii
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


_SEAL_MARK = b"terakoya-sealed:"


def seal(text: str) -> tuple[str, str]:
    """Encrypt `text` under a fresh random key: returns (key, box), both URL-safe base64.

    For a secret that one later request must show once (a temporary password): the box can
    wait server-side (in the session) while only the browser holds the key, so nothing stored
    reads in clear. The keystream is SHAKE-256 of the 32-byte one-use key."""
    key = secrets.token_bytes(32)
    plain = _SEAL_MARK + text.encode()
    stream = hashlib.shake_256(key).digest(len(plain))
    box = bytes(a ^ b for a, b in zip(plain, stream, strict=True))
    return (
        base64.urlsafe_b64encode(key).decode().rstrip("="),
        base64.urlsafe_b64encode(box).decode(),
    )


def unseal(key: str, box: str) -> str | None:
    """The text sealed by seal(), or None for a wrong key or a damaged box."""
    try:
        raw_key = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
        raw_box = base64.urlsafe_b64decode(box)
    except (binascii.Error, ValueError):
        return None
    if len(raw_key) != 32:
        return None
    stream = hashlib.shake_256(raw_key).digest(len(raw_box))
    plain = bytes(a ^ b for a, b in zip(raw_box, stream, strict=True))
    if not plain.startswith(_SEAL_MARK):
        return None
    try:
        return plain[len(_SEAL_MARK) :].decode()
    except UnicodeDecodeError:
        return None
