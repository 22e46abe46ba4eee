"""Shipping API: rate quotes, the buyer's parcels and their tracking, the fulfilment desk's shipping work,
and the carriers' tracking feed."""

from dataclasses import replace
from datetime import datetime

from django_countries import countries
from ninja import Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradepost.accounts.roles import Desk
from tradepost.api.auth import AcceptedSessionAuth, AcceptedTokenAuth, TokenAuth, member, require_desk
from tradepost.api.cart import path_text
from tradepost.api.orders import (
    MAX_PER_PAGE,
    OrderShipmentOut,
    QueueItemOut,
    ShippingOptionOut,
    buyer_order,
    render_order_shipment,
    render_summary,
    shipping_option_out,
)
from tradepost.api.schemas import In, page_of
from tradepost.cart.selectors import cart_view
from tradepost.cart.services import MAX_LINES, MAX_QUANTITY, cart_for
from tradepost.core.exceptions import FieldError, ValidationFailed
from tradepost.orders.selectors import order_for_staff
from tradepost.policies.selectors import policy_active
from tradepost.shipping import selectors, services
from tradepost.shipping.models import DEFAULT_VOLUMETRIC_DIVISOR, TrackingStatus
from tradepost.storefront.views.cart import CART_TOKEN_KEY  # where a visitor's session keeps the cart

router = Router(tags=["shipping"])


# --- Output -----------------------------------------------------------------------------------------------


class QuoteOut(Schema):
    country: str
    incoterm: str = Field(description="DDP: the store pays import duties and taxes; DAP: the buyer does.")
    weight_grams: int = Field(description="The actual weight of the goods.")
    chargeable_weight_grams: int = Field(
        description="The larger of actual and volumetric weight (the first option's, else at 5000 cm³/kg)."
    )
    options: list[ShippingOptionOut] = Field(description="Cheapest first; empty when nothing ships there.")
    problem: str | None = Field(description="Why there is no option; null when there is one.")


class ShipmentLineOut(Schema):
    line_id: int = Field(description="The order line.")
    sku: str
    mpn: str
    quantity: int


class TrackingEventOut(Schema):
    occurred_at: datetime
    status: str
    status_label: str
    location: str
    description: str


class ShipmentOut(OrderShipmentOut):
    order: str = Field(description="The order number.")
    lines: list[ShipmentLineOut]
    events: list[TrackingEventOut] = Field(description="Tracking events, newest first.")


class StaffShipmentOut(ShipmentOut):
    note: str
    shipped_by: str = Field(description="Email of the staff member who shipped it.")


class DispatchItemOut(QueueItemOut):
    shipping_method: str
    shipping_method_label: str
    clock: str = Field(description="overdue | due_soon (within 24 hours) | on_time | not_started")


class DispatchPageOut(Schema):
    items: list[DispatchItemOut]
    page: int
    per_page: int
    total: int


class StaleShipmentOut(OrderShipmentOut):
    order: str = Field(description="The order number.")
    note: str
    last_news_at: datetime = Field(description="The last tracking event, or the shipping time without one.")


class StalePageOut(Schema):
    items: list[StaleShipmentOut]
    days: int
    page: int
    per_page: int
    total: int


class TrackingResultOut(Schema):
    created: int
    duplicates: int = Field(description="Events already recorded (same carrier and event id); unchanged.")
    delivered_shipments: list[str] = Field(description="Parcels this request marked delivered.")
    delivered_orders: list[str] = Field(description="Orders this request marked delivered.")


# --- Input ------------------------------------------------------------------------------------------------


class QuoteItemIn(In):
    sku: str = Field(max_length=64)
    quantity: int = Field(description=f"Units, 1 to {MAX_QUANTITY:,}.")


class QuoteIn(In):
    country: str = Field(max_length=64, description="Destination, ISO 3166-1 alpha-2 (e.g. US).")
    items: list[QuoteItemIn] | None = Field(
        None, max_length=MAX_LINES, description="The goods; omit to quote the caller's cart."
    )


class ShipmentLineIn(In):
    line_id: int = Field(description="An order line id (`lines[].id` of the order).")
    quantity: int = Field(description="Units of that line in this parcel.")


class ShipmentIn(In):
    carrier: str = Field(max_length=30, description="Carrier code, e.g. dhl.")
    service: str = Field(max_length=30, description="Service code of that carrier, e.g. express.")
    tracking_number: str = Field("", max_length=60)
    note: str = Field(
        "", max_length=services.MAX_NOTE, description="Staff only; required for another carrier."
    )
    lines: list[ShipmentLineIn] | None = Field(
        None, max_length=500, description="What goes into the parcel; null ships everything left."
    )


class DeliveredIn(In):
    at: datetime | None = Field(None, description="When it was delivered (with time zone); default now.")
    note: str = Field("", max_length=500, description="Shown in the tracking timeline.")


class TrackingEventIn(In):
    carrier: str = Field(max_length=30, description="Carrier code, e.g. dhl.")
    tracking_number: str = Field(max_length=60)
    event_id: str = Field(max_length=100, description="The carrier's id of the event; a resend is ignored.")
    occurred_at: datetime = Field(description="With a time zone, e.g. 2026-11-20T14:05:00Z.")
    status: TrackingStatus
    location: str = Field("", max_length=200)
    description: str = Field("", max_length=500)


class TrackingIn(BaseModel):
    """A batch of events; a single event object (without `events`) is taken as a batch of one."""

    # A plain pydantic model: ninja's Schema would hand the validator below a wrapper, not the JSON object.
    model_config = ConfigDict(extra="forbid")

    events: list[TrackingEventIn] = Field(min_length=1, max_length=services.MAX_BATCH)

    @model_validator(mode="before")
    @classmethod
    def _one_event(cls, data):
        if isinstance(data, dict) and "events" not in data:
            return {"events": [data]}
        return data


# --- Helpers ----------------------------------------------------------------------------------------------


def _caller(request):
    """The signed-in caller (token or session), or None. A token that does not work is a 401, not anonymity.

    The quote changes nothing, so a session caller needs no CSRF token (and an anonymous one has none)."""
    if request.headers.get("Authorization"):
        user = AcceptedTokenAuth()(request)
        if user is None:
            raise AuthenticationError()
        return user
    return AcceptedSessionAuth().authenticate(request, None)


def _quote_items(rows: list[QuoteItemIn]) -> list:
    return selectors.items_for_skus([(row.sku, row.quantity) for row in rows])


def _cart_items(request, user) -> list:
    token = None if user is not None else getattr(request, "session", {}).get(CART_TOKEN_KEY)
    lines = cart_view(cart_for(user=user, token=token)).lines
    if not lines:
        raise ValidationFailed("The cart is empty: send the items to quote.", field="items", code="required")
    return selectors.items_for_lines(lines)


def render_shipment(shipment, order, *, staff: bool = False) -> dict:
    """A parcel of `order` from `shipments_for_order` (lines and events prefetched, events newest first)."""
    data = {
        **render_order_shipment(shipment),
        "order": order.number,
        "lines": [
            {
                "line_id": line.order_line_id,
                "sku": line.order_line.sku,
                "mpn": line.order_line.mpn,
                "quantity": line.quantity,
            }
            for line in shipment.lines.all()
        ],
        "events": [
            {
                "occurred_at": event.occurred_at,
                "status": event.status,
                "status_label": event.get_status_display(),
                "location": event.location,
                "description": event.description,
            }
            for event in shipment.events.all()
        ],
    }
    if staff:
        data.update(note=shipment.note, shipped_by=shipment.shipped_by.email)
    return data


def _staff_shipment_out(order, number: str) -> dict:
    shipment = next(s for s in selectors.shipments_for_order(order) if s.number == number)
    return render_shipment(shipment, order, staff=True)


def _line_fields(exc: ValidationFailed, lines: list[ShipmentLineIn]) -> ValidationFailed:
    """The service names a line by its id (`lines.<id>`); the client sent a list, so name its entry."""
    index = {f"lines.{line.line_id}": n for n, line in enumerate(lines)}
    renamed = []
    for error in exc.errors:
        n = index.get(error.field)
        if n is None:
            renamed.append(error)
        else:
            field = "line_id" if error.code == "not_found" else "quantity"
            renamed.append(replace(error, field=f"lines[{n}].{field}"))
    exc.errors = renamed
    return exc


# --- Quote ------------------------------------------------------------------------------------------------


@router.post("/shipping/quote", response=QuoteOut, auth=None, summary="Shipping options for a destination")
def quote(request, payload: QuoteIn):
    """Options with cost, transit days and promised dates if the order were paid (or approved) now.

    Quote `items`, or omit them to quote the caller's cart (signed in by token or session; an anonymous
    storefront visitor's session cart). A signed-in caller is optional."""
    user = _caller(request)
    country = payload.country.strip().upper()
    if country not in countries:
        raise ValidationFailed(
            "Choose a country by its ISO code, such as US or DE.", field="country", code="invalid_country"
        )
    items = _quote_items(payload.items) if payload.items is not None else _cart_items(request, user)
    result = selectors.shipping_quote(policy=policy_active().policy, country=country, items=items)
    first = result.options[0] if result.options else None
    return {
        "country": result.country,
        "incoterm": result.incoterm,
        "weight_grams": result.parcel.weight_grams,
        "chargeable_weight_grams": (
            first.chargeable_grams if first else result.parcel.chargeable_grams(DEFAULT_VOLUMETRIC_DIVISOR)
        ),
        "options": [shipping_option_out(option) for option in result.options],
        "problem": result.problem or None,
    }


# --- The buyer --------------------------------------------------------------------------------------------


@router.get(
    "/orders/{number}/shipments",
    response=list[ShipmentOut],
    auth=member,
    summary="My order's parcels and their tracking",
)
def order_shipments(request, number: str):
    order = buyer_order(request, number)
    return [render_shipment(s, order) for s in selectors.shipments_for_order(order)]


# --- The fulfilment desk ----------------------------------------------------------------------------------


@router.get(
    "/desk/shipping/queue",
    response=DispatchPageOut,
    auth=member,
    tags=["desk"],
    summary="Orders to ship, the nearest dispatch deadline first",
)
def dispatch_queue(
    request, page: int = Query(1, ge=1, le=10_000), per_page: int = Query(50, ge=1, le=MAX_PER_PAGE)
):
    """Paid orders not fully shipped; `clock` says whether the dispatch deadline is broken or near."""
    require_desk(request, Desk.FULFILMENT)
    orders, total = page_of(selectors.dispatch_queue(), page, per_page)
    items = [
        {
            **render_summary(o),
            "buyer_email": o.user.email,
            "paid_at": o.paid_at,
            "shipping_method": o.shipping_method,
            "shipping_method_label": o.shipping_method_label,
            "clock": o.clock,
        }
        for o in orders
    ]
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@router.post(
    "/desk/orders/{number}/shipments",
    response={201: StaffShipmentOut},
    auth=member,
    tags=["desk"],
    summary="Ship a parcel: all that is left, or some lines and quantities",
)
def shipment_create(request, number: str, payload: ShipmentIn):
    """The order becomes partially shipped or shipped and the buyer is emailed the tracking link. Errors
    name `lines[i].line_id` / `lines[i].quantity` (the entry of `lines`), `tracking_number`, `service`,
    `note`; 409 when the order cannot be shipped now. Not idempotent: each call is another parcel."""
    require_desk(request, Desk.FULFILMENT)
    order = order_for_staff(number=path_text(number))
    lines = payload.lines
    quantities = None
    if lines is not None:
        quantities, errors = {}, []
        for n, line in enumerate(lines):
            if line.line_id in quantities:
                errors.append(FieldError(f"lines[{n}].line_id", "This line is listed twice.", "duplicate"))
            quantities[line.line_id] = line.quantity
        if errors:
            raise ValidationFailed("Some lines cannot be shipped.", errors=errors)
    try:
        shipment = services.shipment_create(
            order=order,
            actor=request.auth,
            carrier=payload.carrier,
            service=payload.service,
            tracking_number=payload.tracking_number,
            quantities=quantities,
            note=payload.note,
        )
    except ValidationFailed as exc:
        raise _line_fields(exc, lines or []) from None
    return Status(201, _staff_shipment_out(order, shipment.number))


@router.get(
    "/desk/shipping/stale",
    response=StalePageOut,
    auth=member,
    tags=["desk"],
    summary="Parcels with no tracking news for some days (lost-parcel suspects)",
)
def stale_shipments(
    request,
    days: int = Query(
        selectors.STALE_DAYS_DEFAULT,
        ge=selectors.STALE_DAYS_MIN,
        le=selectors.STALE_DAYS_MAX,
        description="Days without a tracking event.",
    ),
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(50, ge=1, le=MAX_PER_PAGE),
):
    require_desk(request, Desk.FULFILMENT)
    shipments, total = page_of(selectors.stale_shipments(days=days), page, per_page)
    items = [
        {**render_order_shipment(s), "order": s.order.number, "note": s.note, "last_news_at": s.last_news_at}
        for s in shipments
    ]
    return {"items": items, "days": days, "page": page, "per_page": per_page, "total": total}


@router.post(
    "/desk/shipments/{number}/delivered",
    response=StaffShipmentOut,
    auth=member,
    tags=["desk"],
    summary="Confirm a parcel was delivered (for carriers without a tracking feed)",
)
def shipment_delivered(request, number: str, payload: DeliveredIn):
    """Recorded as a staff tracking event; the order is delivered when all its parcels are. 409 when the
    parcel is already delivered or has no tracking number."""
    require_desk(request, Desk.FULFILMENT)
    shipment = selectors.shipment_for_staff(number=path_text(number))
    try:
        services.shipment_mark_delivered(
            shipment=shipment, actor=request.auth, at=payload.at, note=payload.note
        )
    except ValidationFailed as exc:
        # The service records a tracking event; name the fields this endpoint takes.
        names = {"events[0].occurred_at": "at", "events[0].description": "note"}
        exc.errors = [replace(e, field=names.get(e.field, e.field)) for e in exc.errors]
        raise
    return _staff_shipment_out(shipment.order, shipment.number)


# --- The carriers' tracking feed --------------------------------------------------------------------------


@router.post(
    "/shipping/tracking-events",
    response=TrackingResultOut,
    auth=[TokenAuth()],
    tags=["desk"],
    summary="Record carrier tracking events (one, or a batch of up to 1000)",
)
def tracking_events(request, payload: TrackingIn):
    """For an integration account: a personal token of a staff member at the fulfilment desk (anyone else
    gets 404, as on every desk endpoint). The body is one event, or `{"events": [...]}`.

    All or nothing: any invalid event (errors name `events[i].<field>`) means none is recorded. Idempotent:
    an event already recorded (same carrier and `event_id`) counts as a duplicate and changes nothing. A
    `delivered` event marks its parcel delivered, and the order once every parcel has arrived."""
    require_desk(request, Desk.FULFILMENT)
    result = services.tracking_events_record(
        events=[event.dict() for event in payload.events], actor=request.auth, source="api"
    )
    return {
        "created": result.created,
        "duplicates": result.duplicates,
        "delivered_shipments": result.delivered_shipments,
        "delivered_orders": result.delivered_orders,
    }
