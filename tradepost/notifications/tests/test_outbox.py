"""The outbox against a real SMTP conversation: a server that refuses first and then accepts."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tradepost.conftest import make_user
from tradepost.notifications import services
from tradepost.notifications.models import Notification, NotificationState
from tradepost.notifications.services import (
    notification_deliver,
    notification_retry,
    notifications_send_due,
    notify,
    retry_delay,
)
from tradepost.notifications.tests.smtp_server import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.NOTIFICATIONS_RETRY_SECONDS = 60
        settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
        yield server


def _send(user, **extra):
    with transaction.atomic():
        return notify(
            kind="test.hello",
            template="notifications/email/message",
            context={"name": user.full_name},
            subject="Hello  there\nfriend",
            user=user,
            reply_to="support@example.com",
            link="/account/",
            **extra,
        )


def test_a_refused_send_is_recorded_and_retried_with_backoff_until_the_server_accepts(smtp):
    buyer = make_user()
    smtp.refuse = 2
    with time_machine.travel(START, tick=False):
        row = _send(buyer)
        row.refresh_from_db()
        # Sent after commit, in-process: the server said 451, so the row waits for its retry.
        assert (row.state, row.attempts) == (NotificationState.QUEUED, 1)
        assert "451" in row.last_error and row.next_attempt_at == START + timedelta(seconds=60)
        assert smtp.messages == []
        assert notifications_send_due() == 0  # not due yet
    with time_machine.travel(START + timedelta(seconds=61), tick=False):
        assert notifications_send_due() == 0  # second refusal
        row.refresh_from_db()
        assert (row.state, row.attempts) == (NotificationState.QUEUED, 2)
        assert row.next_attempt_at == START + timedelta(seconds=61 + 120)  # backoff doubled
    with time_machine.travel(START + timedelta(seconds=61 + 120), tick=False):
        assert notifications_send_due() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at) == (NotificationState.SENT, 3, None)
    assert row.sent_at == START + timedelta(seconds=181)
    [message] = smtp.messages
    assert message["Subject"] == "Hello there friend"
    assert message["To"] == buyer.email and message["Reply-To"] == "support@example.com"
    assert message.get_body(("plain",)).get_content().strip() == f"Hello {buyer.full_name}."
    assert "<strong>" in message.get_body(("html",)).get_content()
    assert smtp.refused == 2
    # Sent is final: another sweep or a late task sends nothing twice.
    assert notifications_send_due() == 0
    assert notification_deliver(notification_id=row.pk) is None
    assert len(smtp.messages) == 1


def test_attempts_run_out_to_failed_and_staff_can_queue_it_again(smtp):
    buyer = make_user()
    smtp.refuse = 10
    with time_machine.travel(START, tick=False) as clock:
        row = _send(buyer)
        for _ in range(2):
            clock.shift(timedelta(hours=1))
            notifications_send_due()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (NotificationState.FAILED, 3)
    assert row.failed_at is not None and row.next_attempt_at is None
    smtp.refuse = 0
    assert notifications_send_due() == 0  # failed rows are not retried on their own
    notification_retry(notification=row)
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and len(smtp.messages) == 1


def test_a_rolled_back_transaction_leaves_no_message(smtp):
    buyer = make_user()
    with pytest.raises(RuntimeError), transaction.atomic():
        _send(buyer)
        raise RuntimeError
    assert not Notification.objects.exists()
    assert smtp.messages == []


def test_retry_delay_doubles():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def test_a_private_value_is_sent_but_kept_only_until_delivery(smtp):
    buyer = make_user()
    smtp.refuse = 1
    with time_machine.travel(START, tick=False):
        row = _send(buyer, private={"body": "secret-token-123"})
    row.refresh_from_db()
    assert row.state == NotificationState.QUEUED and "secret-token-123" in row.private_text
    assert "secret-token-123" not in row.text + row.html
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        notifications_send_due()
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and (row.private_text, row.private_html) == ("", "")
    assert "secret-token-123" in smtp.messages[0].get_body(("plain",)).get_content()


def test_sent_in_process_the_row_is_leased_from_the_insert_so_one_update_sends_it(smtp):
    buyer = make_user()
    with time_machine.travel(START, tick=False), CaptureQueriesContext(connection) as ctx:
        row = _send(buyer)
    # The insert, then one UPDATE to "sent": no claim, the row was this process's from the start.
    writes = [q["sql"].split()[0] for q in ctx.captured_queries]
    assert [w for w in writes if w in ("INSERT", "UPDATE")] == ["INSERT", "UPDATE"]
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and len(smtp.messages) == 1


def test_a_leased_row_whose_sender_died_is_sent_by_the_sweep_once_the_lease_runs_out(smtp, monkeypatch):
    buyer = make_user()
    with time_machine.travel(START, tick=False):
        monkeypatch.setattr(services, "_queue", lambda *args, **kwargs: None)  # dies before sending
        row = _send(buyer)
        monkeypatch.undo()
        row.refresh_from_db()
        assert row.state == NotificationState.QUEUED and row.next_attempt_at == START + services.LEASE
        assert notifications_send_due() == 0  # leased: a sweep leaves it to its sender
    with time_machine.travel(START + services.LEASE, tick=False):
        assert notifications_send_due() == 1
    assert len(smtp.messages) == 1
