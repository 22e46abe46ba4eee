"""Shipping state changes: parcels leaving the warehouse and the tracking events that follow them."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tradepost.core.exceptions import Conflict, FieldError, ValidationFailed
from tradepost.invoices.services import invoice_issue_if_due
from tradepost.orders.events import order_event_record
from tradepost.orders.models import ChangeProposal, Order, OrderEvent, OrderLine, OrderStatus
from tradepost.orders.services import order_lock, order_policy, order_record_delivery, order_record_shipment
from tradepost.policies.selectors import store_calendar
from tradepost.shipping.calculations import transit_window
from tradepost.shipping.models import (
    Carrier,
    CarrierService,
    Shipment,
    ShipmentLine,
    TrackingEvent,
    TrackingStatus,
)
from tradepost.shipping.selectors import SHIPPABLE

TRACKING_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
MAX_NOTE = 2000
MAX_BATCH = 1000
# A carrier may log a parcel (label printed, picked up) a little before staff record it as shipped.
EARLY_EVENTS = timedelta(days=1)


def _service(carrier_code: str, service_code: str) -> CarrierService:
    service = (
        CarrierService.objects.select_related("carrier")
        .filter(carrier__code=carrier_code or "", code=service_code or "")
        .first()
    )
    if service is None:
        raise ValidationFailed("No such carrier service.", field="service", code="unknown_service")
    if not (service.active and service.carrier.active):
        raise ValidationFailed(f"{service} is switched off.", field="service", code="inactive_service")
    return service


def _quantities(order: Order, quantities: dict[int, int] | None) -> list[tuple[OrderLine, int]]:
    """The lines and quantities of the parcel; None means everything still to ship."""
    lines = {line.pk: line for line in order.lines.all()}
    if quantities is None:
        chosen = [(line, line.quantity_to_ship) for line in lines.values() if line.quantity_to_ship > 0]
        if not chosen:
            raise Conflict("Nothing is left to ship on this order.", code="nothing_to_ship")
        return sorted(chosen, key=lambda pair: pair[0].pk)
    errors, chosen = [], []
    for line_id, quantity in quantities.items():
        where = f"lines.{line_id}"
        line = lines.get(line_id)
        if line is None:
            errors.append(FieldError(where, "Not a line of this order.", "not_found"))
        elif isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            errors.append(FieldError(where, "Enter a whole number of units.", "invalid"))
        elif quantity > line.quantity_to_ship:
            errors.append(
                FieldError(where, f"Only {line.quantity_to_ship} of {line.sku} left to ship.", "too_many")
            )
        elif quantity:
            chosen.append((line, quantity))
    if errors:
        raise ValidationFailed("Some quantities cannot be shipped.", errors=errors)
    if not chosen:
        raise ValidationFailed("Put at least one unit in the parcel.", field="lines", code="empty")
    return sorted(chosen, key=lambda pair: pair[0].pk)


def shipment_create(
    *,
    order: Order,
    actor,
    carrier: str,
    service: str,
    tracking_number: str,
    quantities: dict[int, int] | None = None,
    note: str = "",
) -> Shipment:
    """Send a parcel with all (quantities=None) or part of what is left to ship; locks the order row.

    The first parcel records the first shipment time and, where due, issues the commercial invoice.
    The order becomes partially shipped or shipped; the buyer is emailed the tracking link. Not safe to
    retry blindly: a second call sends a second parcel (the same tracking number twice is refused).
    """
    tracking_number = (tracking_number or "").strip().upper().replace(" ", "")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"At most {MAX_NOTE} characters.", field="note", code="too_long")
    chosen_service = _service(carrier, service)
    try:
        return _shipment_create(
            order=order,
            actor=actor,
            chosen_service=chosen_service,
            tracking_number=tracking_number,
            quantities=quantities,
            note=note,
        )
    except IntegrityError:
        # Another parcel took the same tracking number between our check and our insert.
        raise Conflict(
            f"{chosen_service.carrier.name} tracking number {tracking_number} is already on a parcel.",
            field="tracking_number",
            code="duplicate_tracking_number",
        ) from None


def _shipment_create(*, order, actor, chosen_service, tracking_number, quantities, note) -> Shipment:
    with transaction.atomic():
        order = order_lock(order)
        policy = order_policy(order)
        if tracking_number and not TRACKING_NUMBER.match(tracking_number):
            raise ValidationFailed(
                "4 to 40 letters, digits and dashes.", field="tracking_number", code="invalid"
            )
        if policy.shipping.tracking and not tracking_number:
            raise ValidationFailed(
                "This store promises tracking on every parcel: enter the tracking number.",
                field="tracking_number",
                code="required",
            )
        if order.status not in SHIPPABLE:
            raise Conflict(
                f"An order that is {order.get_status_display().lower()} cannot be shipped; "
                "it must be approved first.",
                code="not_shippable",
            )
        if ChangeProposal.objects.filter(order=order, status=ChangeProposal.Status.PROPOSED).exists():
            raise Conflict(
                "The buyer has not answered the proposed change yet; ship after they decide.",
                code="proposal_open",
            )
        if order.shipping_carrier and order.shipping_carrier != chosen_service.carrier.code and not note:
            raise ValidationFailed(
                f"The buyer chose {order.shipping_method_label}; note why another carrier is used.",
                field="note",
                code="required",
            )
        if (
            tracking_number
            and Shipment.objects.filter(
                carrier=chosen_service.carrier, tracking_number=tracking_number
            ).exists()
        ):
            raise Conflict(
                f"{chosen_service.carrier.name} tracking number {tracking_number} is already on a parcel.",
                field="tracking_number",
                code="duplicate_tracking_number",
            )
        chosen = _quantities(order, quantities)
        now = timezone.now()
        earliest, latest = transit_window(
            store_calendar(policy),
            now,
            min_days=chosen_service.transit_min_working_days,
            max_days=chosen_service.transit_max_working_days,
        )
        count = Shipment.objects.filter(order=order).count()
        shipment = Shipment.objects.create(
            order=order,
            number=f"{order.number}-{count + 1}",
            carrier=chosen_service.carrier,
            service=chosen_service,
            tracking_number=tracking_number,
            shipped_at=now,
            shipped_by=actor,
            estimated_delivery_earliest_at=earliest,
            estimated_delivery_latest_at=latest,
            note=note,
        )
        for line, quantity in chosen:
            updated = OrderLine.objects.filter(
                pk=line.pk, cancelled=False, quantity_shipped__lte=F("quantity") - quantity
            ).update(quantity_shipped=F("quantity_shipped") + quantity)
            if not updated:  # the lock makes this unreachable; the condition keeps the count honest anyway
                raise Conflict(f"{line.sku}: more than ordered would be shipped.", code="over_shipped")
            line.quantity_shipped += quantity
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=shipment, order_line=line, quantity=quantity) for line, quantity in chosen
        )
        fully = all(line.quantity_to_ship == 0 for line in order.lines.all())
        units = ", ".join(f"{quantity} x {line.mpn}" for line, quantity in chosen)
        tracking = f", tracking number {tracking_number}" if tracking_number else ""
        message = (
            f"Parcel {shipment.number} shipped with {chosen_service}{tracking}: {units}. "
            f"Expected between {earliest:%Y-%m-%d} and {latest:%Y-%m-%d}."
        )
        first = order.first_shipped_at is None
        order_record_shipment(
            order=order,
            actor=actor,
            fully_shipped=fully,
            message=message,
            data={
                "shipment": shipment.number,
                "tracking_number": tracking_number,
                "lines": {str(line.pk): quantity for line, quantity in chosen},
            },
            at=now,
        )
        if first:
            invoice_issue_if_due(order=order, actor=actor)
    return shipment


# --- Tracking ----------------------------------------------------------------------------------------------


@dataclass
class TrackingResult:
    created: int = 0
    duplicates: int = 0
    delivered_shipments: list[str] = field(default_factory=list)
    delivered_orders: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Event:
    shipment: Shipment
    carrier: Carrier
    event_id: str
    occurred_at: datetime
    status: str
    location: str
    description: str


def _clean_event(
    raw, where: str, now: datetime, errors: list[FieldError], shipments: dict, carriers: set[str]
) -> _Event | None:
    if not isinstance(raw, dict):
        errors.append(FieldError(where, "Expected an object.", "invalid"))
        return None
    problems = len(errors)

    def text(name: str, limit: int, *, required: bool) -> str:
        value = raw.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(FieldError(f"{where}.{name}", "Expected text.", "invalid"))
            return ""
        value = value.strip()
        if required and not value:
            errors.append(FieldError(f"{where}.{name}", "This is required.", "required"))
        elif len(value) > limit:
            errors.append(FieldError(f"{where}.{name}", f"At most {limit} characters.", "too_long"))
        return value

    carrier_code = text("carrier", 30, required=True).lower()
    tracking_number = text("tracking_number", 40, required=True).upper().replace(" ", "")
    event_id = text("event_id", 100, required=True)
    status = text("status", 20, required=True)
    location = text("location", 200, required=False)
    description = text("description", 500, required=False)
    occurred_raw = raw.get("occurred_at")
    occurred_at = None
    if isinstance(occurred_raw, datetime):
        occurred_at = occurred_raw
    elif isinstance(occurred_raw, str) and occurred_raw.strip():
        try:
            occurred_at = parse_datetime(occurred_raw.strip())
        except ValueError:
            occurred_at = None
    if occurred_at is None:
        errors.append(
            FieldError(f"{where}.occurred_at", "A date and time such as 2026-11-20T14:05:00Z.", "invalid")
        )
    elif occurred_at.tzinfo is None:
        errors.append(FieldError(f"{where}.occurred_at", "Give the time zone (Z or +08:00).", "invalid"))
        occurred_at = None
    elif occurred_at > now + timedelta(hours=1):
        errors.append(FieldError(f"{where}.occurred_at", "This is in the future.", "future"))
    if status and status not in TrackingStatus.values:
        errors.append(
            FieldError(f"{where}.status", f"One of: {', '.join(TrackingStatus.values)}.", "invalid_choice")
        )
    shipment = None
    if carrier_code and carrier_code not in carriers:
        errors.append(
            FieldError(f"{where}.carrier", f"No carrier with the code '{carrier_code}'.", "not_found")
        )
    elif carrier_code and tracking_number:
        shipment = shipments.get((carrier_code, tracking_number))
        if shipment is None:
            errors.append(
                FieldError(
                    f"{where}.tracking_number",
                    f"No parcel with {carrier_code} tracking number {tracking_number}.",
                    "not_found",
                )
            )
    if shipment is not None and occurred_at is not None and occurred_at < shipment.shipped_at - EARLY_EVENTS:
        errors.append(
            FieldError(
                f"{where}.occurred_at",
                f"Before parcel {shipment.number} was shipped ({shipment.shipped_at:%Y-%m-%d %H:%M} UTC).",
                "before_shipment",
            )
        )
    if len(errors) > problems:
        return None
    return _Event(shipment, shipment.carrier, event_id, occurred_at, status, location, description)


def tracking_events_record(*, events: list, actor, source: str = "api") -> TrackingResult:
    """Record carrier tracking events, one or a batch, all or nothing.

    Every event is validated first; any problem (field paths like `events[3].occurred_at`) means none is
    written. An event already recorded (same carrier and event id) is counted as a duplicate and changes
    nothing, so a carrier may resend. A "delivered" event marks its parcel delivered, and the order when
    all its parcels have arrived and nothing is left to ship. Locks the affected orders' rows.
    """
    if not isinstance(events, list) or not events:
        raise ValidationFailed("Send at least one event.", field="events", code="required")
    if len(events) > MAX_BATCH:
        raise ValidationFailed(f"At most {MAX_BATCH} events at once.", field="events", code="too_many")
    now = timezone.now()
    keys = {
        (
            str(raw.get("carrier", "")).strip().lower(),
            str(raw.get("tracking_number", "")).strip().upper().replace(" ", ""),
        )
        for raw in events
        if isinstance(raw, dict)
    }
    shipments = {
        (s.carrier.code, s.tracking_number): s
        for s in Shipment.objects.filter(
            tracking_number__in={number for _, number in keys if number}
        ).select_related("carrier", "order")
        if (s.carrier.code, s.tracking_number) in keys
    }
    errors: list[FieldError] = []
    carriers = set(Carrier.objects.values_list("code", flat=True))
    cleaned = [
        _clean_event(raw, f"events[{n}]", now, errors, shipments, carriers) for n, raw in enumerate(events)
    ]
    seen: dict[tuple[int, str], int] = {}
    for n, event in enumerate(cleaned):
        if event is None:
            continue
        key = (event.carrier.pk, event.event_id)
        if key in seen:
            errors.append(
                FieldError(f"events[{n}].event_id", f"Same event id as events[{seen[key]}].", "duplicate")
            )
        seen[key] = n
    if errors:
        raise ValidationFailed("Some tracking events are not valid; none was recorded.", errors=errors)
    result = TrackingResult()
    by_order: dict[int, list[_Event]] = {}
    for event in cleaned:
        by_order.setdefault(event.shipment.order_id, []).append(event)
    try:
        with transaction.atomic():
            for order_id in sorted(by_order):  # a fixed lock order: two batches never deadlock
                _record_for_order(by_order[order_id], actor=actor, source=source, now=now, result=result)
    except IntegrityError:
        # The same carrier event id arrived in another batch for another order at this very moment.
        raise Conflict(
            "Some of these events were being recorded by another request; send the batch again.",
            code="concurrent_events",
        ) from None
    return result


def _record_for_order(
    events: list[_Event], *, actor, source: str, now: datetime, result: TrackingResult
) -> None:
    order = order_lock(events[0].shipment.order)
    known = set(
        TrackingEvent.objects.filter(
            carrier__in={e.carrier.pk for e in events}, carrier_event_id__in=[e.event_id for e in events]
        ).values_list("carrier_id", "carrier_event_id")
    )
    touched: dict[int, Shipment] = {}
    for event in events:
        if (event.carrier.pk, event.event_id) in known:
            result.duplicates += 1
            continue
        TrackingEvent.objects.create(
            shipment=event.shipment,
            carrier=event.carrier,
            carrier_event_id=event.event_id,
            occurred_at=event.occurred_at,
            status=event.status,
            location=event.location,
            description=event.description,
            recorded_at=now,
            recorded_by=actor,
            source=source,
        )
        result.created += 1
        touched[event.shipment.pk] = event.shipment
    for shipment in touched.values():
        _refresh_shipment(shipment, order=order, actor=actor, result=result)
    if touched and order.status == OrderStatus.SHIPPED:
        pending = Shipment.objects.filter(order=order, delivered_at__isnull=True).exists()
        if not pending:
            last = Shipment.objects.filter(order=order).aggregate(last=Max("delivered_at"))["last"]
            order_record_delivery(
                order=order, actor=actor, at=last, message="Every parcel has been delivered."
            )
            result.delivered_orders.append(order.number)


def _refresh_shipment(shipment: Shipment, *, order: Order, actor, result: TrackingResult) -> None:
    """Latest status from the newest event by occurrence; delivered at the first delivered event."""
    latest = TrackingEvent.objects.filter(shipment=shipment).order_by("-occurred_at", "-id").first()
    delivered = (
        TrackingEvent.objects.filter(shipment=shipment, status=TrackingStatus.DELIVERED)
        .order_by("occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    fields = {"last_event_at": latest.occurred_at, "last_status": latest.status}
    if shipment.delivered_at is None and delivered is not None:
        fields["delivered_at"] = delivered
        result.delivered_shipments.append(shipment.number)
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.TRACKING,
            actor=actor,
            message=f"Parcel {shipment.number} was delivered.",
            data={"shipment": shipment.number},
            at=delivered,
        )
    Shipment.objects.filter(pk=shipment.pk).update(**fields)
    for name, value in fields.items():
        setattr(shipment, name, value)


def shipment_mark_delivered(
    *, shipment: Shipment, actor, at: datetime | None = None, note: str = ""
) -> Shipment:
    """Staff confirm delivery of a parcel whose carrier sends no feed (or that has no tracking number).

    Recorded as a staff tracking event on the parcel; locks the order row like any tracking event.
    """
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed("At most 500 characters.", field="note", code="too_long")
    now = timezone.now()
    at = at or now
    if at > now + timedelta(hours=1):
        raise ValidationFailed("This is in the future.", field="at", code="future")
    with transaction.atomic():
        shipment = Shipment.objects.select_related("carrier", "order").get(pk=shipment.pk)
        if shipment.delivered_at is not None:
            raise Conflict("This parcel is already marked delivered.", code="already_delivered")
        if at < shipment.shipped_at:
            raise ValidationFailed(
                f"Before the parcel was shipped ({shipment.shipped_at:%Y-%m-%d %H:%M} UTC).",
                field="at",
                code="before_shipment",
            )
        event = _Event(
            shipment,
            shipment.carrier,
            f"staff-{shipment.number}-delivered",
            at,
            TrackingStatus.DELIVERED,
            "",
            note or "Delivery confirmed by staff",
        )
        _record_for_order([event], actor=actor, source="staff", now=now, result=TrackingResult())
    shipment.refresh_from_db()
    return shipment
