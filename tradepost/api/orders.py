"""Checkout and orders API: preview and place the cart, the buyer's orders, and the fulfilment desk."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Header, Query, Router, Schema, Status
from pydantic import Field

from tradepost.accounts.roles import Desk
from tradepost.api.accounts import AddressOut
from tradepost.api.auth import member, require_desk
from tradepost.api.cart import CartLineOut, path_text, render_cart
from tradepost.api.promotions import DiscountOut, discounts_out
from tradepost.api.schemas import In, page_of
from tradepost.cart.services import MAX_QUANTITY
from tradepost.checkout.services import MAX_REMARK, checkout_place, checkout_preview
from tradepost.core.exceptions import NotFound, ValidationFailed
from tradepost.core.money import round_money
from tradepost.orders import selectors, services
from tradepost.orders.models import ChangeProposal, OrderStatus, PaymentMethodChoices
from tradepost.payments.models import Payment
from tradepost.policies.schema import PaymentMethod, StaffCancelReason
from tradepost.shipping.selectors import shipments_for_order

router = Router(tags=["orders"])

MAX_TEXT = services.MAX_TEXT
MAX_PER_PAGE = 100
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_FIELD = "header." + IDEMPOTENCY_HEADER


# --- Output -----------------------------------------------------------------------------------------------


class TotalsOut(Schema):
    goods: Decimal
    discount: Decimal
    shipping: Decimal
    duties: Decimal
    total: Decimal


class OrderLineOut(Schema):
    id: int
    sku: str
    mpn: str
    manufacturer: str
    title: str
    warranty_class: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    quantity_shipped: int
    cancelled: bool


class ShippingAddressOut(Schema):
    name: str
    company: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str


class EventOut(Schema):
    at: datetime
    kind: str
    message: str
    status: str = Field(description="The status the order moved to; empty when it did not move.")
    actor_role: str = Field(description="buyer | staff | system | provider")


class StaffEventOut(EventOut):
    id: int
    from_status: str
    actor: str | None = Field(description="Email of who acted; null for the system or a provider.")
    internal_note: str
    buyer_visible: bool
    data: dict


class ProposalChangeOut(Schema):
    line: int
    action: str
    sku: str
    quantity: int | None = None
    substitute_sku: str | None = None
    unit_price: Decimal | None = None
    wait_until: date | None = None


class ProposalOut(Schema):
    id: int
    status: str
    message: str
    changes: list[ProposalChangeOut]
    total_before: Decimal
    total_after: Decimal
    created_at: datetime
    decided_at: datetime | None
    buyer_reply: str


class RefundOut(Schema):
    id: int
    amount: Decimal
    reason: str
    status: str
    destination: str
    due_at: datetime
    sent_at: datetime | None


class PaymentOut(Schema):
    id: int
    method: str
    status: str
    amount: Decimal
    paypal_order_id: str
    sender_name: str
    mtcn: str
    failure_message: str
    created_at: datetime
    decided_at: datetime | None


class TransactionOut(Schema):
    id: int
    kind: str
    source: str
    external_id: str
    amount: Decimal
    payment_id: int | None
    note: str
    occurred_on: date | None
    created_at: datetime


class WireTransferOut(Schema):
    bank_name: str
    bank_address: str
    beneficiary: str
    account_number: str
    swift: str | None
    currency: str


class WesternUnionOut(Schema):
    receiver_name: str
    receiver_address: str


class PaymentInstructionsOut(Schema):
    method: str
    amount: Decimal = Field(description="The balance to send, USD.")
    reference: str = Field(description="Quote this with the transfer: the order number.")
    pay_by: datetime
    wire_transfer: WireTransferOut | None = None
    western_union: WesternUnionOut | None = None


class OrderSummaryOut(Schema):
    number: str
    status: str
    status_label: str
    placed_at: datetime
    currency: str
    total: Decimal
    amount_paid: Decimal
    balance_due: Decimal
    payment_method: str
    payment_due_at: datetime
    dispatch_due_at: datetime | None


class OrderShipmentOut(Schema):
    number: str = Field(description="The parcel number: `<order number>-<n>`.")
    carrier: str
    carrier_name: str
    service: str
    service_name: str
    tracking_number: str
    tracking_link: str = Field(description="Where to follow the parcel on the carrier's site; may be empty.")
    shipped_at: datetime
    estimated_delivery_earliest_at: datetime
    estimated_delivery_latest_at: datetime
    last_status: str = Field(description="The newest tracking status; empty before the first event.")
    last_status_label: str
    last_event_at: datetime | None
    delivered_at: datetime | None


def render_order_shipment(shipment) -> dict:
    return {
        "number": shipment.number,
        "carrier": shipment.carrier.code,
        "carrier_name": shipment.carrier.name,
        "service": shipment.service.code,
        "service_name": shipment.service.name,
        "tracking_number": shipment.tracking_number,
        "tracking_link": shipment.tracking_link,
        "shipped_at": shipment.shipped_at,
        "estimated_delivery_earliest_at": shipment.estimated_delivery_earliest_at,
        "estimated_delivery_latest_at": shipment.estimated_delivery_latest_at,
        "last_status": shipment.last_status,
        "last_status_label": shipment.get_last_status_display() if shipment.last_status else "",
        "last_event_at": shipment.last_event_at,
        "delivered_at": shipment.delivered_at,
    }


class OrderOut(OrderSummaryOut):
    policy_version: int
    payment_method_label: str
    shipping_method: str
    shipping_method_label: str
    shipping_carrier: str = Field(description="The carrier the buyer chose; empty when the store picks.")
    shipping_service: str
    incoterm: str = Field(description="DDP: the store pays import duties and taxes; DAP: the buyer does.")
    transit_min_working_days: int | None
    transit_max_working_days: int | None
    chargeable_weight_grams: int
    delivery_earliest_at: datetime | None = Field(description="Promised when the dispatch clock started.")
    delivery_latest_at: datetime | None
    first_shipped_at: datetime | None
    delivered_at: datetime | None
    shipments: list[OrderShipmentOut] = Field(description="Parcels sent so far, oldest first.")
    shipping_address: ShippingAddressOut
    remark: str
    commercial_invoice_requested: bool
    totals: TotalsOut
    overpaid: Decimal
    paid_at: datetime | None
    approved_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    lines: list[OrderLineOut]
    payment_instructions: PaymentInstructionsOut | None = Field(
        description="How to pay a wire transfer or Western Union order still waiting for payment."
    )
    payments: list[PaymentOut]
    open_proposal: ProposalOut | None
    refunds: list[RefundOut]
    timeline: list[EventOut]


class BuyerOut(Schema):
    id: int
    email: str
    full_name: str
    company: str
    country: str


class StaffOrderOut(OrderOut):
    buyer: BuyerOut
    proposals: list[ProposalOut]
    transactions: list[TransactionOut]
    timeline: list[StaffEventOut]


class OrderPageOut(Schema):
    items: list[OrderSummaryOut]
    page: int
    per_page: int
    total: int


class QueueItemOut(OrderSummaryOut):
    buyer_email: str
    paid_at: datetime | None


class QueuePageOut(Schema):
    items: list[QueueItemOut]
    page: int
    per_page: int
    total: int


class ShippingOptionOut(Schema):
    code: str = Field(description="Send this as shipping_method: `<carrier>.<service>`, or `standard`.")
    label: str
    carrier: str = Field(description="Carrier code; empty when the store picks the carrier per parcel.")
    service: str
    cost: Decimal = Field(description="What the buyer pays for shipping, USD; 0 when shipping is free.")
    free: bool
    incoterm: str = Field(description="DDP: the store pays import duties and taxes; DAP: the buyer does.")
    transit_min_working_days: int
    transit_max_working_days: int
    dispatch_by: datetime = Field(description="Latest dispatch if the order were paid (or approved) now.")
    delivery_from: datetime
    delivery_by: datetime
    chargeable_weight_grams: int = Field(description="The larger of actual and volumetric weight.")


def shipping_option_out(option) -> dict:
    return {
        "code": option.code,
        "label": option.label,
        "carrier": option.carrier,
        "service": option.service,
        "cost": option.cost,
        "free": option.free,
        "incoterm": option.incoterm,
        "transit_min_working_days": option.transit_min_days,
        "transit_max_working_days": option.transit_max_days,
        "dispatch_by": option.promise.dispatch_by,
        "delivery_from": option.promise.delivery_from,
        "delivery_by": option.promise.delivery_by,
        "chargeable_weight_grams": option.chargeable_grams,
    }


class PaymentMethodOut(Schema):
    code: str
    label: str


class FieldErrorOut(Schema):
    field: str
    message: str
    code: str


class PreviewOut(Schema):
    ready: bool = Field(description="True when the order can be placed as shown.")
    lines: list[CartLineOut]
    address: AddressOut | None
    shipping_options: list[ShippingOptionOut]
    shipping_method: str | None = Field(description="The chosen option's code (picked when there is one).")
    payment_methods: list[PaymentMethodOut]
    totals: TotalsOut
    discounts: list[DiscountOut] = Field(default=[], description="Each coupon applied and what it takes.")
    errors: list[FieldErrorOut] = Field(description="What still stops the order being placed.")
    policy_version: int


# --- Input ------------------------------------------------------------------------------------------------


class CheckoutPreviewIn(In):
    address_id: int | None = Field(None, ge=1, description="An address from GET /me/addresses.")
    shipping_method: str | None = Field(None, max_length=40, description="A code from shipping_options.")
    payment_method: str | None = Field(None, max_length=40, description="A code from payment_methods.")
    product_coupon_id: int | None = Field(None, ge=1, description="A product coupon from GET /coupons.")
    shipping_coupon_id: int | None = Field(None, ge=1, description="A shipping coupon from GET /coupons.")


class CheckoutIn(CheckoutPreviewIn):
    remark: str = Field("", max_length=MAX_REMARK)
    commercial_invoice: bool = False
    expected_total: Decimal | None = Field(
        None,
        ge=0,
        max_digits=14,
        decimal_places=2,
        description="The total the buyer was shown; when it changed meanwhile nothing is placed (409).",
    )


class ReplyIn(In):
    reply: str = Field("", max_length=MAX_TEXT)


class NoteIn(In):
    note: str = Field(max_length=MAX_TEXT)


class ApproveIn(In):
    note: str = Field("", max_length=MAX_TEXT, description="Staff only.")


class HoldIn(In):
    message: str = Field(max_length=MAX_TEXT, description="Told to the buyer.")
    note: str = Field("", max_length=MAX_TEXT, description="Staff only.")


class StaffCancelIn(In):
    reason: StaffCancelReason
    message: str = Field("", max_length=MAX_TEXT, description="Told to the buyer.")
    consent: str = Field("", max_length=MAX_TEXT, description="How the buyer agreed (for buyer_consent).")


class ProposalChangeIn(In):
    line: int = Field(description="An order line id.")
    action: Literal["reduce", "cancel", "substitute", "wait"]
    quantity: int | None = Field(
        None, ge=1, le=MAX_QUANTITY, description="reduce: the new quantity; substitute: units of it."
    )
    substitute_sku: str | None = Field(None, max_length=64)
    unit_price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=4)
    wait_until: date | None = Field(None, description="wait: the date the goods are expected.")


class ProposalIn(In):
    message: str = Field(max_length=MAX_TEXT, description="Told to the buyer.")
    changes: list[ProposalChangeIn] = Field(min_length=1, max_length=200)


# --- Rendering --------------------------------------------------------------------------------------------


def render_summary(order) -> dict:
    return {
        "number": order.number,
        "status": order.status,
        "status_label": order.get_status_display(),
        "placed_at": order.placed_at,
        "currency": order.currency,
        "total": order.total,
        "amount_paid": order.amount_paid,
        "balance_due": round_money(order.balance_due),  # the property may give int 0
        "payment_method": order.payment_method,
        "payment_due_at": order.payment_due_at,
        "dispatch_due_at": order.dispatch_due_at,
    }


def _instructions(order) -> dict | None:
    if order.status != OrderStatus.AWAITING_PAYMENT or order.balance_due <= 0:
        return None
    payments = services.order_policy(order).payments
    base = {
        "method": order.payment_method,
        "amount": round_money(order.balance_due),
        "reference": order.number,
        "pay_by": order.payment_due_at,
    }
    if order.payment_method == PaymentMethod.WIRE_TRANSFER and payments.wire_transfer:
        wire = payments.wire_transfer
        return {
            **base,
            "wire_transfer": {
                "bank_name": wire.bank_name,
                "bank_address": wire.bank_address,
                "beneficiary": wire.beneficiary,
                "account_number": wire.account_number,
                "swift": wire.swift,
                "currency": wire.currency,
            },
        }
    if order.payment_method == PaymentMethod.WESTERN_UNION and payments.western_union:
        union = payments.western_union
        return {
            **base,
            "western_union": {
                "receiver_name": union.receiver_name,
                "receiver_address": union.receiver_address,
            },
        }
    return None


def render_proposal(proposal) -> dict:
    return {
        "id": proposal.pk,
        "status": proposal.status,
        "message": proposal.message,
        "changes": proposal.changes,
        "total_before": proposal.total_before,
        "total_after": proposal.total_after,
        "created_at": proposal.created_at,
        "decided_at": proposal.decided_at,
        "buyer_reply": proposal.buyer_reply,
    }


def render_payment(payment, *, staff: bool = False) -> dict:
    # Provider errors are for staff; a rejection message was written for the buyer.
    shown = staff or payment.status == Payment.Status.REJECTED
    return {
        "id": payment.pk,
        "method": payment.method,
        "status": payment.status,
        "amount": payment.amount,
        "paypal_order_id": payment.provider_order_id,
        "sender_name": payment.sender_name,
        "mtcn": payment.mtcn,
        "failure_message": payment.failure_message if shown else "",
        "created_at": payment.created_at,
        "decided_at": payment.decided_at,
    }


def render_refund(refund) -> dict:
    return {
        "id": refund.pk,
        "amount": refund.amount,
        "reason": refund.reason,
        "status": refund.status,
        "destination": refund.destination,
        "due_at": refund.due_at,
        "sent_at": refund.sent_at,
    }


def render_transaction(row) -> dict:
    return {
        "id": row.pk,
        "kind": row.kind,
        "source": row.source,
        "external_id": row.external_id,
        "amount": row.amount,
        "payment_id": row.payment_id,
        "note": row.note,
        "occurred_on": row.occurred_on,
        "created_at": row.created_at,
    }


def _event(event, *, staff: bool) -> dict:
    data = {
        "at": event.created_at,
        "kind": event.kind,
        "message": event.message,
        "status": event.to_status,
        "actor_role": event.actor_role,
    }
    if staff:
        data.update(
            id=event.pk,
            from_status=event.from_status,
            actor=event.actor.email if event.actor else None,
            internal_note=event.internal_note,
            buyer_visible=event.buyer_visible,
            data=event.data,
        )
    return data


def render_order(order, *, staff: bool = False) -> dict:
    """An order loaded by `order_for_buyer` / `order_for_staff` (lines, payments, proposals prefetched)."""
    proposal = selectors.open_proposal(order)
    data = {
        **render_summary(order),
        "policy_version": order.policy_version.number,
        "payment_method_label": order.get_payment_method_display(),
        "shipping_method": order.shipping_method,
        "shipping_method_label": order.shipping_method_label,
        "shipping_carrier": order.shipping_carrier,
        "shipping_service": order.shipping_service,
        "incoterm": order.incoterm,
        "transit_min_working_days": order.transit_min_working_days,
        "transit_max_working_days": order.transit_max_working_days,
        "chargeable_weight_grams": order.chargeable_weight_grams,
        "delivery_earliest_at": order.delivery_earliest_at,
        "delivery_latest_at": order.delivery_latest_at,
        "first_shipped_at": order.first_shipped_at,
        "delivered_at": order.delivered_at,
        "shipments": [render_order_shipment(s) for s in shipments_for_order(order)],
        "shipping_address": {
            "name": order.ship_name,
            "company": order.ship_company,
            "line1": order.ship_line1,
            "line2": order.ship_line2,
            "city": order.ship_city,
            "region": order.ship_region,
            "postal_code": order.ship_postal_code,
            "country": order.ship_country.code,
            "phone": order.ship_phone,
        },
        "remark": order.remark,
        "commercial_invoice_requested": order.commercial_invoice_requested,
        "totals": {
            "goods": order.goods_total,
            "discount": order.discount_total,
            "shipping": order.shipping_total,
            "duties": order.duties_total,
            "total": order.total,
        },
        "overpaid": round_money(order.overpaid),
        "paid_at": order.paid_at,
        "approved_at": order.approved_at,
        "cancelled_at": order.cancelled_at,
        "cancel_reason": order.cancel_reason,
        "lines": list(order.lines.all()),
        "payment_instructions": _instructions(order),
        "payments": [render_payment(p, staff=staff) for p in order.payments.all()],
        "open_proposal": render_proposal(proposal) if proposal else None,
        "refunds": [render_refund(r) for r in order.refunds.all()],
        "timeline": [_event(e, staff=staff) for e in selectors.order_timeline(order, staff=staff)],
    }
    if staff:
        user = order.user
        data.update(
            buyer={
                "id": user.pk,
                "email": user.email,
                "full_name": user.full_name,
                "company": user.company,
                "country": user.country.code,
            },
            proposals=[render_proposal(p) for p in order.proposals.all()],
            transactions=[render_transaction(t) for t in order.transactions.all()],
        )
    return data


def buyer_order(request, number: str):
    """The signed-in buyer's own order; anyone else's is the same 404 as a missing one."""
    return selectors.order_for_buyer(user=request.auth, number=path_text(number))


def buyer_order_out(request, number: str) -> dict:
    return render_order(buyer_order(request, number))


def staff_order_out(number: str) -> dict:
    return render_order(selectors.order_for_staff(number=path_text(number)), staff=True)


def require_any_desk(request, *desks: str) -> None:
    """404 unless the staff member sits at one of `desks`."""
    for desk in desks[:-1]:
        try:
            require_desk(request, desk)
        except NotFound:
            continue
        return
    require_desk(request, desks[-1])


# --- Checkout ---------------------------------------------------------------------------------------------


def preview_out(result) -> dict:
    """What every checkout preview answers (a cart's or a quotation's): options, totals, what stops it."""
    return {
        "ready": result.ready,
        "shipping_options": [shipping_option_out(o) for o in result.shipping],
        "shipping_method": result.shipping_choice.code if result.shipping_choice else None,
        "payment_methods": [
            {"code": code, "label": PaymentMethodChoices(code).label} for code in result.payment_methods
        ],
        "totals": {
            "goods": result.totals.goods,
            "discount": result.totals.discount,
            "shipping": result.totals.shipping,
            "duties": result.totals.duties,
            "total": result.totals.total,
        },
        "errors": [error.as_dict() for error in result.errors],
        "policy_version": result.policy.version,
    }


@router.post(
    "/checkout/preview",
    response=PreviewOut,
    auth=member,
    tags=["checkout"],
    summary="Price my cart as an order",
)
def preview(request, payload: CheckoutPreviewIn):
    result = checkout_preview(user=request.auth, **payload.dict())
    return {
        **preview_out(result),
        "lines": render_cart(result.cart)["lines"],
        "address": result.address,
        "discounts": discounts_out(result.coupons),
    }


@router.post(
    "/checkout",
    response={200: OrderOut, 201: OrderOut},
    auth=member,
    tags=["checkout"],
    summary="Place my cart as an order",
)
def checkout(
    request,
    payload: CheckoutIn,
    idempotency_key: str | None = Header(
        None,
        alias=IDEMPOTENCY_HEADER,
        description="Required. A retry with the same key answers 200 with the order placed the first time.",
    ),
):
    """201 with the new order; 200 with the same order when the Idempotency-Key was already used."""
    if not (idempotency_key or "").strip():
        raise ValidationFailed(
            f"Send an {IDEMPOTENCY_HEADER} header (e.g. a UUID) so a retried request cannot order twice.",
            status=400,
            code="idempotency_key_required",
            field=IDEMPOTENCY_FIELD,
        )
    try:
        order, created = checkout_place(user=request.auth, idempotency_key=idempotency_key, **payload.dict())
    except ValidationFailed as exc:
        # The service names its argument; the client sent a header.
        exc.errors = [
            replace(error, field=IDEMPOTENCY_FIELD) if error.field == "idempotency_key" else error
            for error in exc.errors
        ]
        raise
    if created:  # as written by this request: nothing to read back
        return Status(201, render_order(order))
    return Status(200, buyer_order_out(request, order.number))


# --- The buyer's orders -----------------------------------------------------------------------------------


@router.get("/orders", response=OrderPageOut, auth=member, summary="My orders, newest first")
def order_list(
    request, page: int = Query(1, ge=1, le=10_000), per_page: int = Query(20, ge=1, le=MAX_PER_PAGE)
):
    orders, total = page_of(selectors.orders_for_buyer(user=request.auth), page, per_page)
    return {"items": [render_summary(o) for o in orders], "page": page, "per_page": per_page, "total": total}


@router.get("/orders/{number}", response=OrderOut, auth=member, summary="One of my orders")
def order_detail(request, number: str):
    return buyer_order_out(request, number)


@router.post("/orders/{number}/cancel", response=OrderOut, auth=member, summary="Cancel my order")
def order_cancel(request, number: str):
    services.order_cancel(order=buyer_order(request, number), actor=request.auth)
    return buyer_order_out(request, number)


def _buyer_proposal(request, number: str, proposal_id: int) -> ChangeProposal:
    order = buyer_order(request, number)
    proposal = next((p for p in order.proposals.all() if p.pk == proposal_id), None)
    if proposal is None:
        raise NotFound("No such proposal.", code="proposal_not_found")
    proposal.order = order
    return proposal


@router.post(
    "/orders/{number}/proposals/{proposal_id}/accept",
    response=OrderOut,
    auth=member,
    summary="Accept a proposed change",
)
def proposal_accept(request, number: str, proposal_id: int, payload: ReplyIn):
    proposal = _buyer_proposal(request, number, proposal_id)
    services.proposal_accept(proposal=proposal, user=request.auth, reply=payload.reply)
    return buyer_order_out(request, number)


@router.post(
    "/orders/{number}/proposals/{proposal_id}/decline",
    response=OrderOut,
    auth=member,
    summary="Decline a proposed change",
)
def proposal_decline(request, number: str, proposal_id: int, payload: ReplyIn):
    proposal = _buyer_proposal(request, number, proposal_id)
    services.proposal_decline(proposal=proposal, user=request.auth, reply=payload.reply)
    return buyer_order_out(request, number)


# --- The fulfilment desk ----------------------------------------------------------------------------------


@router.get(
    "/desk/orders/review", response=QueuePageOut, auth=member, tags=["desk"], summary="Orders to review"
)
def review_queue(
    request, page: int = Query(1, ge=1, le=10_000), per_page: int = Query(50, ge=1, le=MAX_PER_PAGE)
):
    """Paid orders waiting for review or on hold, the nearest dispatch deadline first."""
    require_desk(request, Desk.FULFILMENT)
    orders, total = page_of(selectors.review_queue(), page, per_page)
    items = [{**render_summary(o), "buyer_email": o.user.email, "paid_at": o.paid_at} for o in orders]
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@router.get(
    "/desk/orders/{number}",
    response=StaffOrderOut,
    auth=member,
    tags=["desk"],
    summary="An order's full record",
)
def desk_order_detail(request, number: str):
    require_any_desk(request, Desk.FULFILMENT, Desk.FINANCE)
    return staff_order_out(number)


def _desk_order(request, number: str):
    require_desk(request, Desk.FULFILMENT)
    return selectors.order_for_staff(number=path_text(number))


@router.post(
    "/desk/orders/{number}/review", response=StaffOrderOut, auth=member, tags=["desk"], summary="Start review"
)
def desk_review_start(request, number: str):
    services.order_review_start(order=_desk_order(request, number), actor=request.auth)
    return staff_order_out(number)


@router.post(
    "/desk/orders/{number}/approve", response=StaffOrderOut, auth=member, tags=["desk"], summary="Approve"
)
def desk_approve(request, number: str, payload: ApproveIn):
    services.order_approve(order=_desk_order(request, number), actor=request.auth, note=payload.note)
    return staff_order_out(number)


@router.post(
    "/desk/orders/{number}/hold", response=StaffOrderOut, auth=member, tags=["desk"], summary="Put on hold"
)
def desk_hold(request, number: str, payload: HoldIn):
    services.order_hold(
        order=_desk_order(request, number), actor=request.auth, message=payload.message, note=payload.note
    )
    return staff_order_out(number)


@router.post(
    "/desk/orders/{number}/complete",
    response=StaffOrderOut,
    auth=member,
    tags=["desk"],
    summary="Complete a delivered order",
)
def desk_complete(request, number: str, payload: ApproveIn):
    """Before the policy's days after delivery run out (it completes on its own then); 409 unless delivered.
    After-sales windows are unaffected."""
    services.order_complete(order=_desk_order(request, number), actor=request.auth, note=payload.note)
    return staff_order_out(number)


@router.post(
    "/desk/orders/{number}/cancel",
    response=StaffOrderOut,
    auth=member,
    tags=["desk"],
    summary="Cancel (for non-payment, or with the buyer's consent)",
)
def desk_cancel(request, number: str, payload: StaffCancelIn):
    services.order_cancel(
        order=_desk_order(request, number),
        actor=request.auth,
        reason=str(payload.reason),
        message=payload.message,
        consent=payload.consent,
    )
    return staff_order_out(number)


@router.post(
    "/desk/orders/{number}/notes",
    response={201: StaffEventOut},
    auth=member,
    tags=["desk"],
    summary="Add a staff note",
)
def desk_note_add(request, number: str, payload: NoteIn):
    require_any_desk(request, Desk.FULFILMENT, Desk.FINANCE)
    order = selectors.order_for_staff(number=path_text(number))
    event = services.order_note_add(order=order, actor=request.auth, note=payload.note)
    return Status(201, _event(event, staff=True))


@router.post(
    "/desk/orders/{number}/proposals",
    response={201: ProposalOut},
    auth=member,
    tags=["desk"],
    summary="Propose a change to the buyer",
)
def desk_proposal_create(request, number: str, payload: ProposalIn):
    changes = []
    for change in payload.changes:
        item = change.dict(exclude_none=True)
        if "unit_price" in item:
            item["unit_price"] = str(item["unit_price"])
        if "wait_until" in item:
            item["wait_until"] = item["wait_until"].isoformat()
        changes.append(item)
    proposal = services.proposal_create(
        order=_desk_order(request, number), actor=request.auth, message=payload.message, changes=changes
    )
    return Status(201, render_proposal(proposal))


@router.post(
    "/desk/proposals/{proposal_id}/withdraw",
    response=ProposalOut,
    auth=member,
    tags=["desk"],
    summary="Withdraw an open proposal",
)
def desk_proposal_withdraw(request, proposal_id: int):
    require_desk(request, Desk.FULFILMENT)
    proposal = ChangeProposal.objects.select_related("order").filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound("No such proposal.", code="proposal_not_found")
    return render_proposal(services.proposal_withdraw(proposal=proposal, actor=request.auth))
