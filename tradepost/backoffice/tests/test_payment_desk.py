"""Payment desk: finance records wire transfers, verifies Western Union transfers and sends refunds."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from tradepost.conftest import make_user
from tradepost.orders.models import OrderStatus
from tradepost.orders.services import order_cancel
from tradepost.orders.tests.factories import place, shop, staff_member
from tradepost.payments.models import Payment, Refund, Transaction
from tradepost.payments.services import payment_receipt_record, western_union_submit

pytestmark = pytest.mark.django_db

PAYMENTS, WIRE = "/desk/payments/", "/desk/payments/wire/"


def confirm_url(payment) -> str:
    return f"/desk/payments/western-union/{payment.pk}/confirm/"


def reject_url(payment) -> str:
    return f"/desk/payments/western-union/{payment.pk}/reject/"


def sent_url(refund) -> str:
    return f"/desk/payments/refunds/{refund.pk}/sent/"


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def receipt(order, amount, reference: str, **more) -> dict:
    return {"order": order.number, "amount": str(amount), "bank_reference": reference, **more}


@pytest.fixture
def finance(client):
    shop("components")
    staff = staff_member("fiona@example.com", desks=("finance",))
    client.force_login(staff)
    return staff


def transfer(order, buyer, mtcn: str = "1234567890") -> Payment:
    return western_union_submit(order=order, user=buyer, sender_name="Bea Buyer", mtcn=mtcn)


# --- Who finds the desk -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "buyer", "staff without a desk", "fulfilment desk"])
def test_only_the_finance_desk_reaches_the_payment_pages(client, buyer, who):
    shop("components")
    order = place(buyer)
    wu_order = place(buyer, method="western_union")
    payment = transfer(wu_order, buyer)
    order_cancel(order=place(buyer), actor=buyer)
    if who == "buyer":
        client.force_login(buyer)
    elif who != "anonymous":
        desks = ("fulfilment",) if who == "fulfilment desk" else ()
        client.force_login(staff_member("other@example.com", desks=desks))

    posts = [
        (WIRE, receipt(order, order.total, "STMT-1")),
        (confirm_url(payment), {f"confirm-{payment.pk}-amount": str(wu_order.total)}),
        (reject_url(payment), {f"reject-{payment.pk}-message": "No"}),
    ]
    responses = [client.get(PAYMENTS)] + [client.post(url, data) for url, data in posts]

    for response in responses:
        if who == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith(
                "/account/login/?next=/desk/"
            )
        else:
            assert response.status_code == 404
    assert not Transaction.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUBMITTED


def test_finance_finds_the_page_from_the_desk_home(client, finance):
    home = page(client.get("/desk/"))
    assert 'href="/desk/payments/"' in home and 'href="/desk/orders/review/"' not in home
    assert client.get(PAYMENTS).status_code == 200


# --- Wire transfers ---------------------------------------------------------------------------------------


def test_wire_receipts_add_up_and_an_over_payment_is_owed_back(client, finance, buyer):
    order = place(buyer)
    html = page(client.get(PAYMENTS))
    assert f'<a href="/desk/orders/{order.number}/">{order.number}</a>' in html
    assert f"<td>{order.total}</td>\n        <td>0.00</td>\n        <td>{order.total}</td>" in html
    assert f'href="?order={order.number}#record"' in html
    prefilled = client.get(PAYMENTS, {"order": order.number})
    assert f'value="{order.number}"' in page(prefilled)

    half = (order.total / 2).quantize(Decimal("0.01"))
    response = client.post(
        WIRE, receipt(order, half, "STMT-1", received_on="2020-01-02", note="first part"), follow=True
    )
    assert response.redirect_chain == [(PAYMENTS, 302)]
    assert messages_of(response) == [
        f"Recorded {half} USD for {order.number}. Still due: {order.total - half} USD."
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.amount_paid == half
    html = page(response)
    assert f"<td>{order.total}</td>\n        <td>{half}</td>\n        <td>{order.total - half}</td>" in html
    assert "STMT-1" in html and "2020-01-02" in html and "fiona@example.com" in html

    rest = order.total - half + Decimal("10.00")
    response = client.post(WIRE, receipt(order, rest, "STMT-2"), follow=True)
    assert messages_of(response) == [
        f"Recorded {rest} USD for {order.number}. Paid in full. Overpaid by 10.00 USD: a refund is due."
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.overpaid == Decimal("10.00")
    refund = Refund.objects.get(order=order)
    assert refund.amount == Decimal("10.00") and refund.destination == "wire_transfer"
    html = page(response)
    refunds = html[html.index('id="refunds"') : html.index('id="recent"')]
    assert order.number in refunds and "Paid more than the total" in refunds and "overpaid 10.00" in refunds
    assert f'action="{sent_url(refund)}"' in refunds
    awaiting = html[html.index('id="wire"') : html.index('id="western-union"')]
    assert order.number not in awaiting  # paid: no longer awaited
    assert Transaction.objects.filter(order=order, kind="receipt").count() == 2


def test_the_same_bank_reference_counts_once_with_a_clear_message(client, finance, buyer, other_buyer):
    order, other = place(buyer), place(other_buyer)
    client.post(WIRE, receipt(order, "5.00", "STMT-1"), follow=True)

    response = client.post(WIRE, receipt(order, "5.00", " STMT-1 "), follow=True)
    assert messages_of(response) == [
        f"Bank reference STMT-1 is already recorded for {order.number} "
        f"(5.00 USD on {timezone.now():%Y-%m-%d}); nothing was added."
    ]
    response = client.post(WIRE, receipt(order, "7.00", "STMT-1"))
    assert response.status_code == 400
    assert response.context["wire_form"].errors == {
        "bank_reference": ["STMT-1 is already recorded for this order with 5.00 USD; nothing was added."]
    }
    order.refresh_from_db()
    assert order.amount_paid == Decimal("5.00")

    response = client.post(WIRE, receipt(other, "5.00", "STMT-1"))
    assert response.status_code == 400
    form = response.context["wire_form"]
    assert form.errors == {"bank_reference": ["STMT-1 is already recorded for another order."]}
    assert "STMT-1 is already recorded for another order." in page(response)
    other.refresh_from_db()
    assert other.amount_paid == 0 and Transaction.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"order": "TP-NOTHING"}, "order", "No order with this number."),
        ({"amount": "abc"}, "amount", "Not an amount, e.g. 120.50."),
        ({"amount": "1.234"}, "amount", "A positive amount in USD with at most two decimals."),
        ({"amount": "-5"}, "amount", "A positive amount in USD with at most two decimals."),
        ({"bank_reference": ""}, "bank_reference", "This field is required."),
        ({"bank_reference": "x" * 101}, "bank_reference", "Ensure this value has at most 100 characters"),
        ({"received_on": "2999-01-01"}, "received_on", "The value date cannot be in the future."),
        ({"received_on": "yesterday"}, "received_on", "Enter a valid date."),
    ],
)
def test_bad_wire_input_is_a_form_error(client, finance, buyer, change, field, message):
    order = place(buyer)
    response = client.post(WIRE, {**receipt(order, "5.00", "STMT-1"), **change})
    assert response.status_code == 400
    assert message in " ".join(response.context["wire_form"].errors[field])
    assert "Nothing was recorded" in page(response)
    assert not Transaction.objects.exists()


def test_overdue_wire_orders_are_flagged(client, finance, buyer):
    order = place(buyer)
    assert "overdue" not in page(client.get(PAYMENTS))
    with time_machine.travel(order.payment_due_at + timedelta(minutes=1)):
        html = page(client.get(PAYMENTS))
    row = html[html.index(f'<a href="/desk/orders/{order.number}/">') :].split("</tr>")[0]
    assert '<span class="tag warn">overdue</span>' in row


# --- Western Union ----------------------------------------------------------------------------------------


def test_a_western_union_transfer_is_confirmed_once(client, finance, buyer):
    order = place(buyer, method="western_union")
    payment = transfer(order, buyer)
    html = page(client.get(PAYMENTS))
    section = html[html.index('id="western-union"') : html.index('id="refunds"')]
    assert "Bea Buyer" in section and "1234567890" in section and order.number in section
    assert f"<td>{order.total}</td>" in section and f'action="{confirm_url(payment)}"' in section

    response = client.post(
        confirm_url(payment), {f"confirm-{payment.pk}-amount": str(order.total)}, follow=True
    )

    assert messages_of(response) == [f"Recorded {order.total} USD for {order.number}. Paid in full."]
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED and payment.decided_by == finance
    assert order.status == OrderStatus.APPROVED
    section = page(response)[page(response).index('id="western-union"') :]
    assert "No transfer waits for verification." in section

    response = client.post(
        confirm_url(payment), {f"confirm-{payment.pk}-amount": str(order.total)}, follow=True
    )
    assert messages_of(response) == ["MTCN 1234567890 is already recorded; nothing was added."]
    assert Transaction.objects.filter(source="western_union").count() == 1


def test_a_western_union_transfer_is_rejected_with_a_reason(client, finance, buyer):
    order = place(buyer, method="western_union")
    payment = transfer(order, buyer)

    response = client.post(reject_url(payment), {f"reject-{payment.pk}-message": " "})
    assert response.status_code == 400 and "This field is required." in page(response)
    response = client.post(confirm_url(payment), {f"confirm-{payment.pk}-amount": "lots"})
    assert response.status_code == 400 and "Not an amount, e.g. 120.50." in page(response)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUBMITTED

    response = client.post(
        reject_url(payment),
        {f"reject-{payment.pk}-message": "The MTCN does not match the sender."},
        follow=True,
    )
    assert messages_of(response) == [f"The transfer for {order.number} was rejected; the buyer is told why."]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REJECTED and payment.decided_by == finance
    event = order.events.filter(kind="payment").last()
    assert (
        event.actor == finance
        and event.message == "Transfer not accepted: The MTCN does not match the sender."
    )

    # The row is gone, so a second attempt shows its refusal on top of the page.
    response = client.post(reject_url(payment), {f"reject-{payment.pk}-message": "Again"})
    assert response.status_code == 400 and "Only a submitted transfer can be rejected." in page(response)
    response = client.post(confirm_url(payment), {f"confirm-{payment.pk}-amount": "1.00"})
    assert response.status_code == 400 and "This transfer was rejected." in page(response)
    assert not Transaction.objects.exists()
    assert client.post("/desk/payments/western-union/999999/confirm/", {}).status_code == 404


# --- Refunds ----------------------------------------------------------------------------------------------


def test_a_refund_is_marked_sent_with_its_reference(client, finance, buyer, other_buyer):
    order = place(buyer)
    client.post(WIRE, receipt(order, order.total, "STMT-1"))
    order_cancel(order=order, actor=buyer)
    refund = Refund.objects.get(order=order)
    other = place(other_buyer)
    client.post(WIRE, receipt(other, other.total + 1, "STMT-2"))
    extra = Refund.objects.get(order=other)

    html = page(client.get(PAYMENTS))
    refunds = html[html.index('id="refunds"') : html.index('id="recent"')]
    assert refunds.index(order.number) < refunds.index(other.number)  # due first, listed first
    assert "overdue" not in refunds
    with time_machine.travel(refund.due_at + timedelta(minutes=1)):
        client.force_login(finance)  # weeks later: a new session
        assert '<span class="tag warn">overdue</span>' in page(client.get(PAYMENTS))

    response = client.post(sent_url(refund), {f"refund-{refund.pk}-reference": ""})
    assert response.status_code == 400 and "This field is required." in page(response)

    response = client.post(
        sent_url(refund),
        {f"refund-{refund.pk}-reference": "OUT-1", f"refund-{refund.pk}-note": "SEPA"},
        follow=True,
    )
    assert messages_of(response) == [f"Refund of {order.total} USD for {order.number} marked as sent."]
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.SENT and refund.sent_by == finance and refund.external_id == "OUT-1"
    assert order.amount_paid == 0
    html = page(response)
    recent = html[html.index('id="recent"') :]
    assert "OUT-1" in recent and f"−{order.total} USD" in recent

    # A bank reference is recorded once: the other refund can't reuse it.
    response = client.post(sent_url(extra), {f"refund-{extra.pk}-reference": "OUT-1"})
    assert response.status_code == 400
    assert "OUT-1 is already recorded." in page(response)
    assert response.context["refunds"][0][1].errors == {"reference": ["OUT-1 is already recorded."]}
    extra.refresh_from_db()
    assert extra.status == Refund.Status.PENDING


def test_paypal_refunds_are_not_marked_sent_by_hand(client, finance, buyer):
    order = place(buyer, method="paypal")
    payment_receipt_record(
        order=order, amount=order.total, source=Transaction.Source.PAYPAL, external_id="CAP-1"
    )
    order_cancel(order=order, actor=buyer)
    refund = Refund.objects.get(order=order)

    html = page(client.get(PAYMENTS))
    assert "Goes back through PayPal, not from this page." in html
    assert f'action="{sent_url(refund)}"' not in html
    assert client.post(sent_url(refund), {f"refund-{refund.pk}-reference": "X"}).status_code == 404
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING


# --- Admin ------------------------------------------------------------------------------------------------


def test_the_admin_shows_payments_read_only(client, buyer):
    shop("components")
    order = place(buyer, method="western_union")
    payment = transfer(order, buyer)
    staff = staff_member()
    from tradepost.payments.services import western_union_confirm

    western_union_confirm(payment=payment, actor=staff, amount=order.total + 1)
    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    rows = {
        "payments/payment": payment.pk,
        "payments/transaction": Transaction.objects.get().pk,
        "payments/refund": Refund.objects.get().pk,
    }
    for model, pk in rows.items():
        assert client.get(f"/admin/{model}/").status_code == 200, model
        change = client.get(f"/admin/{model}/{pk}/change/")
        assert change.status_code == 200 and 'name="_save"' not in page(change), model
        assert client.get(f"/admin/{model}/add/").status_code == 403
    assert "1234567890" in page(client.get(f"/admin/payments/payment/{payment.pk}/change/"))
    assert client.get("/admin/payments/transaction/", {"q": "1234567890"}).context["cl"].result_count == 1
    assert client.get("/admin/payments/refund/", {"status__exact": "pending"}).context["cl"].result_count == 1
