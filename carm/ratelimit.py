"""Counting failed attempts in Redis, per key, in a window opened by the first failure."""

from django.core.cache import cache


def too_many_failures(*keys: str, limit: int) -> bool:
    """Whether any of the keys has reached `limit` failures in its window."""
    counts = cache.get_many([f"failures:{key}" for key in keys])
    return any(count >= limit for count in counts.values())


def record_failure(*keys: str, period: int) -> None:
    for key in keys:
        name = f"failures:{key}"
        # add() starts the window on the first failure; incr() keeps its expiry.
        if not cache.add(name, 1, timeout=period):
            try:
                cache.incr(name)
            except ValueError:  # expired between add() and incr()
                cache.add(name, 1, timeout=period)
