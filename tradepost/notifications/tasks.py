"""Background jobs for the outbox; each is safe to run twice."""

from celery import shared_task

from tradepost.notifications.services import notification_deliver, notifications_send_due


@shared_task
def deliver_notification(notification_id: int) -> str | None:
    return notification_deliver(notification_id=notification_id)


@shared_task
def send_due_notifications() -> int:
    return notifications_send_due()
