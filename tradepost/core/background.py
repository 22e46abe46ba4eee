"""In-process background work: run after the response has gone to the client.

Without a broker (the embedded default) tasks run in the web process. Work a request queues for after its
commit (sending the email an order placed) need not keep the buyer waiting: `after_response(fn)` runs it
once the server has sent the response and closes it (Django's `request_finished`), before the worker takes
its next request. Outside a request (a management command, a Celery task, a test calling a service) it
runs at once. A failure is logged, never raised: the response has already gone, and the outbox sweep
(`notifications_send_due`) retries what did not happen.
"""

import logging
import threading
from collections.abc import Callable

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

logger = logging.getLogger(__name__)
_local = threading.local()


def after_response(fn: Callable[[], object]) -> None:
    """Run `fn` once the current request's response has been sent; at once outside a request."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        _run([fn])
    else:
        pending.append(fn)


def _run(work: list[Callable[[], object]]) -> None:
    for fn in work:
        try:
            fn()
        except Exception:
            logger.exception("Background work %r failed after the response", fn)


def _request_started(**kwargs) -> None:
    leftover = getattr(_local, "pending", None)  # a server that never closed the last response
    _local.pending = []
    if leftover:
        _run(leftover)


def _request_finished(**kwargs) -> None:
    pending, _local.pending = getattr(_local, "pending", None), None
    if pending:
        _run(pending)


def connect_signals() -> None:
    """Wire the request signals (CoreConfig.ready). The work runs before Django closes the request's
    database connections, so it finds them as the request left them."""
    request_started.connect(_request_started, dispatch_uid="tradepost-background-started")
    request_finished.disconnect(close_old_connections)
    request_finished.connect(_request_finished, dispatch_uid="tradepost-background-finished")
    request_finished.connect(close_old_connections)
