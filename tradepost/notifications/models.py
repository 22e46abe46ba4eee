"""The outbox: one row per message sent to a buyer or a staff member, with its delivery state."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class NotificationState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """A rendered email (text + HTML) and, for a signed-in recipient, an entry in their in-site list.

    `next_attempt_at` is when delivery may be tried (again): null means now. A sender claims a row by
    moving it into the future (a lease), so two senders never send the same message twice at once.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    to_email = models.CharField(max_length=254)
    reply_to = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=60, help_text="Template kind, e.g. orders.placed")
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="Where the in-site entry leads.")
    # A message carrying a secret (a guest's private link) keeps the full text only until it is delivered
    # or given up; `text` and `html` always hold the copy with the secret left out.
    private_text = models.TextField(blank=True)
    private_html = models.TextField(blank=True)
    state = models.CharField(
        max_length=8, choices=NotificationState.choices, default=NotificationState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notif_due_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notif_inbox_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="notif_sent_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.state})"
