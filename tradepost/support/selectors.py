"""Reads of tickets for buyers, guests (secret link) and the support desk, with their clocks."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from tradepost.core.exceptions import NotFound
from tradepost.support.models import (
    ACTIVE_STATUSES,
    CannedReply,
    InboundEmail,
    InboundStatus,
    MessageKind,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketStatus,
)
from tradepost.support.services import token_hash

# The desk's warning before a deadline: a desk alert, not a store promise.
NEARLY_DUE = timedelta(hours=2)


def _storable(value) -> bool:
    return isinstance(value, str) and "\x00" not in value and len(value) <= 64


def _base() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("user", "assigned_to", "order", "product", "inquiry", "rma")


def tickets_for_buyer(*, user) -> QuerySet[Ticket]:
    return _base().filter(user=user).order_by("-updated_at", "-id")


def ticket_for_buyer(*, user, reference: str) -> Ticket:
    """The buyer's own ticket; anyone else's is the same 404."""
    ticket = None
    if getattr(user, "is_authenticated", False) and _storable(reference):
        ticket = _base().filter(user=user, reference=reference.strip().upper()).first()
    if ticket is None:
        raise NotFound("No such ticket.", code="ticket_not_found")
    return ticket


def ticket_for_token(*, token: str) -> Ticket:
    """A guest's ticket through its secret link."""
    ticket = None
    if _storable(token) and len(token) >= 20:
        ticket = _base().filter(user__isnull=True, access_token_hash=token_hash(token)).first()
    if ticket is None:
        raise NotFound("No such ticket.", code="ticket_not_found")
    return ticket


def ticket_for_staff(*, reference: str) -> Ticket:
    ticket = (
        _base().filter(reference=(reference or "").strip().upper()).first() if _storable(reference) else None
    )
    if ticket is None:
        raise NotFound("No such ticket.", code="ticket_not_found")
    return ticket


def ticket_thread(ticket: Ticket, *, staff: bool = False) -> list[TicketMessage]:
    """The messages, oldest first, with their files; internal notes only for staff."""
    rows = ticket.messages.select_related("author").prefetch_related("attachments")
    if not staff:
        rows = rows.exclude(kind=MessageKind.NOTE)
    return list(rows)


def ticket_timeline(ticket: Ticket) -> list:
    return list(ticket.events.select_related("actor"))


def with_clock(rows: QuerySet[Ticket], now: datetime) -> QuerySet[Ticket]:
    """Annotate `clock`: "overdue" (due time passed), "nearly_due" (within NEARLY_DUE), "on_time", or
    "paused" (no deadline: waiting on the buyer, resolved or closed)."""
    return rows.annotate(
        clock=Case(
            When(due_at__isnull=True, then=Value("paused")),
            When(due_at__lt=now, then=Value("overdue")),
            When(due_at__lt=now + NEARLY_DUE, then=Value("nearly_due")),
            default=Value("on_time"),
        )
    )


def desk_queue(
    *,
    status: str = "active",
    topic: str | None = None,
    overdue: bool = False,
    assigned_to=None,
    now: datetime | None = None,
) -> QuerySet[Ticket]:
    """The desk queue, the nearest deadline first; `status` "active" (the store owes a step), "all" or one
    status; `overdue` keeps tickets whose due time passed; `assigned_to` keeps one person's tickets."""
    now = now or timezone.now()
    rows = _base()
    if status == "active":
        rows = rows.filter(status__in=ACTIVE_STATUSES)
    elif status in TicketStatus.values:
        rows = rows.filter(status=status)
    if topic:
        rows = rows.filter(topic=topic)
    if overdue:
        rows = rows.filter(due_at__lt=now)
    if assigned_to is not None:
        rows = rows.filter(assigned_to=assigned_to)
    return with_clock(rows, now).order_by(F("due_at").asc(nulls_last=True), "created_at", "id")


def desk_counts(*, now: datetime | None = None) -> dict[str, int]:
    """Active tickets by clock, in one query: overdue, nearly_due, on_time."""
    now = now or timezone.now()
    counts = Ticket.objects.filter(status__in=ACTIVE_STATUSES, due_at__isnull=False).aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        nearly_due=Count("pk", filter=Q(due_at__gte=now, due_at__lt=now + NEARLY_DUE)),
        on_time=Count("pk", filter=Q(due_at__gte=now + NEARLY_DUE)),
    )
    return {key: value or 0 for key, value in counts.items()}


def reply_targets() -> dict:
    """The active policy's reply targets per topic and the working hours they count in, for Contact Us."""
    from tradepost.policies.selectors import policy_active
    from tradepost.support.models import Topic

    policy = policy_active().policy
    rows = [
        {
            "topic": label,
            "first_response_hours": policy.support.target(key).first_response_working_hours,
            "resolution_hours": policy.support.target(key).resolution_working_hours,
        }
        for key, label in Topic.choices
    ]
    return {"rows": rows, "hours": policy.store.working_hours, "timezone": policy.store.timezone}


def canned_replies(*, topic: str | None = None) -> list[CannedReply]:
    rows = CannedReply.objects.filter(active=True)
    if topic:
        rows = rows.filter(Q(topic="") | Q(topic=topic))
    return list(rows)


def inbound_needing_staff() -> QuerySet[InboundEmail]:
    """Emails that did not land on a ticket: held (wrong sender, closed ticket) or without a reference."""
    return (
        InboundEmail.objects.filter(status__in=[InboundStatus.HELD, InboundStatus.UNROUTED])
        .select_related("ticket")
        .order_by("-received_at", "-id")
    )


def attachment_for(
    *, attachment_id: int, ticket: Ticket | None = None, staff: bool = False
) -> TicketAttachment:
    """A file of the ticket (files on internal notes only for staff), or any ticket's file for staff."""
    rows = TicketAttachment.objects.select_related("message")
    if ticket is not None:
        rows = rows.filter(message__ticket=ticket)
    elif not staff:
        rows = rows.none()
    if not staff:
        rows = rows.exclude(message__kind=MessageKind.NOTE)
    row = rows.filter(pk=attachment_id).first() if 0 < attachment_id < 2**63 else None
    if row is None or not row.file:
        raise NotFound("No such file.", code="file_not_found")
    return row


def thread_prefetch() -> Prefetch:
    return Prefetch("messages", queryset=TicketMessage.objects.prefetch_related("attachments"))
