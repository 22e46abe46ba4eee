"""Every deadline the staff desks work against, in one place: quotes due, paid orders awaiting review,
dispatch deadlines, RMAs awaiting action, refunds due and tickets due. Each clock is read from the owning
app's selector or due timestamps (overdue = due time < now), never from flags; a few queries per clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tradepost.accounts.roles import Desk, user_desks

# How far ahead "due soon" looks on the dashboard: a desk alert, not a store promise.
DUE_SOON = timedelta(hours=24)
SHOWN = 5


@dataclass(frozen=True)
class ClockItem:
    label: str
    due_at: datetime | None
    state: str  # overdue | due_soon | on_time | waiting (no due time yet)
    url: str


@dataclass(frozen=True)
class Clock:
    key: str
    label: str
    desk: str
    total: int
    overdue: int
    due_soon: int
    url: str
    oldest_at: datetime | None = None
    items: list[ClockItem] = field(default_factory=list)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _state(due_at: datetime | None, now: datetime, soon: timedelta = DUE_SOON) -> str:
    if due_at is None:
        return "waiting"
    if due_at < now:
        return "overdue"
    return "due_soon" if due_at < now + soon else "on_time"


def _counts(rows, due_field: str, now: datetime, soon: timedelta = DUE_SOON) -> dict:
    return rows.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(**{f"{due_field}__lt": now})),
        due_soon=Count("pk", filter=Q(**{f"{due_field}__gte": now, f"{due_field}__lt": now + soon})),
    )


def _inquiry_url(inquiry) -> str:
    # The sales desk pages arrive with the quotes desk; until then the admin shows the inquiry.
    try:
        return reverse("backoffice:quote_detail", args=[inquiry.number])
    except NoReverseMatch:
        return reverse("admin:quotes_inquiry_change", args=[inquiry.pk])


def _quotes(now: datetime) -> Clock:
    from tradepost.quotes.models import OPEN_STATUSES, Inquiry
    from tradepost.quotes.selectors import NEARLY_DUE

    rows = Inquiry.objects.filter(status__in=OPEN_STATUSES, first_quoted_at__isnull=True)
    counts = _counts(rows, "due_at", now, NEARLY_DUE)
    items = [
        ClockItem(
            f"{i.number} · {i.get_kind_display()}",
            i.due_at,
            _state(i.due_at, now, NEARLY_DUE),
            _inquiry_url(i),
        )
        for i in rows.order_by("due_at", "id")[:SHOWN]
    ]
    url = _url("backoffice:quote_queue") or reverse("admin:quotes_inquiry_changelist")
    return Clock("quotes", "Quotations due", Desk.SALES, url=url, items=items, **counts)


def _review(now: datetime) -> Clock:
    from tradepost.orders.selectors import review_queue

    rows = review_queue()
    counts = _counts(rows, "dispatch_due_at", now)
    oldest = rows.aggregate(oldest=Min("paid_at"))["oldest"]
    items = [
        ClockItem(
            f"{o.number} · paid {o.paid_at:%Y-%m-%d %H:%M}" if o.paid_at else o.number,
            o.dispatch_due_at,
            _state(o.dispatch_due_at, now),
            reverse("backoffice:order_detail", args=[o.number]),
        )
        for o in rows[:SHOWN]
    ]
    url = reverse("backoffice:order_review_queue")
    return Clock(
        "review",
        "Paid orders awaiting review",
        Desk.FULFILMENT,
        url=url,
        oldest_at=oldest,
        items=items,
        **counts,
    )


def _dispatch(now: datetime) -> Clock:
    from tradepost.shipping.selectors import dispatch_queue

    rows = dispatch_queue(now=now, within=DUE_SOON).filter(dispatch_due_at__isnull=False)
    counts = _counts(rows, "dispatch_due_at", now)
    items = [
        ClockItem(
            o.number,
            o.dispatch_due_at,
            _state(o.dispatch_due_at, now),
            reverse("backoffice:order_detail", args=[o.number]),
        )
        for o in rows[:SHOWN]
    ]
    return Clock(
        "dispatch",
        "Dispatch deadlines",
        Desk.FULFILMENT,
        url=reverse("backoffice:shipping_queue"),
        items=items,
        **counts,
    )


def _rmas(now: datetime) -> Clock:
    from tradepost.aftersales.selectors import desk_queue

    rows = desk_queue()
    summary = rows.aggregate(total=Count("pk"), oldest=Min("requested_at"))
    items = [
        ClockItem(
            f"{r.number} · {r.get_state_display()}",
            None,
            "waiting",
            reverse("backoffice:aftersales_rma", args=[r.number]),
        )
        for r in rows[:SHOWN]
    ]
    return Clock(
        "rmas",
        "RMAs awaiting action",
        Desk.AFTERSALES,
        total=summary["total"],
        overdue=0,
        due_soon=0,
        oldest_at=summary["oldest"],
        url=reverse("backoffice:aftersales_queue"),
        items=items,
    )


def _refunds(now: datetime) -> Clock:
    from tradepost.payments.models import Refund

    rows = Refund.objects.filter(status__in=[Refund.Status.PENDING, Refund.Status.FAILED]).select_related(
        "order"
    )
    counts = _counts(rows, "due_at", now)
    items = [
        ClockItem(
            f"{r.amount} USD · order {r.order.number}",
            r.due_at,
            _state(r.due_at, now),
            reverse("backoffice:order_detail", args=[r.order.number]),
        )
        for r in rows.order_by("due_at", "id")[:SHOWN]
    ]
    return Clock(
        "refunds",
        "Refunds due",
        Desk.FINANCE,
        url=reverse("backoffice:payments") + "#refunds",
        items=items,
        **counts,
    )


def _tickets(now: datetime) -> Clock:
    from tradepost.support.models import ACTIVE_STATUSES, Ticket
    from tradepost.support.selectors import NEARLY_DUE

    rows = Ticket.objects.filter(status__in=ACTIVE_STATUSES)
    counts = _counts(rows, "due_at", now, NEARLY_DUE)
    items = [
        ClockItem(
            f"{t.reference} · {t.get_topic_display()}",
            t.due_at,
            _state(t.due_at, now, NEARLY_DUE),
            reverse("backoffice:support_ticket", args=[t.reference]),
        )
        for t in rows.order_by("due_at", "id")[:SHOWN]
    ]
    return Clock(
        "tickets", "Tickets due", Desk.SUPPORT, url=reverse("backoffice:support_queue"), items=items, **counts
    )


CLOCKS = (
    (Desk.SALES, _quotes),
    (Desk.FULFILMENT, _review),
    (Desk.FULFILMENT, _dispatch),
    (Desk.AFTERSALES, _rmas),
    (Desk.FINANCE, _refunds),
    (Desk.SUPPORT, _tickets),
)


def desk_clocks(*, user, now: datetime | None = None) -> list[Clock]:
    """The clocks of the desks the user sits at (superusers: all), those with overdue work first."""
    now = now or timezone.now()
    desks = user_desks(user)
    clocks = [build(now) for desk, build in CLOCKS if desk.value in desks]
    return sorted(clocks, key=lambda c: (c.overdue == 0, c.due_soon == 0, -c.overdue))
