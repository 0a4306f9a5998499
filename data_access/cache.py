"""A shared cache that fails open: while its store (Redis) is unreachable, every read is
a miss and every write is dropped, so answers are computed from the database instead of
failing.

The outage is logged once when it starts and once when it ends, not per request, and the
store is not asked again for `retry_after` seconds after a failure: a down Redis would
otherwise cost every request a refused connection (or a timeout) per cache call.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# What a cache backend raises when its store cannot be reached: redis-py's errors, and
# socket errors from backends that do not wrap them.
STORE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)


class FailOpenCache:
    """Wraps a Flask-Caching `Cache` (get, set, get_many, set_many)."""

    def __init__(self, cache: Any, retry_after: float = 5.0) -> None:
        self.cache = cache
        self.retry_after = retry_after
        self._down_since: float | None = None
        self._next_try = 0.0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._down_since is None

    def get(self, key: str) -> Any:
        return self._call(None, self.cache.get, key)

    def get_many(self, *keys: str) -> list:
        return self._call([None] * len(keys), self.cache.get_many, *keys)

    def set(self, key: str, value: Any, timeout: int | None = None) -> None:
        self._call(None, self.cache.set, key, value, timeout=timeout)

    def set_many(self, mapping: dict, timeout: int | None = None) -> None:
        self._call(None, self.cache.set_many, mapping, timeout=timeout)

    def _call(self, fallback: Any, fn, *args, **kwargs) -> Any:
        if self._down_since is not None and time.monotonic() < self._next_try:
            return fallback
        try:
            value = fn(*args, **kwargs)
        except STORE_ERRORS as exc:
            self._failed(exc)
            return fallback
        if self._down_since is not None:
            self._recovered()
        return value

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            self._next_try = now + self.retry_after
            if self._down_since is None:
                self._down_since = now
                log.warning(
                    "cache unavailable (%s): answering without it until it returns",
                    type(exc).__name__,
                )

    def _recovered(self) -> None:
        with self._lock:
            if self._down_since is None:
                return
            lasted = time.monotonic() - self._down_since
            self._down_since = None
            log.warning("cache available again after %.0f s", lasted)
