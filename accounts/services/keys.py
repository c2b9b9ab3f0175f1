"""Personal API keys: shown once, stored as a prefix and a hash, revocable."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.errors import AccountsError
from accounts.models import ApiKey, User

API_KEY_PREFIX = "carm"


def api_key_hash(secret: str) -> str:
    # The secret is 256 random bits: a fast hash is enough, no salt or stretching needed.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, user: User, name: str, expires_at=None) -> tuple[ApiKey, str]:
    """Create a key; the returned plain text is shown once and never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        user=user,
        name=name.strip(),
        prefix=prefix,
        hashed_secret=api_key_hash(secret),
        expires_at=expires_at,
    )
    return key, f"{API_KEY_PREFIX}_{prefix}_{secret}"


def api_key_revoke(*, user: User, key_id: int) -> ApiKey:
    key = ApiKey.objects.get(pk=key_id, user=user)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)


def api_key_authenticate(token: str) -> ApiKey:
    """The active key a presented token stands for; AccountsError with the reason otherwise."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        raise AccountsError("api_key_invalid")
    key = ApiKey.objects.select_related("user").filter(prefix=parts[1]).first()
    if key is None or not hmac.compare_digest(key.hashed_secret, api_key_hash(parts[2])):
        raise AccountsError("api_key_invalid")
    if key.revoked_at is not None:
        raise AccountsError("api_key_revoked")
    now = timezone.now()
    if key.expires_at is not None and key.expires_at <= now:
        raise AccountsError("api_key_expired")
    if not key.user.is_active:
        raise AccountsError("api_key_invalid")
    # Record use, at most once a minute per key, without a write on every request.
    if key.last_used_at is None or now - key.last_used_at > API_KEY_TOUCH_INTERVAL:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
