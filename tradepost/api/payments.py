"""Payments API: the buyer pays (PayPal, Western Union), PayPal's webhook, and the finance desk."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from tradepost.accounts.roles import Desk
from tradepost.api.auth import member, require_desk
from tradepost.api.cart import path_text
from tradepost.api.orders import (
    MAX_PER_PAGE,
    OrderSummaryOut,
    PaymentOut,
    RefundOut,
    TransactionOut,
    buyer_order,
    render_payment,
    render_refund,
    render_summary,
    render_transaction,
)
from tradepost.api.schemas import In
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.orders import selectors
from tradepost.payments import services
from tradepost.payments.models import Payment, Refund

router = Router(tags=["payments"])


# --- Output -----------------------------------------------------------------------------------------------


class PayPalStartOut(Schema):
    approve_url: str = Field(description="Send the buyer here to approve the payment at PayPal.")
    paypal_order_id: str
    amount: Decimal


class PaymentResultOut(Schema):
    payment: PaymentOut
    order: OrderSummaryOut


class ReceiptOut(Schema):
    created: bool = Field(description="False when this reference was already recorded: nothing changed.")
    transaction: TransactionOut
    order: OrderSummaryOut


class WebhookOut(Schema):
    result: str = Field(description="What was done: captured, recorded, duplicate, declined or ignored.")


class DeskRefundOut(RefundOut):
    order_number: str
    buyer_email: str
    created_at: datetime
    external_id: str
    failure_message: str


class RefundPageOut(Schema):
    items: list[DeskRefundOut]
    page: int
    per_page: int
    total: int


# --- Input ------------------------------------------------------------------------------------------------


class PayPalCaptureIn(In):
    paypal_order_id: str = Field(min_length=1, max_length=64, description="From POST .../payments/paypal.")


class WesternUnionIn(In):
    sender_name: str = Field(max_length=150, description="The sender's name as on the transfer receipt.")
    mtcn: str = Field(max_length=20, description="The 10-digit Money Transfer Control Number.")


class WireIn(In):
    amount: Decimal = Field(max_digits=12, decimal_places=2, description="USD credited to the store.")
    bank_reference: str = Field(max_length=100, description="The bank's reference for the credit.")
    received_on: date | None = Field(None, description="Value date on the bank statement.")
    note: str = Field("", max_length=2000)


class AmountIn(In):
    amount: Decimal = Field(max_digits=12, decimal_places=2, description="USD collected.")


class RejectIn(In):
    message: str = Field(max_length=2000, description="Why the transfer was not accepted; told to the buyer.")


class RefundSentIn(In):
    reference: str = Field(max_length=100, description="The bank or transfer reference of the refund.")
    note: str = Field("", max_length=2000)


# --- Helpers ----------------------------------------------------------------------------------------------


def _receipt(row, created: bool):
    order = row.order
    order.refresh_from_db()
    body = {"created": created, "transaction": render_transaction(row), "order": render_summary(order)}
    return Status(201 if created else 200, body)


def _renamed(exc: ApplicationError, names: dict[str, str]) -> ApplicationError:
    """The service's argument names -> the fields the client sent."""
    exc.errors = [replace(e, field=names[e.field]) if e.field in names else e for e in exc.errors]
    return exc


def _desk_payment(request, payment_id: int) -> Payment:
    require_desk(request, Desk.FINANCE)
    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is None:
        raise NotFound("No such payment.", code="payment_not_found")
    return payment


def _return_urls(number: str) -> tuple[str, str]:
    """Where PayPal sends the buyer back: the storefront's order pages, which capture on return."""
    site = settings.SITE_URL.rstrip("/")
    return tuple(
        site + reverse(f"storefront:order_paypal_{name}", args=[number]) for name in ("return", "cancel")
    )


# --- The buyer pays ---------------------------------------------------------------------------------------


@router.post(
    "/orders/{number}/payments/paypal",
    response=PayPalStartOut,
    auth=member,
    summary="Start paying by PayPal (or card through PayPal)",
)
def paypal_start(request, number: str):
    """Creates (or reuses) a PayPal order for the balance due; send the buyer to `approve_url`."""
    order = buyer_order(request, number)
    return_url, cancel_url = _return_urls(order.number)
    payment = services.paypal_checkout_start(
        order=order, user=request.auth, return_url=return_url, cancel_url=cancel_url
    )
    return {
        "approve_url": payment.approve_url,
        "paypal_order_id": payment.provider_order_id,
        "amount": payment.amount,
    }


@router.post(
    "/orders/{number}/payments/paypal/capture",
    response=PaymentResultOut,
    auth=member,
    summary="Capture a PayPal payment the buyer approved",
)
def paypal_capture(request, number: str, payload: PayPalCaptureIn):
    order = buyer_order(request, number)
    if not any(p.provider_order_id == payload.paypal_order_id for p in order.payments.all()):
        raise NotFound(
            "No such PayPal payment on this order.", code="payment_not_found", field="paypal_order_id"
        )
    payment = services.paypal_capture(provider_order_id=payload.paypal_order_id, user=request.auth)
    order.refresh_from_db()
    return {"payment": render_payment(payment), "order": render_summary(order)}


@router.post(
    "/orders/{number}/payments/western-union",
    response={201: PaymentOut},
    auth=member,
    summary="Tell us about my Western Union transfer",
)
def western_union_submit(request, number: str, payload: WesternUnionIn):
    payment = services.western_union_submit(
        order=buyer_order(request, number),
        user=request.auth,
        sender_name=payload.sender_name,
        mtcn=payload.mtcn,
    )
    return Status(201, render_payment(payment))


@router.post(
    "/payments/paypal/webhook",
    response=WebhookOut,
    auth=None,
    summary="PayPal webhook (signed by PayPal)",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    },
)
def paypal_webhook(request):
    """The raw body is verified against PayPal's signature headers before anything is applied; a replayed
    event changes nothing. 400 when the signature does not verify."""
    return {"result": services.paypal_webhook_handle(headers=request.headers, body=request.body)}


# --- The finance desk -------------------------------------------------------------------------------------


@router.post(
    "/desk/orders/{number}/payments/wire",
    response={200: ReceiptOut, 201: ReceiptOut},
    auth=member,
    tags=["desk"],
    summary="Record a wire transfer seen on the bank statement",
)
def desk_wire_record(request, number: str, payload: WireIn):
    """201 when recorded; 200 when this bank reference was already recorded for the order."""
    require_desk(request, Desk.FINANCE)
    order = selectors.order_for_staff(number=path_text(number))
    try:
        row, created = services.wire_receipt_record(order=order, actor=request.auth, **payload.dict())
    except ApplicationError as exc:
        raise _renamed(exc, {"external_id": "bank_reference"}) from None
    return _receipt(row, created)


@router.post(
    "/desk/payments/{payment_id}/western-union/confirm",
    response={200: ReceiptOut, 201: ReceiptOut},
    auth=member,
    tags=["desk"],
    summary="Confirm a verified Western Union transfer",
)
def desk_western_union_confirm(request, payment_id: int, payload: AmountIn):
    payment = _desk_payment(request, payment_id)
    row, created = services.western_union_confirm(payment=payment, actor=request.auth, amount=payload.amount)
    return _receipt(row, created)


@router.post(
    "/desk/payments/{payment_id}/western-union/reject",
    response=PaymentOut,
    auth=member,
    tags=["desk"],
    summary="Reject a Western Union transfer that could not be verified",
)
def desk_western_union_reject(request, payment_id: int, payload: RejectIn):
    payment = _desk_payment(request, payment_id)
    payment = services.western_union_reject(payment=payment, actor=request.auth, message=payload.message)
    return render_payment(payment, staff=True)


@router.get("/desk/refunds", response=RefundPageOut, auth=member, tags=["desk"], summary="Refunds owed")
def desk_refunds(
    request,
    status: Literal["open", "pending", "failed", "sent"] = Query(
        "open", description="open: pending or failed"
    ),
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(50, ge=1, le=MAX_PER_PAGE),
):
    """Refunds by due date, the most urgent first."""
    require_desk(request, Desk.FINANCE)
    statuses = [Refund.Status.PENDING, Refund.Status.FAILED] if status == "open" else [status]
    refunds = (
        Refund.objects.select_related("order__user").filter(status__in=statuses).order_by("due_at", "id")
    )
    total = refunds.count()
    items = [
        {
            **render_refund(refund),
            "order_number": refund.order.number,
            "buyer_email": refund.order.user.email,
            "created_at": refund.created_at,
            "external_id": refund.external_id,
            "failure_message": refund.failure_message,
        }
        for refund in refunds[(page - 1) * per_page : page * per_page]
    ]
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@router.post(
    "/desk/refunds/{refund_id}/sent",
    response=RefundOut,
    auth=member,
    tags=["desk"],
    summary="Record a refund sent by bank or Western Union",
)
def desk_refund_sent(request, refund_id: int, payload: RefundSentIn):
    require_desk(request, Desk.FINANCE)
    refund = Refund.objects.select_related("order").filter(pk=refund_id).first()
    if refund is None:
        raise NotFound("No such refund.", code="refund_not_found")
    try:
        refund = services.refund_mark_sent(
            refund=refund, actor=request.auth, reference=payload.reference, note=payload.note
        )
    except ApplicationError as exc:
        raise _renamed(exc, {"external_id": "reference"}) from None
    return render_refund(refund)
