"""Reads of the outbox: a buyer's in-site list and the staff view of delivery."""

from django.db.models import QuerySet

from tradepost.notifications.models import Notification


def notifications_for_user(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
