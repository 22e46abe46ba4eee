"""Order state changes. Each function is one transaction that locks the order row, checks the state
table, writes an audit event and queues its email after commit. Placing an order lives in checkout/."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tradepost.catalog.freshness import catalog_changed
from tradepost.catalog.models import Product, ProductStatus
from tradepost.core.exceptions import Conflict, NotFound, ValidationFailed
from tradepost.core.money import round_money
from tradepost.orders.emails import order_email_queue
from tradepost.orders.events import order_event_record
from tradepost.orders.models import CancelReason, ChangeProposal, Order, OrderEvent, OrderKind, OrderLine
from tradepost.orders.models import OrderStatus as S
from tradepost.orders.states import BUYER_CANCELLABLE, CHANGEABLE, REVIEWABLE, check_transition
from tradepost.policies.schema import DispatchStart, StaffCancelReason, StorePolicy
from tradepost.policies.selectors import policy_from_version, store_calendar
from tradepost.promotions.selectors import order_discount_for_goods
from tradepost.promotions.services import coupons_release_for_order, order_discounts_fit

MAX_TEXT = 2000
_CLOCKS = ("dispatch_due_at", "delivery_earliest_at", "delivery_latest_at")
MAX_QUANTITY = 10_000_000


def order_policy(order: Order) -> StorePolicy:
    """The policy the order was placed under; later policy versions never change it."""
    return policy_from_version(order.policy_version)  # the row is usually select_related: no query


def _lock(order: Order) -> Order:
    """Re-read the order under a row lock (SELECT ... FOR UPDATE; SQLite's write lock serializes anyway)."""
    try:
        return (
            Order.objects.select_for_update(of=("self",))
            .select_related("policy_version", "user")
            .get(pk=order.pk)
        )
    except Order.DoesNotExist:
        raise NotFound("No such order.", code="order_not_found") from None


def _text(value: str, field: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed("This is required.", field=field, code="required")
    if len(value) > MAX_TEXT:
        raise ValidationFailed(f"At most {MAX_TEXT} characters.", field=field, code="too_long")
    return value


def _move(
    order: Order,
    target: str,
    *,
    actor,
    role: str | None = None,
    message: str = "",
    note: str = "",
    data: dict | None = None,
    at: datetime | None = None,
) -> None:
    check_transition(order.status, target)
    before = order.status
    order.status = target
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.STATUS,
        actor=actor,
        role=role,
        from_status=before,
        to_status=target,
        message=message,
        internal_note=note,
        data=data,
        at=at,
    )


def dispatch_due(policy: StorePolicy, start: datetime) -> datetime:
    """The latest promised dispatch: `max_working_days` working days after `start`, on the store calendar."""
    return store_calendar(policy).add_working_days(start, policy.dispatch.max_working_days)


def _start_dispatch_clock(order: Order, policy: StorePolicy, start: datetime) -> None:
    """Set the dispatch deadline and the delivery window it implies; they stay put once set."""
    order.dispatch_due_at = dispatch_due(policy, start)
    _set_delivery_window(
        order,
        policy,
        earliest_dispatch=store_calendar(policy).add_working_days(start, policy.dispatch.min_working_days),
    )


def _set_delivery_window(order: Order, policy: StorePolicy, *, earliest_dispatch: datetime | None) -> None:
    """Delivery window = dispatch + the transit window quoted at checkout, in working days."""
    low, high = order.transit_min_working_days, order.transit_max_working_days
    if low is None or high is None or order.dispatch_due_at is None:
        return
    calendar = store_calendar(policy)
    if earliest_dispatch is not None:
        order.delivery_earliest_at = calendar.add_working_days(earliest_dispatch, low)
    order.delivery_latest_at = calendar.add_working_days(order.dispatch_due_at, high)


def order_mark_paid(*, order: Order, actor=None, role: str = "provider") -> Order:
    """Called by payments, inside its transaction and lock, once the balance is covered.

    Starts the dispatch clock when it counts from payment; without review, the order is approved at once.
    """
    now = timezone.now()
    policy = order_policy(order)
    _move(order, S.PAID, actor=actor, role=role, message="Payment received in full.", at=now)
    order.paid_at = now
    if order.kind == OrderKind.MEMBERSHIP:
        return _complete_membership_order(order, at=now)
    if policy.dispatch.counted_from == DispatchStart.PAYMENT:
        _start_dispatch_clock(order, policy, now)
    if not policy.orders.review_required:
        _move(order, S.APPROVED, actor=None, role="system", message="Approved for dispatch.", at=now)
        order.approved_at = now
    order.save(update_fields=["status", "paid_at", "approved_at", *_CLOCKS, "updated_at"])
    order_email_queue(order=order, kind="payment_received")
    return order


def _complete_membership_order(order: Order, *, at) -> Order:
    """A paid membership order has nothing to ship or review: it completes and the membership starts."""
    from tradepost.memberships.services import membership_activate_for_order

    _move(order, S.COMPLETED, actor=None, role="system", message="Membership started.", at=at)
    order.save(update_fields=["status", "paid_at", "updated_at"])
    membership_activate_for_order(order=order, at=at)
    return order


def _void_membership(order: Order, actor) -> None:
    if order.kind == OrderKind.MEMBERSHIP:
        from tradepost.memberships.services import membership_void_for_order

        membership_void_for_order(order=order, actor=actor)


def order_approve_follow_up(*, order: Order, actor, at) -> Order:
    """A follow-up order (a replacement or a repaired part, nothing to pay) is approved for dispatch at
    once: the claim was already reviewed by the after-sales desk. Its dispatch clock starts now, on the
    store calendar of its policy version. Call inside the caller's transaction."""
    policy = order_policy(order)
    _move(order, S.PAID, actor=actor, role="staff" if actor else "system", message="Nothing to pay.", at=at)
    order.paid_at = at
    _move(order, S.APPROVED, actor=actor, message="Approved for dispatch.", at=at)
    order.approved_at = at
    _start_dispatch_clock(order, policy, at)
    order.save(update_fields=["status", "paid_at", "approved_at", *_CLOCKS, "updated_at"])
    return order


@transaction.atomic
def order_review_start(*, order: Order, actor) -> Order:
    """A reviewer takes a paid order; safe to repeat (an order already in review stays as it is)."""
    order = _lock(order)
    if order.status == S.IN_REVIEW:
        return order
    _move(order, S.IN_REVIEW, actor=actor, message="We are checking your order.")
    order.save(update_fields=["status", "updated_at"])
    return order


@transaction.atomic
def order_approve(*, order: Order, actor, note: str = "") -> Order:
    """Staff approve a paid order after checking it; starts the dispatch clock where it counts from review."""
    order = _lock(order)
    note = _text(note, "note")
    if order.status not in REVIEWABLE:
        check_transition(order.status, S.APPROVED)
    if order.proposals.filter(status=ChangeProposal.Status.PROPOSED).exists():
        raise Conflict(
            "A change proposal is waiting for the buyer; withdraw it or wait for the answer.",
            code="proposal_open",
        )
    now = timezone.now()
    policy = order_policy(order)
    _move(order, S.APPROVED, actor=actor, message="Your order is approved for dispatch.", note=note, at=now)
    order.approved_at = now
    if order.dispatch_due_at is None:  # the first approval sets the promise; a re-approval keeps it
        _start_dispatch_clock(order, policy, now)
    order.save(update_fields=["status", "approved_at", *_CLOCKS, "updated_at"])
    order_email_queue(order=order, kind="approved")
    return order


@transaction.atomic
def order_hold(*, order: Order, actor, message: str, note: str = "") -> Order:
    """Put an order on hold with a message the buyer reads (by email and on the order page)."""
    order = _lock(order)
    message = _text(message, "message", required=True)
    _move(order, S.ON_HOLD, actor=actor, message=message, note=_text(note, "note"))
    order.save(update_fields=["status", "updated_at"])
    order_email_queue(order=order, kind="on_hold", message=message)
    return order


def _release_stock(lines) -> None:
    catalog_changed()  # listings show stock
    for line in lines:
        open_quantity = line.quantity - line.quantity_shipped
        if open_quantity > 0 and not line.cancelled:
            Product.objects.filter(pk=line.product_id).update(stock=F("stock") + open_quantity)


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str = "", message: str = "", consent: str = "") -> Order:
    """Cancel an order before anything shipped, release its stock, and owe back what was paid.

    The buyer may cancel their own order before shipment. Staff may cancel only on a ground the order's
    policy allows: for non-payment (while unpaid), or with the buyer's consent, recorded in `consent`.
    """
    order = _lock(order)
    policy = order_policy(order)
    message = _text(message, "message")
    if actor is not None and actor.pk == order.user_id:
        if order.status not in BUYER_CANCELLABLE:
            raise Conflict(
                "This order can no longer be cancelled: it has shipped or is closed.", code="not_cancellable"
            )
        reason = CancelReason.BUYER
        note = ""
    else:
        allowed = {str(r) for r in policy.orders.staff_cancel_requires}
        if reason not in allowed:
            raise ValidationFailed(
                f"Staff may cancel only for: {', '.join(sorted(allowed))}.",
                field="reason",
                code="reason_not_allowed",
            )
        if reason == StaffCancelReason.NON_PAYMENT and order.status != S.AWAITING_PAYMENT:
            raise ValidationFailed("This order is paid; non-payment does not apply.", field="reason")
        if reason == StaffCancelReason.BUYER_CONSENT:
            consent = _text(consent, "consent", required=True)
        note = f"Buyer's consent: {consent}" if consent else ""
        if order.status not in BUYER_CANCELLABLE:
            raise Conflict(
                "This order has shipped or is closed; it cannot be cancelled.", code="not_cancellable"
            )
    now = timezone.now()
    _move(
        order,
        S.CANCELLED,
        actor=actor,
        message=message or CancelReason(reason).label + ".",
        note=note,
        data={"reason": str(reason)},
        at=now,
    )
    order.cancelled_at = now
    order.cancel_reason = reason
    order.dispatch_due_at = None
    order.save(update_fields=["status", "cancelled_at", "cancel_reason", "dispatch_due_at", "updated_at"])
    _release_stock(order.lines.all())
    coupons_release_for_order(order=order, actor=actor)
    _void_membership(order, actor)
    ChangeProposal.objects.filter(order=order, status=ChangeProposal.Status.PROPOSED).update(
        status=ChangeProposal.Status.WITHDRAWN, decided_at=now
    )
    if order.amount_paid > 0:
        from tradepost.payments.services import refund_excess

        refund_excess(order=order, keep=Decimal("0.00"), reason="Order cancelled", actor=actor)
    order_email_queue(order=order, kind="cancelled", message=message)
    return order


def orders_expire_unpaid(*, now: datetime | None = None) -> int:
    """Cancel unpaid orders whose payment time has passed and release their stock; returns how many.

    Idempotent; each order is its own transaction so one failure doesn't hold the rest back.
    """
    now = now or timezone.now()
    due = Order.objects.filter(status=S.AWAITING_PAYMENT, payment_due_at__lt=now).values_list("pk", flat=True)
    expired = 0
    for pk in list(due[:1000]):
        with transaction.atomic():
            order = _lock(Order(pk=pk))
            if order.status != S.AWAITING_PAYMENT or order.payment_due_at >= now:
                continue
            _move(
                order,
                S.CANCELLED,
                actor=None,
                role="system",
                message="Not paid in time; the order lapsed and its goods went back to stock.",
                data={"reason": CancelReason.NON_PAYMENT.value},
                at=now,
            )
            order.cancelled_at = now
            order.cancel_reason = CancelReason.NON_PAYMENT
            order.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
            _release_stock(order.lines.all())
            coupons_release_for_order(order=order, actor=None)
            _void_membership(order, None)
            if order.amount_paid > 0:
                from tradepost.payments.services import refund_excess

                refund_excess(order=order, keep=Decimal("0.00"), reason="Order lapsed unpaid", actor=None)
            order_email_queue(order=order, kind="lapsed")
            expired += 1
    return expired


@transaction.atomic
def order_note_add(*, order: Order, actor, note: str) -> OrderEvent:
    """A staff note on the audit trail; the buyer doesn't see it."""
    order = _lock(order)
    return order_event_record(
        order=order,
        kind=OrderEvent.Kind.NOTE,
        actor=actor,
        internal_note=_text(note, "note", required=True),
        buyer_visible=False,
    )


# --- Stock shortfall: staff propose, the buyer decides ---------------------------------------------------

ACTIONS = ("reduce", "cancel", "substitute", "wait")


def _goods(lines) -> Decimal:
    return sum((line.line_total for line in lines if not line.cancelled), Decimal("0.00"))


def _plan(order: Order, changes: list[dict]) -> tuple[list[dict], Decimal]:
    """Validate proposed changes against the order; returns them normalized and the total after them."""
    if not isinstance(changes, list) or not changes:
        raise ValidationFailed("Propose at least one change.", field="changes", code="required")
    lines = {line.pk: line for line in order.lines.all()}
    seen: set[int] = set()
    normalized: list[dict] = []
    after = {pk: (line.line_total if not line.cancelled else Decimal(0)) for pk, line in lines.items()}
    added = Decimal("0.00")
    for n, change in enumerate(changes):
        field = f"changes.{n}"
        if not isinstance(change, dict):
            raise ValidationFailed("Each change is an object.", field=field)
        line = lines.get(change.get("line")) if isinstance(change.get("line"), int) else None
        if line is None or line.cancelled:
            raise ValidationFailed("No such open line on this order.", field=f"{field}.line")
        if line.pk in seen:
            raise ValidationFailed("One change per line.", field=f"{field}.line")
        seen.add(line.pk)
        action = change.get("action")
        if action not in ACTIONS:
            raise ValidationFailed(f"Action must be one of: {', '.join(ACTIONS)}.", field=f"{field}.action")
        item: dict = {"line": line.pk, "action": action, "sku": line.sku}
        if action == "reduce":
            quantity = change.get("quantity")
            if (
                not isinstance(quantity, int)
                or isinstance(quantity, bool)
                or not 1 <= quantity < line.quantity
            ):
                raise ValidationFailed(
                    f"A reduced quantity is between 1 and {line.quantity - 1}.", field=f"{field}.quantity"
                )
            item["quantity"] = quantity
            after[line.pk] = round_money(line.unit_price * quantity)
        elif action == "cancel":
            after[line.pk] = Decimal(0)
        elif action == "substitute":
            sku = change.get("substitute_sku")
            product = Product.objects.filter(sku=sku, status=ProductStatus.ACTIVE).first() if sku else None
            if product is None:
                raise ValidationFailed("No active product with that SKU.", field=f"{field}.substitute_sku")
            quantity = change.get("quantity", line.quantity)
            if (
                not isinstance(quantity, int)
                or isinstance(quantity, bool)
                or not 1 <= quantity <= MAX_QUANTITY
            ):
                raise ValidationFailed(
                    f"Quantity must be between 1 and {MAX_QUANTITY:,}.", field=f"{field}.quantity"
                )
            try:
                unit_price = Decimal(str(change.get("unit_price", line.unit_price)))
            except ArithmeticError:
                raise ValidationFailed("Not a price.", field=f"{field}.unit_price") from None
            if not unit_price.is_finite() or unit_price < 0:
                raise ValidationFailed("Not a price.", field=f"{field}.unit_price")
            item.update(substitute_sku=product.sku, quantity=quantity, unit_price=str(unit_price))
            after[line.pk] = Decimal(0)
            added += round_money(unit_price * quantity)
        else:  # wait
            until = change.get("wait_until")
            try:
                day = datetime.strptime(str(until), "%Y-%m-%d").date()
            except ValueError:
                raise ValidationFailed("A date as YYYY-MM-DD.", field=f"{field}.wait_until") from None
            if day <= timezone.now().astimezone(ZoneInfo(order_policy(order).store.timezone)).date():
                raise ValidationFailed("A date after today.", field=f"{field}.wait_until")
            item["wait_until"] = day.isoformat()
        normalized.append(item)
    goods_after = sum(after.values(), Decimal("0.00")) + added
    discount = order_discount_for_goods(order=order, goods=goods_after)
    total_after = goods_after - discount + order.shipping_total + order.duties_total
    if total_after > order.total:
        raise ValidationFailed(
            "A proposal may not raise what the buyer pays; offer substitutes at the same price or less.",
            field="changes",
            code="total_raised",
        )
    return normalized, total_after


@transaction.atomic
def proposal_create(*, order: Order, actor, message: str, changes: list[dict]) -> ChangeProposal:
    """Staff propose a change (reduce, cancel a line, substitute, wait); nothing changes until accepted."""
    order = _lock(order)
    if order.status not in CHANGEABLE:
        raise Conflict("Only a paid order that has not shipped can be changed.", code="not_changeable")
    if order.proposals.filter(status=ChangeProposal.Status.PROPOSED).exists():
        raise Conflict("A proposal is already waiting for the buyer.", code="proposal_open")
    message = _text(message, "message", required=True)
    normalized, total_after = _plan(order, changes)
    proposal = ChangeProposal.objects.create(
        order=order,
        message=message,
        changes=normalized,
        total_before=order.total,
        total_after=total_after,
        created_by=actor,
        created_at=timezone.now(),
    )
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PROPOSAL,
        actor=actor,
        message=message,
        data={"proposal": proposal.pk, "changes": normalized, "total_after": str(total_after)},
    )
    if order.status != S.ON_HOLD:
        _move(order, S.ON_HOLD, actor=actor, message="Waiting for your answer to our proposed change.")
        order.save(update_fields=["status", "updated_at"])
    order_email_queue(order=order, kind="proposal", message=message)
    return proposal


def _open_proposal(proposal: ChangeProposal, order: Order) -> ChangeProposal:
    proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ChangeProposal.Status.PROPOSED:
        raise Conflict(
            f"This proposal is already {proposal.get_status_display().lower()}.", code="proposal_closed"
        )
    return proposal


@transaction.atomic
def proposal_accept(*, proposal: ChangeProposal, user, reply: str = "") -> Order:
    """The buyer accepts: lines change, stock moves, totals drop and any excess paid is owed back."""
    order = _lock(proposal.order)
    if user.pk != order.user_id:
        raise NotFound("No such order.", code="order_not_found")
    proposal = _open_proposal(proposal, order)
    normalized, _ = _plan(order, proposal.changes)  # the order may have moved since; re-check
    lines = {line.pk: line for line in order.lines.select_for_update()}
    wait_until = None
    for change in normalized:
        line = lines[change["line"]]
        if change["action"] == "reduce":
            released = line.quantity - change["quantity"]
            line.quantity = change["quantity"]
            line.line_total = round_money(line.unit_price * line.quantity)
            line.save(update_fields=["quantity", "line_total"])
            Product.objects.filter(pk=line.product_id).update(stock=F("stock") + released)
            catalog_changed()
        elif change["action"] == "cancel":
            _release_stock([line])
            line.cancelled = True
            line.save(update_fields=["cancelled"])
        elif change["action"] == "substitute":
            product = Product.objects.select_related("manufacturer", "category").get(
                sku=change["substitute_sku"]
            )
            taken = Product.objects.filter(pk=product.pk, stock__gte=change["quantity"]).update(
                stock=F("stock") - change["quantity"]
            )
            catalog_changed()
            if not taken:
                raise Conflict(
                    f"{product.sku} is no longer in stock in that quantity; ask the store for a new offer.",
                    code="out_of_stock",
                )
            _release_stock([line])
            line.cancelled = True
            line.save(update_fields=["cancelled"])
            unit_price = Decimal(change["unit_price"])
            OrderLine.objects.create(
                order=order,
                product=product,
                sku=product.sku,
                mpn=product.mpn,
                manufacturer=product.manufacturer.name,
                title=product.title,
                warranty_class=product.category.warranty_class or "",
                quantity=change["quantity"],
                unit_price=unit_price,
                line_total=round_money(unit_price * change["quantity"]),
            )
        else:
            day = datetime.strptime(change["wait_until"], "%Y-%m-%d").date()
            wait_until = max(wait_until or day, day)
    now = timezone.now()
    before_total = order.total
    order.goods_total = _goods(order.lines.all())
    order.discount_total = order_discounts_fit(order=order, goods=order.goods_total)
    order.total = order.goods_total - order.discount_total + order.shipping_total + order.duties_total
    if wait_until is not None:
        zone = ZoneInfo(order_policy(order).store.timezone)
        promised = datetime.combine(wait_until, time(23, 59), tzinfo=zone).astimezone(UTC)
        order.dispatch_due_at = max(order.dispatch_due_at or promised, promised)
        _set_delivery_window(order, order_policy(order), earliest_dispatch=None)
    proposal.status = ChangeProposal.Status.ACCEPTED
    proposal.decided_at = now
    proposal.buyer_reply = _text(reply, "reply")
    proposal.save(update_fields=["status", "decided_at", "buyer_reply"])
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PROPOSAL_DECIDED,
        actor=user,
        message="You accepted the proposed change."
        + (f" {proposal.buyer_reply}" if proposal.buyer_reply else ""),
        data={
            "proposal": proposal.pk,
            "decision": "accepted",
            "total_before": str(before_total),
            "total_after": str(order.total),
        },
    )
    lines_left = [line for line in order.lines.all() if not line.cancelled]
    if not lines_left:
        order.save(update_fields=["goods_total", "discount_total", "total", *_CLOCKS, "updated_at"])
        # The buyer agreed to drop every line: that is the buyer cancelling their order.
        return order_cancel(order=order, actor=user, message="Every line was cancelled as agreed.")
    _move(order, S.IN_REVIEW, actor=user, message="The order was changed as agreed and goes back to review.")
    order.save(update_fields=["status", "goods_total", "discount_total", "total", *_CLOCKS, "updated_at"])
    from tradepost.payments.services import refund_excess

    refund_excess(order=order, keep=order.total, reason="Order reduced by an accepted proposal", actor=user)
    return order


@transaction.atomic
def proposal_decline(*, proposal: ChangeProposal, user, reply: str = "") -> ChangeProposal:
    """The buyer declines; the order stays as bought and on hold for staff to decide what next."""
    order = _lock(proposal.order)
    if user.pk != order.user_id:
        raise NotFound("No such order.", code="order_not_found")
    proposal = _open_proposal(proposal, order)
    proposal.status = ChangeProposal.Status.DECLINED
    proposal.decided_at = timezone.now()
    proposal.buyer_reply = _text(reply, "reply")
    proposal.save(update_fields=["status", "decided_at", "buyer_reply"])
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PROPOSAL_DECIDED,
        actor=user,
        message="You declined the proposed change."
        + (f" {proposal.buyer_reply}" if proposal.buyer_reply else ""),
        data={"proposal": proposal.pk, "decision": "declined"},
    )
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: ChangeProposal, actor) -> ChangeProposal:
    order = _lock(proposal.order)
    proposal = _open_proposal(proposal, order)
    proposal.status = ChangeProposal.Status.WITHDRAWN
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at"])
    order_event_record(
        order=order,
        kind=OrderEvent.Kind.PROPOSAL_DECIDED,
        actor=actor,
        message="We withdrew the proposed change.",
        data={"proposal": proposal.pk, "decision": "withdrawn"},
    )
    return proposal


# --- Called by shipping, inside its transaction, with the order row locked -------------------------------


def order_lock(order: Order) -> Order:
    """The order re-read under a row lock, for another app's service working on it in its transaction."""
    return _lock(order)


def order_record_shipment(*, order: Order, actor, fully_shipped: bool, message: str, data: dict, at) -> Order:
    """A parcel left: the first one starts the money-back clock; the status follows what is left to ship.

    The caller holds the order's row lock (order_lock) and has already counted the shipped quantities.
    """
    fields = ["status", "updated_at"]
    if order.first_shipped_at is None:
        order.first_shipped_at = at
        fields.append("first_shipped_at")
    target = S.SHIPPED if fully_shipped else S.PARTIALLY_SHIPPED
    if order.status != target:
        _move(order, target, actor=actor, message=message, data=data, at=at)
    else:
        order_event_record(
            order=order, kind=OrderEvent.Kind.SHIPMENT, actor=actor, message=message, data=data, at=at
        )
    order.save(update_fields=fields)
    order_email_queue(order=order, kind="shipped", message=message, shipment=data.get("shipment", ""))
    return order


def order_record_delivery(*, order: Order, actor, at, message: str) -> Order:
    """Every parcel of a fully shipped order arrived: the order is delivered. The caller holds the lock."""
    order.delivered_at = at
    _move(order, S.DELIVERED, actor=actor, role=None if actor else "system", message=message, at=at)
    order.save(update_fields=["status", "delivered_at", "updated_at"])
    order_email_queue(order=order, kind="delivered")
    return order


# --- Completion: a delivered order closes, by staff or once the policy's days after delivery pass ---------


def completes_at(order: Order) -> datetime | None:
    """When a delivered order completes on its own: delivery + the policy's days; None before delivery."""
    if order.delivered_at is None:
        return None
    return order.delivered_at + timedelta(days=order_policy(order).orders.complete_after_delivery_days)


@transaction.atomic
def order_complete(*, order: Order, actor, note: str = "") -> Order:
    """Staff complete a delivered order before the policy's days run out (the buyer confirmed receipt, say).

    Completing changes no money and no after-sales window: those count from shipment or delivery.
    """
    order = _lock(order)
    note = _text(note, "note")
    _move(order, S.COMPLETED, actor=actor, message="Order completed.", note=note, at=timezone.now())
    order.save(update_fields=["status", "updated_at"])
    return order


def orders_complete_delivered(*, now: datetime | None = None) -> int:
    """Complete delivered orders whose policy's days after delivery have passed; returns how many.

    Each order keeps the days of its own policy version. Idempotent; each order is its own transaction,
    at most 1000 a call.
    """
    from tradepost.policies.models import PolicyVersion

    now = now or timezone.now()
    version_ids = (
        Order.objects.filter(status=S.DELIVERED, delivered_at__isnull=False)
        .values_list("policy_version_id", flat=True)
        .distinct()
    )
    due: list[int] = []
    for version in PolicyVersion.objects.filter(pk__in=list(version_ids)):
        days = policy_from_version(version).orders.complete_after_delivery_days
        due.extend(
            Order.objects.filter(
                status=S.DELIVERED, policy_version=version, delivered_at__lte=now - timedelta(days=days)
            ).values_list("pk", flat=True)[: 1000 - len(due)]
        )
        if len(due) >= 1000:
            break
    completed = 0
    for pk in due:
        with transaction.atomic():
            order = _lock(Order(pk=pk))
            if order.status != S.DELIVERED or completes_at(order) > now:
                continue
            days = order_policy(order).orders.complete_after_delivery_days
            _move(
                order,
                S.COMPLETED,
                actor=None,
                role="system",
                message=f"Completed {days} days after delivery.",
                at=now,
            )
            order.save(update_fields=["status", "updated_at"])
            completed += 1
    return completed
