"""Notifications: `notify` renders a message and records it in the outbox inside the caller's transaction;
delivery runs after commit (Celery with a broker, in-process without) and failed sends are retried with
backoff by `notifications_send_due` until the attempts run out."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from tradepost.core.background import after_response
from tradepost.core.exceptions import ValidationFailed
from tradepost.notifications.models import Notification, NotificationState

logger = logging.getLogger(__name__)

# A sender's claim on a row; a crashed sender's rows become due again after it.
LEASE = timedelta(minutes=5)
SUBJECT_LIMIT = 300
PRIVATE_PLACEHOLDER = "(private link: sent by email only)"


def max_attempts() -> int:
    return getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 5)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt: base, 2 x base, 4 x base ..."""
    base = getattr(settings, "NOTIFICATIONS_RETRY_SECONDS", 60)
    return timedelta(seconds=base * 2 ** max(0, attempts - 1))


def notify(
    *,
    kind: str,
    template: str,
    context: dict,
    subject: str,
    user=None,
    email: str | None = None,
    reply_to: str = "",
    link: str = "",
    private: dict | None = None,
) -> Notification:
    """Render `<template>.txt` and `<template>.html` and record the message for `user` (or a bare
    `email`, for guests); it is sent after the surrounding transaction commits, never if it rolls back.

    `private` context values (a guest's secret link) are rendered only into the copy that is sent, which
    is erased once delivered or given up; the kept copy shows PRIVATE_PLACEHOLDER instead."""
    to_email = (email or (user.email if user is not None else "")).strip()
    try:
        validate_email(to_email)
    except DjangoValidationError:
        raise ValidationFailed("Not a valid email address.", field="email", code="invalid_email") from None
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    placeholders = {key: PRIVATE_PLACEHOLDER for key in private or {}}
    text = render_to_string(f"{template}.txt", {**context, **placeholders})
    html = render_to_string(f"{template}.html", {**context, **placeholders})
    private_text = render_to_string(f"{template}.txt", {**context, **private}) if private else ""
    private_html = render_to_string(f"{template}.html", {**context, **private}) if private else ""
    subject = " ".join(subject.split())[:SUBJECT_LIMIT]
    now = timezone.now()
    row = Notification.objects.create(
        recipient=user,
        to_email=to_email,
        reply_to=reply_to,
        kind=kind[:60],
        subject=subject,
        text=text,
        html=html,
        private_text=private_text,
        private_html=private_html,
        link=link[:500],
        created_at=now,
        # Sent by this process right after commit (no broker): leased to it from the start, so no sweep
        # takes it meanwhile and the sender need not claim it again (_claim).
        next_attempt_at=now + LEASE if settings.CELERY_TASK_ALWAYS_EAGER else None,
    )
    transaction.on_commit(lambda: _queue(row.pk, row=row), robust=True)
    return row


def _queue(notification_id: int, *, row: Notification | None = None) -> None:
    """Send through Celery when a broker is set; without one, in-process with the row in hand, once the
    response has gone to the client (core.background.after_response)."""
    if settings.CELERY_TASK_ALWAYS_EAGER and row is not None:
        after_response(lambda: notification_deliver(notification_id=notification_id, row=row))
        return
    from tradepost.notifications.tasks import deliver_notification

    deliver_notification.delay(notification_id)


def _claim(notification_id: int, now, row: Notification | None = None) -> Notification | None:
    """Take the row if it is queued and due: a conditional UPDATE, so only one sender wins it.

    `row`: the caller's copy, fresh from the insert, so it need not be read again; while the lease `notify`
    took for this process runs, the row is this process's already."""
    leased = row is not None and row.attempts == 0 and row.next_attempt_at is not None
    if leased and now < row.next_attempt_at:
        return row
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = Notification.objects.filter(due, pk=notification_id, state=NotificationState.QUEUED).update(
        next_attempt_at=now + LEASE
    )
    if not claimed:
        return None
    if row is not None:
        row.next_attempt_at = now + LEASE
        return row
    return Notification.objects.filter(pk=notification_id).first()


_ERASE_PRIVATE = {"private_text": "", "private_html": ""}


def _message(row: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.private_text or row.text,
        to=[row.to_email],
        reply_to=[row.reply_to] if row.reply_to else None,
        headers={"X-Tradepost-Notification": str(row.pk)},
    )
    html = row.private_html or row.html
    if html:
        message.attach_alternative(html, "text/html")
    return message


def notification_deliver(*, notification_id: int, row: Notification | None = None) -> str | None:
    """Try to send one queued message; returns its new state, or None when it was not due or taken.

    Runs outside any transaction (the SMTP conversation must not hold locks). Safe to retry: a sent row
    is never sent again, and a failure records the error and when to try next, or `failed` for good once
    the attempts run out.
    """
    now = timezone.now()
    row = _claim(notification_id, now, row)
    if row is None:
        return None
    attempts = row.attempts + 1
    try:
        _message(row).send()
    except Exception as exc:  # any transport error is recorded on the row, never raised
        error = f"{type(exc).__name__}: {exc}"[:2000]
        final = attempts >= max_attempts()
        logger.warning("Notification %s (%s) not sent, attempt %s: %s", row.pk, row.kind, attempts, error)
        Notification.objects.filter(pk=row.pk).update(
            attempts=attempts,
            last_error=error,
            last_attempt_at=now,
            state=NotificationState.FAILED if final else NotificationState.QUEUED,
            failed_at=now if final else None,
            next_attempt_at=None if final else now + retry_delay(attempts),
            **(_ERASE_PRIVATE if final else {}),
        )
        return NotificationState.FAILED if final else NotificationState.QUEUED
    Notification.objects.filter(pk=row.pk).update(
        attempts=attempts,
        last_attempt_at=now,
        state=NotificationState.SENT,
        sent_at=now,
        next_attempt_at=None,
        **_ERASE_PRIVATE,
    )
    return NotificationState.SENT


def notifications_send_due(*, limit: int = 500) -> int:
    """Send every queued message whose retry time has come; returns how many went out."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ids = list(
        Notification.objects.filter(due, state=NotificationState.QUEUED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if notification_deliver(notification_id=pk) == NotificationState.SENT)


def notification_retry(*, notification: Notification, actor=None) -> Notification:
    """Staff: put a message that failed for good back in the queue for one more round of attempts."""
    with transaction.atomic():
        updated = Notification.objects.filter(pk=notification.pk, state=NotificationState.FAILED).update(
            state=NotificationState.QUEUED, attempts=0, next_attempt_at=None, failed_at=None
        )
        if updated:
            logger.info("Notification %s requeued by %s", notification.pk, getattr(actor, "pk", None))
            transaction.on_commit(lambda: _queue(notification.pk), robust=True)
    notification.refresh_from_db()
    return notification


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's in-site notifications read (all of them, or only `ids`); returns how many."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
