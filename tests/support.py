"""Helpers shared by tests."""

import base64
import hashlib
import hmac
import struct
import time


def totp_code(secret: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The RFC 6238 code an authenticator app shows for a base32 secret."""
    counter = int((time.time() if at is None else at) // step)
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def with_check_digit(first_eight: str) -> str:
    """A valid BN9: eight digits and the Luhn check digit that completes them."""
    for last in "0123456789":
        candidate = first_eight + last
        total = 0
        for position, char in enumerate(candidate):
            digit = int(char) * (2 if position % 2 else 1)
            total += digit - 9 if digit > 9 else digit
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable: one digit always completes a Luhn sum")
