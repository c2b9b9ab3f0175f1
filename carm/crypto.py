"""Values encrypted at rest: a bank account number is stored only as a token that the
keys in CARM_FIELD_KEYS open (Fernet: AES-128-CBC with an HMAC-SHA256, from the
`cryptography` package).

CARM_FIELD_KEYS lists Fernet keys, newest first: new tokens use the first, every key
opens a token, so a key is rotated by putting the new one in front and re-encrypting
(`MultiFernet.rotate`) before dropping the old one. Without keys, encrypting or decrypting
fails loudly; development and tests use a key derived from their SECRET_KEY
(carm/settings.py).
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "new_key"]


def new_key() -> str:
    """A fresh key for CARM_FIELD_KEYS."""
    return Fernet.generate_key().decode()


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.CARM_FIELD_KEYS)
    if not keys:
        raise ImproperlyConfigured("Set CARM_FIELD_KEYS to encrypt bank account numbers.")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The value; InvalidToken when no key opens it."""
    return _fernet().decrypt(token.encode()).decode()
