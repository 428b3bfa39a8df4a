"""The tenant's RS256 signing key: one per process, shared by every tenant instance.

Generating a 2048-bit key costs ~100 ms, so resets and new test tenants reuse it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class SigningKey:
    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.private_key.public_key().public_numbers()
        self.jwk: dict[str, Any] = {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "n": _b64(numbers.n),
            "e": _b64(numbers.e),
        }
        self.kid = base64.urlsafe_b64encode(
            hashlib.sha256(f'{self.jwk["e"]}{self.jwk["n"]}'.encode()).digest()[:15]
        ).decode()
        self.jwk["kid"] = self.kid

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(self.jwk)]}

    def sign(self, claims: dict[str, Any], typ: str | None = None) -> str:
        headers = {"kid": self.kid}
        if typ:
            headers["typ"] = typ
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers=headers)

    def verify(self, token: str, audience: str | list[str] | None = None) -> dict[str, Any]:
        """Decode and verify a token this tenant issued; raises ``jwt.InvalidTokenError``."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self.private_key.public_key(),
            algorithms=["RS256"],
            audience=audience,
            options={"verify_aud": audience is not None},
            leeway=0,
        )
        return claims


@functools.cache
def process_key() -> SigningKey:
    return SigningKey()


def now() -> int:
    return int(time.time())
