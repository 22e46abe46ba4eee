"""Money in and out. Every receipt and refund is a Transaction row unique by its external id, so a
webhook or a confirmation delivered twice changes nothing the second time; the order's `amount_paid`
moves only together with such a row, under the order's row lock."""

import re
import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from tradepost.core.exceptions import ApplicationError, Conflict, NotFound, ValidationFailed
from tradepost.core.money import round_money
from tradepost.orders.events import order_event_record
from tradepost.orders.models import Order, OrderEvent
from tradepost.orders.models import OrderStatus as S
from tradepost.orders.services import order_mark_paid, order_policy
from tradepost.payments.models import Payment, Refund, Transaction
from tradepost.policies.schema import PaymentMethod
from tradepost.policies.selectors import store_calendar

PAYPAL_METHODS = {PaymentMethod.PAYPAL.value, PaymentMethod.CARD.value}
MTCN_RE = re.compile(r"^\d{10}$")
MAX_AMOUNT = Decimal("10000000")


class ProviderUnavailable(ApplicationError):
    status = 502
    code = "provider_unavailable"
    title = "The payment provider did not answer"


def _lock(order: Order) -> Order:
    """The order under a row lock (SELECT ... FOR UPDATE)."""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("policy_version", "user")
        .get(pk=order.pk)
    )


def clean_amount(value, field: str = "amount") -> Decimal:
    """A positive USD amount with at most two decimals, or a field error."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed("Not an amount, e.g. 120.50.", field=field, code="invalid_amount") from None
    if not amount.is_finite() or amount <= 0 or amount != round_money(amount) or amount >= MAX_AMOUNT:
        raise ValidationFailed(
            "A positive amount in USD with at most two decimals.", field=field, code="invalid_amount"
        )
    return amount


def payment_receipt_record(
    *,
    order: Order,
    amount: Decimal,
    source: str,
    external_id: str,
    payment: Payment | None = None,
    actor=None,
    note: str = "",
    occurred_on: date | None = None,
    reference_field: str = "external_id",
) -> tuple[Transaction, bool]:
    """Record money received for an order; returns (transaction, created). Safe to repeat.

    Locks the order row (and the payment). When the balance is covered the order becomes paid; money
    arriving on a cancelled order, or beyond the total, is owed back at once as a refund. The same
    reference again records nothing; with another amount or for another order it is refused.
    """
    with transaction.atomic():
        order = _lock(order)
        if payment is not None:
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
            if payment.status == Payment.Status.REJECTED:
                raise Conflict("This transfer was rejected; it cannot be confirmed.", code="payment_rejected")
        try:
            with transaction.atomic():
                row = Transaction.objects.create(
                    order=order,
                    payment=payment,
                    kind=Transaction.Kind.RECEIPT,
                    source=source,
                    external_id=external_id,
                    amount=amount,
                    note=note,
                    recorded_by=actor,
                    occurred_on=occurred_on,
                )
        except IntegrityError:
            existing = Transaction.objects.filter(source=source, external_id=external_id).first()
            if existing is None:
                raise
            if existing.order_id != order.pk:
                raise Conflict(
                    f"{external_id} is already recorded for another order.",
                    field=reference_field,
                    code="duplicate_reference",
                ) from None
            if existing.amount != amount:
                raise Conflict(
                    f"{external_id} is already recorded for this order with {existing.amount} USD; "
                    "nothing was added.",
                    field=reference_field,
                    code="duplicate_reference",
                ) from None
            return existing, False
        order.amount_paid += amount
        order.save(update_fields=["amount_paid", "updated_at"])
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.PAYMENT,
            actor=actor,
            role="staff" if actor else "provider",
            message=f"Received {amount} USD ({row.get_source_display()}). "
            + (f"Still due: {order.balance_due} USD." if order.balance_due else "Paid in full."),
            internal_note=note,
            data={"transaction": row.pk, "amount": str(amount), "source": source, "external_id": external_id},
        )
        if payment is not None and payment.status != Payment.Status.COMPLETED:
            payment.status = Payment.Status.COMPLETED
            payment.decided_by = actor
            payment.decided_at = timezone.now()
            payment.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        if order.status == S.CANCELLED:
            refund_create(
                order=order, amount=amount, reason="Payment received after cancellation", actor=None
            )
        elif order.status == S.AWAITING_PAYMENT and order.amount_paid >= order.total:
            order_mark_paid(order=order, actor=actor, role="staff" if actor else "provider")
            if order.overpaid:
                refund_create(
                    order=order, amount=order.overpaid, reason="Paid more than the total", actor=None
                )
        elif order.status != S.AWAITING_PAYMENT:
            refund_create(
                order=order, amount=amount, reason="Paid again after the order was paid", actor=None
            )
        return row, True


# --- Refunds ----------------------------------------------------------------------------------------------


def refund_owed(order: Order) -> Decimal:
    """Refunds created for the order but not sent yet (sent ones already left `amount_paid`)."""
    owed = Refund.objects.filter(
        order=order, status__in=[Refund.Status.PENDING, Refund.Status.FAILED]
    ).aggregate(total=Sum("amount"))["total"]
    return owed or Decimal("0.00")


def refund_excess(*, order: Order, keep: Decimal, reason: str, actor) -> Refund | None:
    """Owe back what the order holds beyond `keep` (0 on cancellation, the new total after a reduction),
    counting refunds already owed; nothing when there is no excess. Call inside the order's lock."""
    excess = order.amount_paid - refund_owed(order) - keep
    if excess <= 0:
        return None
    return refund_create(order=order, amount=excess, reason=reason, actor=actor)


def refund_create(
    *, order: Order, amount: Decimal, reason: str, actor, due_from: datetime | None = None
) -> Refund:
    """Owe money back; due within the policy's refund working days (from `due_from`, default now).

    Call inside the order's lock: the total owed never exceeds what the order holds (`amount_paid` less
    refunds not yet sent), else Conflict `refund_exceeds_paid`. PayPal and card refunds go back through
    PayPal after commit; others wait for finance to send them.
    """
    now = timezone.now()
    available = order.amount_paid - refund_owed(order)
    if amount > available:
        raise Conflict(
            f"At most {max(available, Decimal('0.00'))} USD can still be refunded on this order.",
            field="amount",
            code="refund_exceeds_paid",
        )
    policy = order_policy(order)
    destination = refund_destination(order)
    refund = Refund.objects.create(
        order=order,
        amount=amount,
        reason=reason,
        destination=destination,
        due_at=store_calendar(policy).add_working_days(due_from or now, policy.refunds.max_working_days),
        created_by=actor,
        created_at=now,
    )
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.REFUND,
        actor=actor,
        role=None if actor else "system",
        message=f"Refund of {amount} USD due by {refund.due_at:%Y-%m-%d}: {reason}.",
        data={"refund": refund.pk, "amount": str(amount)},
    )
    if destination in PAYPAL_METHODS and _paypal_captures(order):
        from tradepost.payments.tasks import send_paypal_refund

        refund_id = refund.pk
        # robust: PayPal being down leaves the refund pending on the finance desk, not a failed request.
        transaction.on_commit(lambda: send_paypal_refund.delay(refund_id), robust=True)
    return refund


_SOURCE_METHOD = {
    Transaction.Source.BANK: PaymentMethod.WIRE_TRANSFER.value,
    Transaction.Source.WESTERN_UNION: PaymentMethod.WESTERN_UNION.value,
}


def refund_destination(order: Order) -> str:
    """Money goes back the way it came: the method of the latest receipt (PayPal covers card too)."""
    latest = (
        Transaction.objects.filter(order=order, kind=Transaction.Kind.RECEIPT)
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None:
        return order.payment_method
    if latest.source == Transaction.Source.PAYPAL:
        return order.payment_method if order.payment_method in PAYPAL_METHODS else PaymentMethod.PAYPAL.value
    return _SOURCE_METHOD[latest.source]


def store_today(policy) -> date:
    """Today's date in the store's timezone (bank value dates are local)."""
    return timezone.now().astimezone(ZoneInfo(policy.store.timezone)).date()


def _paypal_captures(order: Order) -> list[Transaction]:
    return list(
        Transaction.objects.filter(
            order=order, kind=Transaction.Kind.RECEIPT, source=Transaction.Source.PAYPAL
        ).order_by("-amount")
    )


def _refund_record(
    *,
    refund: Refund,
    source: str,
    external_id: str,
    actor,
    note: str = "",
    reference_field: str = "external_id",
) -> Refund:
    with transaction.atomic():
        order = _lock(refund.order)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.SENT:
            return refund
        try:
            with transaction.atomic():
                Transaction.objects.create(
                    order=order,
                    kind=Transaction.Kind.REFUND,
                    source=source,
                    external_id=external_id,
                    amount=refund.amount,
                    note=note,
                    recorded_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                f"{external_id} is already recorded.", field=reference_field, code="duplicate_reference"
            ) from None
        order.amount_paid -= refund.amount
        order.save(update_fields=["amount_paid", "updated_at"])
        refund.status = Refund.Status.SENT
        refund.sent_at = timezone.now()
        refund.sent_by = actor
        refund.external_id = external_id
        refund.failure_message = ""
        refund.save(update_fields=["status", "sent_at", "sent_by", "external_id", "failure_message"])
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.REFUND,
            actor=actor,
            role="staff" if actor else "provider",
            message=f"Refund of {refund.amount} USD sent ({external_id}).",
            data={"refund": refund.pk, "external_id": external_id},
        )
        from tradepost.aftersales.services import rma_refund_sent  # the RMA behind it, if any, is told

        rma_refund_sent(refund=refund, actor=actor)
        return refund


def refund_mark_sent(*, refund: Refund, actor, reference: str, note: str = "") -> Refund:
    """Finance records a refund they sent by bank or Western Union, with its reference."""
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        raise ValidationFailed("The bank or transfer reference of the refund.", field="reference")
    source = (
        Transaction.Source.WESTERN_UNION
        if refund.destination == PaymentMethod.WESTERN_UNION
        else Transaction.Source.BANK
        if refund.destination == PaymentMethod.WIRE_TRANSFER
        else Transaction.Source.PAYPAL
    )
    return _refund_record(
        refund=refund,
        source=source,
        external_id=reference,
        actor=actor,
        note=note,
        reference_field="reference",
    )


def refund_send_paypal(*, refund_id: int) -> Refund | None:
    """Send a pending refund back through PayPal on the order's capture; safe to retry (PayPal-Request-Id)."""
    from tradepost.payments.paypal import paypal_client
    from tradepost.payments.providers.paypal import PayPalError

    refund = Refund.objects.select_related("order").filter(pk=refund_id).first()
    if refund is None or refund.status == Refund.Status.SENT:
        return refund
    captures = _paypal_captures(refund.order)
    if not captures:
        return refund
    try:
        result = paypal_client().refund_capture(
            captures[0].external_id,
            amount=refund.amount,
            request_id=str(refund.request_id),
            note=refund.reason[:255],
        )
    except PayPalError as exc:
        Refund.objects.filter(pk=refund.pk).update(
            status=Refund.Status.FAILED, failure_message=str(exc)[:500]
        )
        return Refund.objects.get(pk=refund.pk)
    return _refund_record(refund=refund, source=Transaction.Source.PAYPAL, external_id=result.id, actor=None)


# --- Wire transfer -----------------------------------------------------------------------------------------


def wire_receipt_record(
    *, order: Order, amount, bank_reference: str, actor, received_on: date | None = None, note: str = ""
) -> tuple[Transaction, bool]:
    """Finance records money seen on the bank statement for an order (partial payments add up)."""
    amount = clean_amount(amount)
    bank_reference = (bank_reference or "").strip()
    if not bank_reference or len(bank_reference) > 100:
        raise ValidationFailed(
            "The bank's reference for this credit (from the statement).",
            field="bank_reference",
            code="required",
        )
    if received_on is not None and received_on > store_today(order_policy(order)):
        raise ValidationFailed("The value date cannot be in the future.", field="received_on")
    return payment_receipt_record(
        order=order,
        amount=amount,
        source=Transaction.Source.BANK,
        external_id=bank_reference,
        actor=actor,
        note=(note or "").strip()[:2000],
        occurred_on=received_on,
        reference_field="bank_reference",
    )


# --- Western Union -----------------------------------------------------------------------------------------


def _payable(order: Order, method: str) -> None:
    if order.status != S.AWAITING_PAYMENT:
        raise Conflict("This order is not waiting for payment.", code="not_payable")
    if order.payment_due_at < timezone.now():
        raise Conflict("The time to pay this order has passed.", code="payment_overdue")
    if order.payment_method != method:
        raise Conflict(
            f"This order is to be paid by {order.get_payment_method_display()}.", code="wrong_method"
        )


@transaction.atomic
def western_union_submit(*, order: Order, user, sender_name: str, mtcn: str) -> Payment:
    """The buyer tells us the sender name and MTCN of their transfer; finance verifies it."""
    order = _lock(order)
    if user.pk != order.user_id:
        raise NotFound("No such order.", code="order_not_found")
    _payable(order, PaymentMethod.WESTERN_UNION)
    sender_name = " ".join((sender_name or "").split())
    errors = []
    if not sender_name or len(sender_name) > 150:
        errors.append(("sender_name", "The sender's name as on the transfer receipt."))
    mtcn = re.sub(r"[\s-]", "", mtcn or "")
    if not MTCN_RE.match(mtcn):
        errors.append(("mtcn", "The MTCN is the 10-digit tracking number on the receipt."))
    if errors:
        from tradepost.core.exceptions import FieldError

        raise ValidationFailed(
            "Check the transfer details.", errors=[FieldError(field, message) for field, message in errors]
        )
    if (
        Payment.objects.filter(mtcn=mtcn)
        .exclude(order=order)
        .exclude(status=Payment.Status.REJECTED)
        .exists()
    ):
        raise ValidationFailed("This MTCN was already given for another order.", field="mtcn")
    existing = Payment.objects.filter(order=order, mtcn=mtcn).exclude(status=Payment.Status.REJECTED).first()
    if existing is not None:
        return existing
    if order.payments.filter(status=Payment.Status.SUBMITTED).exists():
        raise Conflict("A transfer is already waiting for verification.", code="already_submitted")
    payment = Payment.objects.create(
        order=order,
        method=PaymentMethod.WESTERN_UNION,
        status=Payment.Status.SUBMITTED,
        amount=order.balance_due,
        sender_name=sender_name,
        mtcn=mtcn,
        created_by=user,
    )
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PAYMENT,
        actor=user,
        message=f"Western Union transfer submitted (MTCN …{mtcn[-4:]}); we will confirm it once verified.",
        data={"payment": payment.pk},
    )
    return payment


def western_union_confirm(*, payment: Payment, actor, amount) -> tuple[Transaction, bool]:
    """Finance has verified the transfer and collected `amount`; records the receipt (once per MTCN)."""
    amount = clean_amount(amount)
    if payment.method != PaymentMethod.WESTERN_UNION or not payment.mtcn:
        raise NotFound("No such transfer.", code="payment_not_found")
    if payment.status == Payment.Status.REJECTED:
        raise Conflict("This transfer was rejected.", code="payment_rejected")
    return payment_receipt_record(
        order=payment.order,
        amount=amount,
        source=Transaction.Source.WESTERN_UNION,
        external_id=payment.mtcn,
        payment=payment,
        actor=actor,
        note=f"Sender {payment.sender_name}",
    )


@transaction.atomic
def western_union_reject(*, payment: Payment, actor, message: str) -> Payment:
    """The transfer could not be verified; the buyer is told why and may submit another."""
    order = _lock(payment.order)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    message = (message or "").strip()
    if not message or len(message) > 2000:
        raise ValidationFailed("Tell the buyer why the transfer was not accepted.", field="message")
    if payment.status != Payment.Status.SUBMITTED:
        raise Conflict("Only a submitted transfer can be rejected.", code="not_submitted")
    payment.status = Payment.Status.REJECTED
    payment.failure_message = message
    payment.decided_by = actor
    payment.decided_at = timezone.now()
    payment.save(update_fields=["status", "failure_message", "decided_by", "decided_at", "updated_at"])
    order_event_record(
        order=order, kind=OrderEvent.Kind.PAYMENT, actor=actor, message=f"Transfer not accepted: {message}"
    )
    return payment


# --- PayPal (and card through PayPal) ---------------------------------------------------------------------


def paypal_checkout_start(*, order: Order, user, return_url: str, cancel_url: str) -> Payment:
    """Create (or reuse) a PayPal order for the balance due; the buyer is then sent to `approve_url`."""
    from tradepost.payments.paypal import paypal_client
    from tradepost.payments.providers.paypal import PayPalError

    with transaction.atomic():
        order = _lock(order)
        if user.pk != order.user_id:
            raise NotFound("No such order.", code="order_not_found")
        if order.payment_method not in PAYPAL_METHODS:
            raise Conflict(
                f"This order is to be paid by {order.get_payment_method_display()}.", code="wrong_method"
            )
        if order.status != S.AWAITING_PAYMENT:
            raise Conflict("This order is not waiting for payment.", code="not_payable")
        if order.payment_due_at < timezone.now():
            raise Conflict("The time to pay this order has passed.", code="payment_overdue")
        payment = (
            order.payments.filter(status=Payment.Status.PENDING, amount=order.balance_due)
            .exclude(approve_url="")
            .first()
        )
        if payment is not None:
            return payment
        payment = Payment.objects.create(
            order=order, method=order.payment_method, amount=order.balance_due, created_by=user
        )
    try:
        created = paypal_client().create_order(
            reference=order.number,
            amount=payment.amount,
            return_url=return_url,
            cancel_url=cancel_url,
            request_id=str(payment.request_id),
            description=f"Order {order.number}",
            invoice_id=f"{order.number}-{payment.pk}",
        )
    except PayPalError as exc:
        Payment.objects.filter(pk=payment.pk).update(
            status=Payment.Status.FAILED, failure_message=str(exc)[:500]
        )
        raise ProviderUnavailable("PayPal could not be reached; please try again in a moment.") from exc
    Payment.objects.filter(pk=payment.pk).update(
        provider_order_id=created.id, approve_url=created.approve_url
    )
    payment.provider_order_id, payment.approve_url = created.id, created.approve_url
    return payment


def paypal_capture(*, provider_order_id: str, user=None) -> Payment:
    """Capture an approved PayPal order (from the buyer's return or a webhook); safe to repeat."""
    from tradepost.payments.paypal import paypal_client
    from tradepost.payments.providers.paypal import PayPalError

    payment = None
    if isinstance(provider_order_id, str) and provider_order_id.strip():
        payment = (
            Payment.objects.select_related("order")
            .filter(provider_order_id=provider_order_id, method__in=PAYPAL_METHODS)
            .first()
        )
    if payment is None or (user is not None and payment.order.user_id != user.pk):
        raise NotFound("No such payment.", code="payment_not_found")
    if payment.status == Payment.Status.COMPLETED:
        return payment
    try:
        capture = paypal_client().capture_order(
            provider_order_id, request_id=str(uuid.uuid5(payment.request_id, "capture"))
        )
    except PayPalError as exc:
        if exc.issue == "ORDER_NOT_APPROVED":
            raise Conflict("The payment was not approved at PayPal.", code="not_approved") from exc
        raise ProviderUnavailable("PayPal could not complete the payment; please try again.") from exc
    if capture.status == "COMPLETED":
        payment_receipt_record(
            order=payment.order,
            amount=capture.amount,
            source=Transaction.Source.PAYPAL,
            external_id=capture.id,
            payment=payment,
        )
    elif capture.status in {"DECLINED", "FAILED"}:
        Payment.objects.filter(pk=payment.pk).update(
            status=Payment.Status.FAILED, failure_message="PayPal declined the payment."
        )
    payment.refresh_from_db()
    return payment


class WebhookRejected(ApplicationError):
    status = 400
    code = "webhook_rejected"
    title = "Webhook rejected"


def paypal_webhook_handle(*, headers, body: bytes) -> str:
    """Verify a PayPal webhook's signature and apply it; returns what was done. Replays change nothing."""
    from tradepost.payments.paypal import paypal_client
    from tradepost.payments.providers import paypal as provider

    try:
        event = paypal_client().verify_webhook(headers=headers, body=body)
    except provider.WebhookRejected as exc:
        raise WebhookRejected(f"Webhook rejected: {exc}") from exc
    kind = event.get("event_type")
    resource = event.get("resource") if isinstance(event.get("resource"), dict) else {}
    if kind == "CHECKOUT.ORDER.APPROVED":
        if not _paypal_payment(resource.get("id")):
            return "ignored: unknown order"
        try:
            paypal_capture(provider_order_id=str(resource["id"]))
        except Conflict:
            return "ignored: not capturable"
        return "captured"
    if kind == "PAYMENT.CAPTURE.COMPLETED":
        related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
        payment = _paypal_payment(related.get("order_id") if isinstance(related, dict) else None)
        capture_id = resource.get("id")
        if payment is None or not isinstance(capture_id, str) or not capture_id.strip():
            return "ignored: unknown order"
        money = resource.get("amount") if isinstance(resource.get("amount"), dict) else {}
        if money.get("currency_code") != payment.order.currency:
            return "ignored: currency"
        amount = clean_amount(money.get("value"), "resource.amount")
        _, created = payment_receipt_record(
            order=payment.order,
            amount=amount,
            source=Transaction.Source.PAYPAL,
            external_id=capture_id,
            payment=payment,
        )
        return "recorded" if created else "duplicate"
    if kind in {"PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED"}:
        related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
        payment = _paypal_payment(related.get("order_id") if isinstance(related, dict) else None)
        if payment is None:
            return "ignored: unknown order"
        Payment.objects.filter(pk=payment.pk).exclude(status=Payment.Status.COMPLETED).update(
            status=Payment.Status.FAILED, failure_message="PayPal declined the payment."
        )
        return "declined"
    if kind == "PAYMENT.CAPTURE.REFUNDED":
        return _paypal_refund_webhook(resource)
    return "ignored"


def _refunded_capture_id(resource: dict) -> str:
    """The capture a PayPal refund resource belongs to: its related ids, else its `up` link."""
    extra = resource.get("supplementary_data")
    related = extra.get("related_ids") if isinstance(extra, dict) else None
    if isinstance(related, dict) and isinstance(related.get("capture_id"), str):
        return related["capture_id"].strip()
    links = resource.get("links")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == "up" and isinstance(link.get("href"), str):
            match = re.search(r"/v2/payments/captures/([^/?#]+)$", link["href"])
            if match:
                return match.group(1)
    return ""


def _paypal_refund_webhook(resource: dict) -> str:
    """A capture of ours was refunded, maybe in PayPal's dashboard: record it once in the ledger.

    A refund we sent ourselves is already recorded under PayPal's refund id (a replay changes nothing).
    One that settles a refund we still owe on the order (pending or failed, same amount) marks that refund
    sent; any other is recorded as a refund made outside Tradepost: `amount_paid` drops and the order's
    audit trail says so.
    """
    refund_id = resource.get("id")
    if not isinstance(refund_id, str) or not refund_id.strip() or len(refund_id) > 100:
        return "ignored: no refund id"
    if resource.get("status", "COMPLETED") != "COMPLETED":
        return "ignored: refund not completed"
    capture = (
        Transaction.objects.select_related("order")
        .filter(
            source=Transaction.Source.PAYPAL,
            kind=Transaction.Kind.RECEIPT,
            external_id=_refunded_capture_id(resource),
        )
        .first()
    )
    if capture is None:
        return "ignored: unknown capture"
    money = resource.get("amount") if isinstance(resource.get("amount"), dict) else {}
    if money.get("currency_code") != capture.order.currency:
        return "ignored: currency"
    amount = clean_amount(money.get("value"), "resource.amount")
    with transaction.atomic():
        order = _lock(capture.order)
        if Transaction.objects.filter(source=Transaction.Source.PAYPAL, external_id=refund_id).exists():
            return "duplicate"
        owed = (
            Refund.objects.select_for_update()
            .filter(
                order=order,
                status__in=[Refund.Status.PENDING, Refund.Status.FAILED],
                destination__in=PAYPAL_METHODS,
                amount=amount,
            )
            .order_by("created_at", "id")
            .first()
        )
        if owed is not None:
            _refund_record(
                refund=owed,
                source=Transaction.Source.PAYPAL,
                external_id=refund_id,
                actor=None,
                note="Confirmed by PayPal's refund notification.",
            )
            return "settled"
        Transaction.objects.create(
            order=order,
            payment=capture.payment,
            kind=Transaction.Kind.REFUND,
            source=Transaction.Source.PAYPAL,
            external_id=refund_id,
            amount=amount,
            note=f"Refunded in PayPal, outside Tradepost (capture {capture.external_id}).",
        )
        order.amount_paid -= amount
        order.save(update_fields=["amount_paid", "updated_at"])
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.REFUND,
            actor=None,
            role="provider",
            message=f"Refund of {amount} USD made in PayPal ({refund_id}).",
            data={"external_id": refund_id, "capture": capture.external_id, "outside": True},
        )
    return "recorded"


def _paypal_payment(provider_order_id) -> Payment | None:
    """Our PayPal or card payment for a PayPal order id; None for a missing, blank or unknown id."""
    if not isinstance(provider_order_id, str) or not provider_order_id.strip():
        return None
    return (
        Payment.objects.select_related("order")
        .filter(provider_order_id=provider_order_id, method__in=PAYPAL_METHODS)
        .first()
    )
