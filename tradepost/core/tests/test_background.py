"""After-response work (core/background.py): queued during a request, run once its response is closed."""

import logging

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tradepost.core.background import after_response


def test_outside_a_request_the_work_runs_at_once():
    done = []
    after_response(lambda: done.append("sent"))
    assert done == ["sent"]


def test_in_a_request_the_work_waits_for_the_response_to_be_closed():
    done = []
    request_finished.disconnect(close_old_connections)  # no database here; keep the test's connection
    try:
        request_started.send(sender=None)
        after_response(lambda: done.append("first"))
        after_response(lambda: done.append("second"))
        assert done == []  # the view returns, the server sends the response...
        request_finished.send(sender=None)  # ...and closes it
        assert done == ["first", "second"]
        after_response(lambda: done.append("later"))  # the request is over: at once again
        assert done == ["first", "second", "later"]
    finally:
        request_finished.connect(close_old_connections)


def test_a_failure_is_logged_and_the_rest_still_runs(caplog):
    done = []
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        after_response(lambda: 1 / 0)
        after_response(lambda: done.append("still"))
        with caplog.at_level(logging.ERROR):
            request_finished.send(sender=None)
    finally:
        request_finished.connect(close_old_connections)
    assert done == ["still"] and "ZeroDivisionError" in caplog.text


def test_work_left_by_a_response_never_closed_runs_before_the_next_request():
    done = []
    request_started.send(sender=None)
    after_response(lambda: done.append("left"))
    request_started.send(sender=None)  # a server that did not close the last response
    assert done == ["left"]
    request_finished.disconnect(close_old_connections)
    try:
        request_finished.send(sender=None)
    finally:
        request_finished.connect(close_old_connections)
