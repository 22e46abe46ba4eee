from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from tradepost.catalog.models import Product
from tradepost.core.exceptions import Conflict, ValidationFailed
from tradepost.orders import services
from tradepost.orders.models import ChangeProposal, Order, OrderStatus
from tradepost.orders.states import InvalidTransition
from tradepost.orders.tests.factories import place, shop, staff_member
from tradepost.payments.models import Refund
from tradepost.payments.services import wire_receipt_record

pytestmark = pytest.mark.django_db


def paid(order, staff):
    wire_receipt_record(order=order, amount=order.total, bank_reference=f"BANK-{order.number}", actor=staff)
    order.refresh_from_db()
    return order


def stock(sku):
    return Product.objects.get(sku=sku).stock


def test_paid_order_without_review_is_approved_with_a_dispatch_deadline(buyer):
    shop("components")
    staff = staff_member()
    order = paid(place(buyer), staff)
    assert order.status == OrderStatus.APPROVED
    assert order.paid_at and order.dispatch_due_at > order.paid_at
    kinds = [(e.kind, e.to_status, e.actor_role) for e in order.events.all()]
    assert ("status", "paid", "staff") in kinds and ("status", "approved", "system") in kinds


def test_review_store_waits_for_staff_and_counts_dispatch_from_approval(buyer):
    shop("direct")
    staff = staff_member()
    order = place(buyer, method="paypal")
    from tradepost.payments.models import Transaction
    from tradepost.payments.services import payment_receipt_record

    payment_receipt_record(
        order=order, amount=order.total, source=Transaction.Source.PAYPAL, external_id="CAP-1"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.dispatch_due_at is None
    services.order_review_start(order=order, actor=staff)
    order = services.order_approve(order=order, actor=staff, note="address checked")
    assert order.status == OrderStatus.APPROVED
    assert order.dispatch_due_at > order.approved_at
    event = order.events.filter(to_status="approved").get()
    assert event.actor == staff and event.internal_note == "address checked"


def test_hold_needs_a_message_and_tells_the_buyer(buyer, django_capture_on_commit_callbacks):
    shop("direct")
    staff = staff_member()
    order = place(buyer, method="paypal")
    with pytest.raises(InvalidTransition):
        services.order_hold(order=order, actor=staff, message="x")  # unpaid orders are not reviewed
    order.status = OrderStatus.PAID
    order.save()
    with pytest.raises(ValidationFailed) as caught:
        services.order_hold(order=order, actor=staff, message="  ")
    assert caught.value.errors[0].field == "message"
    with django_capture_on_commit_callbacks(execute=True):
        services.order_hold(order=order, actor=staff, message="Please confirm the phone number.")
    assert "Please confirm the phone number." in mail.outbox[-1].body
    assert order.events.filter(to_status="on_hold").get().message == "Please confirm the phone number."


def test_buyer_cancels_before_shipping_and_stock_returns(buyer):
    shop()
    order = place(buyer, {"TI-LM317T": 10})
    assert stock("TI-LM317T") == 90
    order = services.order_cancel(order=order, actor=buyer)
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "buyer"
    assert stock("TI-LM317T") == 100
    with pytest.raises(Conflict, match="no longer be cancelled"):
        services.order_cancel(order=order, actor=buyer)
    assert stock("TI-LM317T") == 100


def test_cancelling_a_paid_order_owes_a_refund_due_in_working_days(buyer):
    shop()
    staff = staff_member()
    order = paid(place(buyer), staff)
    services.order_cancel(order=order, actor=buyer)
    refund = Refund.objects.get(order=order)
    assert refund.amount == order.total and refund.status == Refund.Status.PENDING
    assert refund.due_at > timezone.now() + timedelta(days=1)


def test_staff_cancel_needs_a_policy_ground(buyer):
    shop()
    staff = staff_member()
    order = place(buyer)
    with pytest.raises(ValidationFailed) as caught:
        services.order_cancel(order=order, actor=staff, reason="out_of_stock")
    assert caught.value.errors[0].field == "reason"
    with pytest.raises(ValidationFailed) as caught:
        services.order_cancel(order=order, actor=staff, reason="buyer_consent")
    assert caught.value.errors[0].field == "consent"
    order = services.order_cancel(order=order, actor=staff, reason="non_payment")
    assert order.cancel_reason == "non_payment"


def test_non_payment_does_not_apply_to_a_paid_order(buyer):
    shop()
    staff = staff_member()
    order = paid(place(buyer), staff)
    with pytest.raises(ValidationFailed):
        services.order_cancel(order=order, actor=staff, reason="non_payment")
    order = services.order_cancel(
        order=order, actor=staff, reason="buyer_consent", consent="Buyer asked by email on 2026-11-20"
    )
    assert "2026-11-20" in order.events.get(to_status="cancelled").internal_note


def test_unpaid_orders_lapse_after_the_policy_time_and_release_stock(buyer):
    shop()
    order = place(buyer, {"TI-LM317T": 10})
    assert services.orders_expire_unpaid(now=order.payment_due_at - timedelta(minutes=1)) == 0
    assert services.orders_expire_unpaid(now=order.payment_due_at + timedelta(minutes=1)) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "non_payment"
    assert stock("TI-LM317T") == 100
    assert services.orders_expire_unpaid(now=order.payment_due_at + timedelta(hours=1)) == 0
    assert order.events.get(to_status="cancelled").actor_role == "system"


def test_expiry_hours_come_from_the_policy_version_of_the_order(buyer):
    shop("components")
    order = place(buyer)
    assert order.payment_due_at - order.placed_at == timedelta(hours=168)


# --- proposals ---


def approved_order(buyer, items=None):
    staff = staff_member()
    order = paid(place(buyer, items or {"TI-LM317T": 10, "AMS-1117-33": 5}), staff)
    return order, staff


def test_proposal_changes_nothing_until_the_buyer_accepts(buyer):
    shop()
    order, staff = approved_order(buyer)
    ams, lm = order.lines.order_by("sku")
    proposal = services.proposal_create(
        order=order,
        actor=staff,
        message="Only 6 LM317T left; AMS1117 is out.",
        changes=[{"line": ams.pk, "action": "cancel"}, {"line": lm.pk, "action": "reduce", "quantity": 6}],
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD and order.lines.filter(cancelled=False).count() == 2
    assert proposal.total_after < order.total
    before_total = order.total
    order = services.proposal_accept(proposal=proposal, user=buyer)
    assert order.status == OrderStatus.IN_REVIEW
    lm.refresh_from_db()
    ams.refresh_from_db()
    assert lm.quantity == 6 and ams.cancelled
    assert order.total == proposal.total_after < before_total
    assert stock("TI-LM317T") == 94 and stock("AMS-1117-33") == 100
    refund = Refund.objects.get(order=order)
    assert refund.amount == before_total - order.total


def test_declined_proposal_leaves_the_order_as_bought(buyer, other_buyer):
    shop()
    order, staff = approved_order(buyer)
    line = order.lines.first()
    proposal = services.proposal_create(
        order=order,
        actor=staff,
        message="Wait two weeks?",
        changes=[{"line": line.pk, "action": "wait", "wait_until": "2099-01-10"}],
    )
    from tradepost.core.exceptions import NotFound

    with pytest.raises(NotFound):
        services.proposal_accept(proposal=proposal, user=other_buyer)
    services.proposal_decline(proposal=proposal, user=buyer, reply="No, cancel instead please")
    proposal.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.DECLINED
    order.refresh_from_db()
    assert order.total == proposal.total_before
    with pytest.raises(Conflict):
        services.proposal_accept(proposal=proposal, user=buyer)


def test_substitute_takes_the_other_products_stock_and_may_not_raise_the_total(buyer):
    shop()
    order, staff = approved_order(buyer, {"AMS-1117-33": 5})
    line = order.lines.get()
    with pytest.raises(ValidationFailed) as caught:
        services.proposal_create(
            order=order,
            actor=staff,
            message="Substitute",
            changes=[
                {"line": line.pk, "action": "substitute", "substitute_sku": "TI-LM317T", "unit_price": "0.52"}
            ],
        )
    assert caught.value.code == "total_raised"
    proposal = services.proposal_create(
        order=order,
        actor=staff,
        message="Substitute",
        changes=[
            {"line": line.pk, "action": "substitute", "substitute_sku": "TI-LM317T", "unit_price": "0.12"}
        ],
    )
    services.proposal_accept(proposal=proposal, user=buyer)
    assert stock("TI-LM317T") == 95 and stock("AMS-1117-33") == 100
    open_lines = list(order.lines.filter(cancelled=False))
    assert [(x.sku, x.quantity, x.unit_price) for x in open_lines] == [("TI-LM317T", 5, Decimal("0.1200"))]


def test_one_open_proposal_at_a_time_and_only_before_shipping(buyer):
    shop()
    order, staff = approved_order(buyer)
    line = order.lines.first()
    change = [{"line": line.pk, "action": "cancel"}]
    services.proposal_create(order=order, actor=staff, message="a", changes=change)
    with pytest.raises(Conflict):
        services.proposal_create(order=order, actor=staff, message="b", changes=change)
    with pytest.raises(Conflict):
        services.order_approve(order=order, actor=staff)


def test_bad_proposals_name_the_field(buyer):
    shop()
    order, staff = approved_order(buyer)
    line = order.lines.first()
    cases = [
        ([], "changes"),
        ([{"line": 999999, "action": "cancel"}], "changes.0.line"),
        ([{"line": line.pk, "action": "explode"}], "changes.0.action"),
        ([{"line": line.pk, "action": "reduce", "quantity": line.quantity}], "changes.0.quantity"),
        ([{"line": line.pk, "action": "wait", "wait_until": "yesterday"}], "changes.0.wait_until"),
        ([{"line": line.pk, "action": "substitute", "substitute_sku": "NOPE"}], "changes.0.substitute_sku"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            services.proposal_create(order=order, actor=staff, message="m", changes=changes)
        assert caught.value.errors[0].field == field
    assert not ChangeProposal.objects.exists()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.APPROVED


def test_the_expire_command_lapses_overdue_orders(buyer):
    from io import StringIO

    from django.core.management import call_command

    shop()
    order = place(buyer)
    Order.objects.filter(pk=order.pk).update(payment_due_at=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("orders", "expire", stdout=out)
    assert "1 unpaid orders lapsed" in out.getvalue()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_accepting_a_proposal_that_drops_every_line_cancels_as_the_buyer(buyer):
    shop()
    order, staff = approved_order(buyer, {"TI-LM317T": 10})
    line = order.lines.get()
    proposal = services.proposal_create(
        order=order, actor=staff, message="Sold out", changes=[{"line": line.pk, "action": "cancel"}]
    )
    order = services.proposal_accept(proposal=proposal, user=buyer)
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "buyer"
    assert stock("TI-LM317T") == 100
    assert Refund.objects.get(order=order).amount == order.amount_paid


def test_re_approval_after_a_hold_keeps_the_first_dispatch_promise(buyer):
    shop("direct")
    staff = staff_member()
    order = place(buyer, method="paypal")
    from tradepost.payments.models import Transaction
    from tradepost.payments.services import payment_receipt_record

    payment_receipt_record(
        order=order, amount=order.total, source=Transaction.Source.PAYPAL, external_id="C-9"
    )
    order = services.order_approve(order=order, actor=staff)
    promised = order.dispatch_due_at
    services.order_hold(order=order, actor=staff, message="Checking the address.")
    order = services.order_approve(order=order, actor=staff)
    assert order.dispatch_due_at == promised


def test_cancelling_an_overpaid_order_refunds_only_what_is_not_owed_already(buyer):
    shop()
    staff = staff_member()
    order = place(buyer)
    wire_receipt_record(order=order, amount=order.total + 5, bank_reference="OVER-1", actor=staff)
    assert Refund.objects.get(order=order).amount == Decimal("5.00")  # the overpayment, owed at once
    services.order_cancel(order=order, actor=buyer)
    assert sorted(r.amount for r in Refund.objects.filter(order=order)) == sorted(
        [Decimal("5.00"), order.total]
    )
    assert sum(r.amount for r in Refund.objects.filter(order=order)) == order.total + 5


def test_accepting_a_reduction_on_an_overpaid_order_refunds_the_difference_once(buyer):
    shop()
    staff = staff_member()
    order = place(buyer, {"TI-LM317T": 10})
    wire_receipt_record(order=order, amount=order.total + 3, bank_reference="OVER-2", actor=staff)
    order.refresh_from_db()
    line = order.lines.get()
    proposal = services.proposal_create(
        order=order,
        actor=staff,
        message="Only 6 left.",
        changes=[{"line": line.pk, "action": "reduce", "quantity": 6}],
    )
    order = services.proposal_accept(proposal=proposal, user=buyer)
    refunds = sum(r.amount for r in Refund.objects.filter(order=order))
    assert refunds == order.amount_paid - order.total  # the overpayment and the reduction, nothing twice
