"""RFC 6238 TOTP (SHA-1, 6 digits, 30 s), stdlib only: what authenticator apps compute."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time


def new_secret() -> str:
    """A 160-bit base32 secret, as Guardian issues for ``otp``."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def code_at(secret: str, moment: float, step: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(moment // step)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def verify(secret: str, code: str, window: int = 1, moment: float | None = None) -> bool:
    """Accept the current code and ``window`` steps either side (clock drift)."""
    moment = time.time() if moment is None else moment
    code = code.strip().replace(" ", "")
    return any(hmac.compare_digest(code_at(secret, moment + drift * 30), code) for drift in range(-window, window + 1))


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    from urllib.parse import quote

    return f"otpauth://totp/{quote(issuer)}:{quote(account)}?secret={secret}&issuer={quote(issuer)}&algorithm=SHA1&digits=6&period=30"
