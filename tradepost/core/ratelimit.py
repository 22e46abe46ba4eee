"""Fixed-window attempt counters in the shared cache, for throttling logins, resets and code guessing."""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window_seconds: int


def _key(limit: Limit, identity: str, now: float) -> str:
    bucket = int(now // limit.window_seconds)
    digest = hashlib.sha256(identity.lower().encode()).hexdigest()[:32]
    return f"rl:{limit.scope}:{digest}:{bucket}"


def retry_after(limit: Limit, now: float | None = None) -> int:
    now = time.time() if now is None else now
    return max(1, int(limit.window_seconds - (now % limit.window_seconds)))


def is_exhausted(limit: Limit, identity: str | None) -> bool:
    """True when `identity` has used up its attempts in the current window."""
    if not identity:
        return False
    return (cache.get(_key(limit, identity, time.time())) or 0) >= limit.attempts


def record(limit: Limit, identity: str | None) -> int:
    """Count one attempt; returns the count in the current window."""
    if not identity:
        return 0
    key = _key(limit, identity, time.time())
    cache.add(key, 0, timeout=limit.window_seconds + 5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window_seconds + 5)
        return 1


def reset(limit: Limit, identity: str | None) -> None:
    if identity:
        cache.delete(_key(limit, identity, time.time()))


def limit_from_setting(name: str) -> Limit:
    """The limit a setting `(attempts, window_seconds)` names; the setting's name is its scope."""
    attempts, window = getattr(settings, name)
    return Limit(scope=name.lower(), attempts=attempts, window_seconds=window)
