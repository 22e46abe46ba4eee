"""Server start: do once what every worker's first requests would otherwise do while a buyer waits.

A cold worker spends most of a second on its first request (importing every view and building the API's
pydantic schemas through the URLconf, listing the holiday calendars, parsing the active policy), and a
tenth of a second on its first `reverse()` (every email links to a page). Run from
config/wsgi.py, so it happens before a worker accepts a connection, or once in the master under
`gunicorn --preload`, whose workers then start warm.
"""

import contextlib
import logging

from django.db import connections
from django.urls import NoReverseMatch, get_resolver, reverse

logger = logging.getLogger(__name__)


def warm_up() -> None:
    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 - imports the URLconf, every view and API schema with it
    _warm_reverse(resolver)
    _warm_policy()


def _warm_reverse(resolver, path: tuple[str, ...] = ()) -> None:
    """Build every namespace's reverse lookup tables: `reverse()` builds them on the way to a name, even
    one that does not exist."""
    for namespace, (_, namespaced) in resolver.namespace_dict.items():
        with contextlib.suppress(NoReverseMatch):
            reverse(":".join([*path, namespace, "-"]))
        _warm_reverse(namespaced, (*path, namespace))


def _warm_policy() -> None:
    """Parse the active policy into this process's cache (validating it lists the holiday calendars and
    time zones); a database that is not there yet (or not migrated) only means the first request does it."""
    from tradepost.policies.selectors import policy_active

    try:
        policy_active()
    except Exception as exc:  # a cache fill must never stop the server from starting
        logger.info("warm-up: the active policy is parsed on first use instead (%s)", exc)
    finally:
        # Under --preload this runs in the master: its connections must not be shared with forked workers.
        connections.close_all()
