"""The cache in Redis, and what it does when Redis is down.

The cache holds rate limits (sign-in, affinity questions, the API's throttle) and nothing
that must survive. When Redis does not answer, each process counts in its own memory for
a few seconds before asking Redis again, so that sign-in and the pages keep working
through an outage (docs/operations.md, "Redis down"): the limits then hold per process
instead of across them, which still bounds what a guesser can try.
"""

import logging
import time

import redis.exceptions
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Once Redis failed, how long each process counts on its own before asking it again.
RETRY_AFTER = 5.0

OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that falls back to this process's memory while Redis is down."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._fallback = LocMemCache(f"carm-fallback-{id(self)}", params)
        self._down_until = 0.0

    def redis_answers(self) -> bool:
        """Whether Redis itself answers now (for /healthz and /readyz), never the fallback."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except REDIS_DOWN:
            return False

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except REDIS_DOWN as error:
                self._down_until = time.monotonic() + RETRY_AFTER
                logger.warning("Redis unavailable, counting in memory for now: %s", error)
        return getattr(self._fallback, name)(*args, **kwargs)


def _operation(name: str):
    def operation(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    operation.__name__ = name
    operation.__doc__ = getattr(RedisCache, name).__doc__
    return operation


for _name in OPERATIONS:
    setattr(ResilientRedisCache, _name, _operation(_name))
