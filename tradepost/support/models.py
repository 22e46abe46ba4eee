"""Contact Us tickets: the thread, its files, staff canned replies, the audit trail and inbound email."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from tradepost.policies.schema import SupportTopic

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_ticket_reference() -> str:
    return "T-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def attachment_path(instance: "TicketAttachment", filename: str) -> str:
    return f"support/{instance.message.ticket.reference}/{secrets.token_hex(8)}-{filename}"


class Topic(models.TextChoices):
    PRE_SALES = SupportTopic.PRE_SALES.value, "Pre-sales consultation"
    ORDER = SupportTopic.ORDER.value, "An order"
    LOGISTICS = SupportTopic.LOGISTICS.value, "Logistics and delivery"
    AFTER_SALES = SupportTopic.AFTER_SALES.value, "After-sales"
    SUGGESTION = SupportTopic.SUGGESTION.value, "Suggestion"
    COMPLAINT = SupportTopic.COMPLAINT.value, "Complaint"


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    WAITING_ON_BUYER = "waiting_on_buyer", "Waiting on the buyer"
    ESCALATED = "escalated", "Escalated"
    RESEARCHING = "researching", "Researching"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


# Statuses in which the store owes the next step (the clock runs).
ACTIVE_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.OPEN,
    TicketStatus.ESCALATED,
    TicketStatus.RESEARCHING,
)


class Ticket(models.Model):
    """One request through Contact Us. `due_at` is the store's next deadline on it (the first reply, a
    reply owed to the buyer's latest message, the resolution, or a promised answer while researching,
    whichever comes first); null while the ticket waits on the buyer or is done. Breached and nearly
    breached are read from it against the clock, never stored."""

    reference = models.CharField(max_length=12, unique=True, default=new_ticket_reference, editable=False)
    topic = models.CharField(max_length=16, choices=Topic.choices)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    subject = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(
        max_length=254, help_text="Where replies go; replies by email must come from it."
    )
    access_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    policy_version = models.ForeignKey("policies.PolicyVersion", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    inquiry = models.ForeignKey(
        "quotes.Inquiry", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    rma = models.ForeignKey(
        "aftersales.Rma", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    first_response_due_at = models.DateTimeField()
    first_responded_at = models.DateTimeField(null=True, blank=True)
    reply_due_at = models.DateTimeField(
        null=True, blank=True, help_text="A staff reply owed to the buyer's latest message."
    )
    resolution_due_at = models.DateTimeField()
    promised_at = models.DateTimeField(
        null=True, blank=True, help_text="While researching: the answer time promised to the buyer."
    )
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"], name="support_ticket_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(access_token_hash=""), name="support_ticket_reachable"
            ),
            models.CheckConstraint(
                condition=~Q(status="researching") | Q(promised_at__isnull=False),
                name="support_researching_has_promise",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_done(self) -> bool:
        return self.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class MessageKind(models.TextChoices):
    BUYER = "buyer", "From the buyer"
    STAFF = "staff", "Staff reply"
    NOTE = "note", "Internal note"


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_email = models.CharField(max_length=254, blank=True)
    body = models.TextField()
    via = models.CharField(max_length=8, default="web", help_text="web, email or api")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket.reference} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class TicketAttachment(models.Model):
    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(max_length=150)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.name


class CannedReply(models.Model):
    """A prepared answer staff pick on the ticket page and edit before sending; kept in the admin."""

    title = models.CharField(max_length=120, unique=True)
    topic = models.CharField(
        max_length=16, choices=Topic.choices, blank=True, help_text="Empty: every topic."
    )
    body = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return self.title


class TicketEvent(models.Model):
    """The audit trail: who did what to a ticket and when."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        BUYER_MESSAGE = "buyer_message", "Buyer wrote"
        STAFF_REPLY = "staff_reply", "Staff replied"
        NOTE = "note", "Internal note"
        ASSIGNED = "assigned", "Assigned"
        STATUS = "status", "Status changed"
        RESEARCHING = "researching", "Researching, answer promised"
        REOPENED = "reopened", "Reopened by the buyer"
        EMAIL_HELD = "email_held", "Email held"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=8, help_text="buyer, guest, staff or system")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} at {self.created_at:%Y-%m-%d %H:%M}"


class InboundStatus(models.TextChoices):
    APPENDED = "appended", "Added to its ticket"
    HELD = "held", "Held: sender does not match the ticket"
    UNROUTED = "unrouted", "No ticket reference found"


class InboundEmail(models.Model):
    """Every email that reached the support mailbox, and where it went; a resent one is stored once."""

    message_id = models.CharField(max_length=255, unique=True)
    from_email = models.CharField(max_length=254)
    to = models.CharField(max_length=1000)
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=InboundStatus.choices)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    ticket_message = models.OneToOneField(
        TicketMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_email"
    )
    body = models.TextField(blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_email}: {self.subject} ({self.status})"
