from decimal import Decimal

import pytest

from tradepost.core.exceptions import Conflict, NotFound, ValidationFailed
from tradepost.orders.models import OrderStatus
from tradepost.orders.tests.factories import place, shop, staff_member
from tradepost.payments import services
from tradepost.payments.models import Payment, Refund, Transaction

pytestmark = pytest.mark.django_db


def test_wire_partial_payments_add_up_then_the_order_is_paid(buyer):
    shop()
    staff = staff_member()
    order = place(buyer)
    half = (order.total / 2).quantize(Decimal("0.01"))
    services.wire_receipt_record(order=order, amount=half, bank_reference="STMT-1", actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.balance_due == order.total - half
    services.wire_receipt_record(order=order, amount=order.total - half, bank_reference="STMT-2", actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.balance_due == 0
    assert not Refund.objects.exists()


def test_over_payment_is_visible_and_owed_back(buyer):
    shop()
    staff = staff_member()
    order = place(buyer)
    services.wire_receipt_record(order=order, amount=order.total + 10, bank_reference="STMT-9", actor=staff)
    order.refresh_from_db()
    assert order.overpaid == Decimal("10.00")
    refund = Refund.objects.get(order=order)
    assert refund.amount == Decimal("10.00") and refund.destination == "wire_transfer"
    services.refund_mark_sent(refund=refund, actor=staff, reference="OUT-1")
    order.refresh_from_db()
    assert order.overpaid == 0 and order.amount_paid == order.total
    assert Transaction.objects.filter(kind="refund").get().amount == Decimal("10.00")


def test_the_same_bank_reference_twice_counts_once(buyer, other_buyer):
    shop()
    staff = staff_member()
    order = place(buyer)
    first, created = services.wire_receipt_record(
        order=order, amount="5.00", bank_reference="STMT-1", actor=staff
    )
    again, created_again = services.wire_receipt_record(
        order=order, amount="5.00", bank_reference="STMT-1", actor=staff
    )
    assert created and not created_again and first.pk == again.pk
    order.refresh_from_db()
    assert order.amount_paid == Decimal("5.00")
    other = place(other_buyer)
    with pytest.raises(Conflict) as caught:
        services.wire_receipt_record(order=other, amount="5.00", bank_reference="STMT-1", actor=staff)
    assert caught.value.errors[0].field == "bank_reference"


@pytest.mark.parametrize("amount", ["0", "-5", "1.234", "abc", "NaN", "Infinity", "99999999999"])
def test_bad_amounts_name_the_field(buyer, amount):
    shop()
    order = place(buyer)
    with pytest.raises(ValidationFailed) as caught:
        services.wire_receipt_record(order=order, amount=amount, bank_reference="X", actor=staff_member())
    assert caught.value.errors[0].field == "amount"
    assert not Transaction.objects.exists()


def test_money_arriving_after_cancellation_is_owed_back(buyer):
    shop()
    staff = staff_member()
    order = place(buyer)
    from tradepost.orders.services import order_cancel

    order_cancel(order=order, actor=buyer)
    services.wire_receipt_record(order=order, amount="7.00", bank_reference="LATE-1", actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Refund.objects.get(order=order).amount == Decimal("7.00")


def test_western_union_submit_confirm(buyer, other_buyer):
    shop()
    staff = staff_member()
    order = place(buyer, method="western_union")
    with pytest.raises(ValidationFailed) as caught:
        services.western_union_submit(order=order, user=buyer, sender_name="", mtcn="12345")
    assert {e.field for e in caught.value.errors} == {"sender_name", "mtcn"}
    with pytest.raises(NotFound):
        services.western_union_submit(order=order, user=other_buyer, sender_name="X", mtcn="1234567890")
    payment = services.western_union_submit(
        order=order, user=buyer, sender_name="Bea Buyer", mtcn="123-456-7890"
    )
    assert payment.mtcn == "1234567890" and payment.status == Payment.Status.SUBMITTED
    again = services.western_union_submit(order=order, user=buyer, sender_name="Bea Buyer", mtcn="1234567890")
    assert again.pk == payment.pk
    services.western_union_confirm(payment=payment, actor=staff, amount=order.total)
    services.western_union_confirm(payment=payment, actor=staff, amount=order.total)  # twice: nothing new
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.amount_paid == order.total
    assert payment.status == Payment.Status.COMPLETED


def test_western_union_reject_lets_the_buyer_try_again(buyer):
    shop()
    staff = staff_member()
    order = place(buyer, method="western_union")
    payment = services.western_union_submit(order=order, user=buyer, sender_name="Bea", mtcn="1234567890")
    services.western_union_reject(payment=payment, actor=staff, message="Sender name does not match.")
    retry = services.western_union_submit(order=order, user=buyer, sender_name="Bea Buyer", mtcn="1234567890")
    assert retry.pk != payment.pk and retry.status == Payment.Status.SUBMITTED
    assert any("does not match" in e.message for e in order.events.filter(kind="payment"))


def test_paying_by_the_wrong_method_or_too_late_is_refused(buyer):
    shop()
    order = place(buyer, method="wire_transfer")
    with pytest.raises(Conflict):
        services.western_union_submit(order=order, user=buyer, sender_name="Bea", mtcn="1234567890")


def test_a_rejected_transfer_cannot_be_confirmed_afterwards(buyer):
    shop()
    staff = staff_member()
    order = place(buyer, method="western_union")
    payment = services.western_union_submit(order=order, user=buyer, sender_name="Bea", mtcn="1234567890")
    stale = Payment.objects.get(pk=payment.pk)  # another desk user's page, loaded before the rejection
    services.western_union_reject(payment=payment, actor=staff, message="No such transfer at Western Union.")
    with pytest.raises(Conflict, match="rejected"):
        services.western_union_confirm(payment=stale, actor=staff, amount=order.total)
    order.refresh_from_db()
    assert order.amount_paid == 0 and not Transaction.objects.exists()


def test_the_same_reference_with_another_amount_is_refused(buyer):
    shop()
    staff = staff_member()
    order = place(buyer)
    services.wire_receipt_record(order=order, amount="5.00", bank_reference="STMT-1", actor=staff)
    with pytest.raises(Conflict, match=r"already recorded for this order with 5\.00") as caught:
        services.wire_receipt_record(order=order, amount="6.00", bank_reference="STMT-1", actor=staff)
    assert caught.value.errors[0].field == "bank_reference"


def test_a_refund_goes_back_the_way_the_money_came(buyer):
    shop()
    staff = staff_member()
    order = place(buyer, method="paypal")  # a PayPal order the buyer paid by bank transfer instead
    services.wire_receipt_record(order=order, amount=order.total, bank_reference="STMT-7", actor=staff)
    from tradepost.orders.services import order_cancel

    order_cancel(order=order, actor=buyer)
    refund = Refund.objects.get(order=order)
    assert refund.destination == "wire_transfer"
    services.refund_mark_sent(refund=refund, actor=staff, reference="OUT-7")
    order.refresh_from_db()
    assert order.amount_paid == 0


def test_todays_value_date_in_the_store_timezone_is_accepted(buyer, time_machine):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    shop()  # components: the warehouse clock is Asia/Shanghai
    time_machine.move_to(datetime(2026, 11, 24, 1, 30, tzinfo=ZoneInfo("Asia/Shanghai")))  # still 23rd in UTC
    order = place(buyer)
    services.wire_receipt_record(
        order=order, amount="1.00", bank_reference="S-1", actor=staff_member(), received_on=date(2026, 11, 24)
    )
    with pytest.raises(ValidationFailed, match="cannot be in the future"):
        services.wire_receipt_record(
            order=order,
            amount="1.00",
            bank_reference="S-2",
            actor=staff_member("s2@example.com"),
            received_on=date(2026, 11, 25),
        )
