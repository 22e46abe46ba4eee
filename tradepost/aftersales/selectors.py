"""Reads for after-sales: ONE entitlements selector (order page, RMA forms and API alike), RMA lookups
scoped to who may see them, the desk queue and the refunds it watches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from tradepost.aftersales.calculations import Remedy, Window, window_end
from tradepost.aftersales.models import Rma, RmaEvent, RmaReason, TroubleshootingGuide
from tradepost.core.exceptions import NotFound
from tradepost.orders.models import Order, OrderLine
from tradepost.orders.services import order_policy
from tradepost.policies.schema import AfterSalesStart, StorePolicy

# Which reasons each remedy can answer, before the policy narrows it (the guarantee's `covers`).
_ANY_REASON = {
    RmaReason.DEFECTIVE,
    RmaReason.WRONG_ITEM,
    RmaReason.NOT_AS_DESCRIBED,
    RmaReason.CHANGED_MIND,
    RmaReason.OTHER,
}
_FAULT = {RmaReason.DEFECTIVE, RmaReason.WRONG_ITEM, RmaReason.NOT_AS_DESCRIBED}
# When a reason fits several open remedies, the buyer gets the first (the most generous outcome first).
PREFERENCE = (Remedy.QUALITY_GUARANTEE, Remedy.MONEY_BACK, Remedy.RETURNS, Remedy.WARRANTY)


@dataclass(frozen=True)
class Entitlement:
    """One remedy of one line: its window and the reasons it answers."""

    window: Window
    label: str
    reasons: frozenset[str]
    remedies: tuple[str, ...]  # what the store may do: refund, replacement, repair
    open: bool
    not_started_because: str = ""

    @property
    def remedy(self) -> str:
        return self.window.remedy

    @property
    def rule(self) -> str:
        return self.window.rule

    @property
    def ends_at(self) -> datetime | None:
        return self.window.ends_at

    @property
    def lifetime(self) -> bool:
        return self.window.lifetime


@dataclass
class LineEntitlements:
    line: OrderLine
    shipped_at: datetime | None
    delivered_at: datetime | None
    in_transit: bool  # some of the line's parcels have not arrived
    claimable: int  # shipped units not already in an RMA
    entitlements: list[Entitlement] = field(default_factory=list)
    warranty_class: str = ""
    troubleshooting: TroubleshootingGuide | None = None
    troubleshooting_required: bool = False

    @property
    def open(self) -> list[Entitlement]:
        return [e for e in self.entitlements if e.open]

    def for_reason(self, reason: str) -> list[Entitlement]:
        return [e for e in self.entitlements if reason in e.reasons]


def money_back_resolutions(policy) -> tuple[str, ...]:
    """What a money-back claim may be settled with, from the policy's remedies: a refund, and a
    replacement when the policy offers one (of the same product, or of the same value)."""
    offered = {str(remedy) for remedy in policy.money_back.remedies}
    resolutions = ["refund"] if "refund" in offered else []
    if offered & {"replacement_same_product", "replacement_same_value"}:
        resolutions.append("replacement")
    return tuple(resolutions)


def _start(counted_from, *, shipped_at, delivered_at) -> datetime | None:
    return delivered_at if counted_from == AfterSalesStart.DELIVERY else shipped_at


def _event_words(counted_from) -> str:
    return "delivery" if counted_from == AfterSalesStart.DELIVERY else "first shipment"


def line_windows(
    *,
    policy: StorePolicy,
    member: bool,
    warranty_class: str,
    first_shipped_at: datetime | None,
    shipped_at: datetime | None,
    delivered_at: datetime | None,
    now: datetime,
) -> list[Entitlement]:
    """Every remedy the policy gives a shipped line, with its window; pure given its inputs."""
    zone = ZoneInfo(policy.store.timezone)
    out: list[Entitlement] = []

    def add(remedy, rule, start, *, days=None, months=None, lifetime=False, reasons, remedies, label, why=""):
        ends = None if (start is None or lifetime) else window_end(start, zone, days=days, months=months)
        window = Window(remedy=remedy, rule=rule, starts_at=start, ends_at=ends, lifetime=lifetime)
        out.append(Entitlement(window, label, frozenset(reasons), remedies, window.is_open(now), why))

    qg = policy.quality_guarantee
    if qg.enabled:
        days = qg.days_for(member=member)
        counted = qg.counted_from
        rule = f"{days}-day quality guarantee{' (member days)' if member and qg.member_days else ''}"
        rule += f", counted from {_event_words(counted)}"
        reasons = {c.value for c in qg.covers} & (_FAULT | {RmaReason.LOST_PARCEL})
        start = _start(counted, shipped_at=first_shipped_at, delivered_at=delivered_at)
        lost = RmaReason.LOST_PARCEL in reasons
        fault_reasons = reasons - {RmaReason.LOST_PARCEL}
        if fault_reasons:
            add(
                Remedy.QUALITY_GUARANTEE,
                rule,
                start,
                days=days,
                reasons=fault_reasons,
                remedies=("refund", "replacement"),
                label="Quality guarantee",
                why="" if start else f"starts at {_event_words(counted)}",
            )
        if lost and delivered_at is None and shipped_at is not None:
            # A parcel that never arrived: the guarantee runs from when it left.
            add(
                Remedy.QUALITY_GUARANTEE,
                f"{days}-day quality guarantee for lost parcels, counted from shipment",
                shipped_at,
                days=days,
                reasons={RmaReason.LOST_PARCEL},
                remedies=("refund", "replacement"),
                label="Lost-parcel claim",
            )
    warranty = policy.warranty
    wclass = policy.warranty_class(warranty_class) if warranty.enabled else None
    if wclass is not None:
        counted = warranty.counted_from
        start = _start(counted, shipped_at=first_shipped_at, delivered_at=delivered_at)
        length = "lifetime" if wclass.lifetime else f"{wclass.months} months"
        add(
            Remedy.WARRANTY,
            f"Warranty for {wclass.label}: {length}, counted from {_event_words(counted)}",
            start,
            months=wclass.months,
            lifetime=wclass.lifetime,
            reasons={RmaReason.DEFECTIVE},
            remedies=tuple(r.value for r in warranty.remedies),
            label="Warranty",
            why="" if start else f"starts at {_event_words(counted)}",
        )
    mb = policy.money_back
    if mb.enabled:
        counted = mb.counted_from
        start = _start(counted, shipped_at=first_shipped_at, delivered_at=delivered_at)
        shipping = "" if mb.refunds_original_shipping else "; shipping is not refunded"
        add(
            Remedy.MONEY_BACK,
            f"{mb.days}-day money-back guarantee, counted from {_event_words(counted)}{shipping}",
            start,
            days=mb.days,
            reasons=_ANY_REASON if mb.any_reason else _FAULT,
            remedies=money_back_resolutions(policy),
            label="Money-back guarantee",
            why="" if start else f"starts at {_event_words(counted)}",
        )
    returns = policy.returns
    if returns.enabled:
        counted = returns.counted_from
        start = _start(counted, shipped_at=first_shipped_at, delivered_at=delivered_at)
        add(
            Remedy.RETURNS,
            f"{returns.days}-day returns, counted from {_event_words(counted)}",
            start,
            days=returns.days,
            reasons=_ANY_REASON,
            remedies=("refund",),
            label="Return",
            why="" if start else f"starts at {_event_words(counted)}",
        )
    return out


def troubleshooting_for(line: OrderLine) -> TroubleshootingGuide | None:
    """The product's own guide, else the nearest category's up the tree."""
    if line.product_id is None:
        return None
    guide = TroubleshootingGuide.objects.filter(product_id=line.product_id).first()
    if guide is not None:
        return guide
    from tradepost.catalog.selectors import category_ancestors

    category = line.product.category
    chain = [category, *reversed(category_ancestors(category))]
    guides = {g.category_id: g for g in TroubleshootingGuide.objects.filter(category__in=chain)}
    return next((guides[c.pk] for c in chain if c.pk in guides), None)


def _claimed(order: Order) -> dict[int, int]:
    rows = (
        Rma.objects.filter(order=order, rejected_at__isnull=True)
        .values("line_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["line_id"]: row["units"] for row in rows}


def order_entitlements(
    order: Order, *, now: datetime | None = None, with_guides: bool = False
) -> list[LineEntitlements]:
    """For every shipped line of the order: each remedy with its window, rule and whether it is open.

    The one source for the order page, the RMA forms and the API.
    """
    from tradepost.shipping.models import ShipmentLine

    now = now or timezone.now()
    policy = order_policy(order)
    parcels: dict[int, list] = {}
    for row in ShipmentLine.objects.filter(shipment__order=order).select_related("shipment"):
        parcels.setdefault(row.order_line_id, []).append(row.shipment)
    claimed = _claimed(order)
    out = []
    lines = order.lines.select_related("product__category") if with_guides else order.lines.all()
    for line in lines:
        if line.quantity_shipped <= 0:
            continue
        shipments = parcels.get(line.pk, [])
        shipped_at = min((s.shipped_at for s in shipments), default=order.first_shipped_at)
        delivered = [s.delivered_at for s in shipments if s.delivered_at]
        in_transit = any(s.delivered_at is None for s in shipments)
        delivered_at = max(delivered) if delivered else (order.delivered_at if not shipments else None)
        item = LineEntitlements(
            line=line,
            shipped_at=shipped_at,
            delivered_at=delivered_at,
            in_transit=in_transit,
            claimable=max(line.quantity_shipped - claimed.get(line.pk, 0), 0),
            entitlements=line_windows(
                policy=policy,
                member=order.member_benefits,
                warranty_class=line.warranty_class,
                first_shipped_at=order.first_shipped_at,
                shipped_at=shipped_at,
                delivered_at=delivered_at,
                now=now,
            ),
        )
        wclass = policy.warranty_class(line.warranty_class)
        item.warranty_class = wclass.label if wclass else ""
        if with_guides and policy.warranty.enabled:
            item.troubleshooting = troubleshooting_for(line)
            item.troubleshooting_required = bool(
                policy.warranty.troubleshooting_before_claim and item.troubleshooting
            )
        out.append(item)
    return out


def line_entitlements(order: Order, line_id: int, *, now: datetime | None = None) -> LineEntitlements:
    for item in order_entitlements(order, now=now, with_guides=True):
        if item.line.pk == line_id:
            return item
    raise NotFound("No shipped line with this id on the order.", field="line", code="line_not_found")


# --- RMAs -------------------------------------------------------------------------------------------------


def _rmas():
    # Lists render each RMA with its photo count and timeline: prefetched, so a page costs four queries.
    return Rma.objects.select_related(
        "order", "order__user", "order__policy_version", "line", "refund", "follow_up_order"
    ).prefetch_related("photos", Prefetch("events", queryset=RmaEvent.objects.select_related("actor")))


def rmas_for_buyer(*, user):
    """The buyer's RMAs (and those a reseller filed for their customers), newest first."""
    return _rmas().filter(order__user=user)


def rma_for_buyer(*, user, number: str) -> Rma:
    rma = rmas_for_buyer(user=user).filter(number=(number or "").strip().upper()).first() if user else None
    if rma is None or "\x00" in (number or ""):
        raise NotFound("No such RMA.", code="rma_not_found")
    return rma


def rma_for_staff(*, number: str) -> Rma:
    number = (number or "").strip().upper()
    rma = _rmas().filter(number=number).first() if "\x00" not in number else None
    if rma is None:
        raise NotFound("No such RMA.", code="rma_not_found")
    return rma


def rma_for_token(*, token: str) -> Rma:
    from tradepost.aftersales.services import token_hash

    rma = (
        _rmas().filter(access_token_hash=token_hash(token)).first() if token and "\x00" not in token else None
    )
    if rma is None:
        raise NotFound("No such RMA.", code="rma_not_found")
    return rma


def rmas_for_order(order: Order) -> list[Rma]:
    return list(_rmas().filter(order=order).order_by("requested_at", "id"))


def rma_timeline(rma: Rma, *, staff: bool = False) -> list[RmaEvent]:
    """The RMA's events, oldest first; buyers see those marked buyer_visible."""
    events = sorted(rma.events.all(), key=lambda e: (e.created_at, e.pk))
    return events if staff else [e for e in events if e.buyer_visible]


def desk_queue(*, state: str | None = None):
    """RMAs waiting for the desk, oldest first; `state` narrows to one derived state."""
    qs = _rmas().order_by("requested_at", "id")
    filters = {
        "requested": Q(approved_at__isnull=True, rejected_at__isnull=True),
        "approved": Q(
            approved_at__isnull=False,
            return_shipped_at__isnull=True,
            received_at__isnull=True,
            inspected_at__isnull=True,
            resolved_at__isnull=True,
        ),
        "return_shipped": Q(return_shipped_at__isnull=False, received_at__isnull=True),
        "received": Q(received_at__isnull=False, inspected_at__isnull=True),
        "inspected": Q(inspected_at__isnull=False, resolved_at__isnull=True),
        "resolved": Q(resolved_at__isnull=False),
        "rejected": Q(rejected_at__isnull=False),
    }
    if state in filters:
        return qs.filter(filters[state])
    return qs.filter(resolved_at__isnull=True, rejected_at__isnull=True)


@dataclass(frozen=True)
class RefundWatch:
    refund: object
    overdue: bool
    near: bool  # due within NEAR_WORKING_DAYS working days


NEAR_WORKING_DAYS = 2


def refunds_watch(*, now: datetime | None = None) -> list[RefundWatch]:
    """RMA refunds still to be sent, due first; overdue = `due_at < now`, near = due within two working
    days of the order's store calendar."""
    from tradepost.payments.models import Refund
    from tradepost.policies.selectors import store_calendar

    now = now or timezone.now()
    rows = (
        Refund.objects.filter(rma__isnull=False, status__in=[Refund.Status.PENDING, Refund.Status.FAILED])
        .select_related("order", "order__policy_version", "rma")
        .order_by("due_at", "id")[:500]
    )
    out = []
    for refund in rows:
        calendar = store_calendar(order_policy(refund.order))
        overdue = refund.due_at < now
        near = not overdue and refund.due_at <= calendar.add_working_days(now, NEAR_WORKING_DAYS)
        out.append(RefundWatch(refund, overdue, near))
    return out
