"""The catalog generation: a value in the shared cache that changes after every committed catalog write.

Caches of rendered catalog pages put it in their keys, so a change shows at the next request rather than
when an entry expires. Model saves and deletes of what those pages show (catalog rows; reviews and policy
versions, connected by their own apps) bump it through signals (`connect_signals`); writes that bypass
them (stock moved by `UPDATE ... SET stock = stock - n`, bulk imports) call `catalog_changed()`
themselves.

The value is a nanosecond clock reading, never a counter: if the cache loses it (eviction, restart of a
cache server), the next reader stores a value no earlier page was keyed on, so nothing stale comes back.
"""

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

GENERATION_KEY = "catalog:generation"


def catalog_generation() -> int:
    """The current generation (read from the shared cache; set on first use)."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        value = cache.get(GENERATION_KEY)
    return value


def _bump() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), None)


def catalog_changed() -> None:
    """Mark cached catalog pages stale once the current transaction commits (now, outside one).

    After commit, not before: a page rendered from the old rows in between must not be stored under the
    new generation. A rolled-back transaction bumps nothing.
    """
    transaction.on_commit(_bump)


def _on_change(sender, **kwargs) -> None:
    catalog_changed()


def connect_signals(*models) -> None:
    for model in models:
        post_save.connect(_on_change, sender=model, dispatch_uid=f"catalog-fresh-save-{model._meta.label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"catalog-fresh-del-{model._meta.label}")
