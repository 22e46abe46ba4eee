"""PayPal and card payments end to end against the local fake PayPal server."""

import json
from decimal import Decimal

import pytest

from tradepost.core.exceptions import Conflict
from tradepost.orders.models import OrderStatus
from tradepost.orders.services import order_cancel
from tradepost.orders.tests.factories import place, shop
from tradepost.payments import services
from tradepost.payments.models import Payment, Refund, Transaction

pytestmark = pytest.mark.django_db

RETURN, CANCEL = "http://testserver/return/", "http://testserver/cancel/"


def start(order, user):
    return services.paypal_checkout_start(order=order, user=user, return_url=RETURN, cancel_url=CANCEL)


@pytest.mark.parametrize("method", ["paypal", "card"])
def test_create_approve_capture_pays_the_order(buyer, fake_paypal, method):
    shop()
    order = place(buyer, method=method)
    payment = start(order, buyer)
    assert payment.approve_url.startswith(fake_paypal.base_url) and payment.provider_order_id
    assert start(order, buyer).pk == payment.pk  # a second click reuses the PayPal order
    created = fake_paypal.calls_to("POST", "/v2/checkout/orders")
    assert len(created) == 1 and created[0].headers["paypal-request-id"] == str(payment.request_id)
    sent = json.loads(created[0].body)
    assert sent["purchase_units"][0]["amount"] == {"currency_code": "USD", "value": str(order.total)}
    with pytest.raises(Conflict, match="not approved"):
        services.paypal_capture(provider_order_id=payment.provider_order_id, user=buyer)
    fake_paypal.approve(payment.provider_order_id)
    payment = services.paypal_capture(provider_order_id=payment.provider_order_id, user=buyer)
    assert payment.status == Payment.Status.COMPLETED
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.amount_paid == order.total
    # Returning to the page again (reload) captures nothing new.
    services.paypal_capture(provider_order_id=payment.provider_order_id, user=buyer)
    assert Transaction.objects.count() == 1


def test_declined_capture_leaves_the_order_unpaid(buyer, fake_paypal):
    shop()
    order = place(buyer, method="paypal")
    payment = start(order, buyer)
    fake_paypal.approve(payment.provider_order_id)
    fake_paypal.decline_next_capture()
    payment = services.paypal_capture(provider_order_id=payment.provider_order_id, user=buyer)
    assert payment.status == Payment.Status.FAILED
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.amount_paid == 0


def test_another_buyer_cannot_start_or_capture(buyer, other_buyer, fake_paypal):
    from tradepost.core.exceptions import NotFound

    shop()
    order = place(buyer, method="paypal")
    with pytest.raises(NotFound):
        start(order, other_buyer)
    payment = start(order, buyer)
    with pytest.raises(NotFound):
        services.paypal_capture(provider_order_id=payment.provider_order_id, user=other_buyer)


def test_paypal_down_is_a_clear_error_not_a_charge(buyer, settings):
    shop()
    settings.PAYPAL_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET = "id", "secret"
    order = place(buyer, method="paypal")
    with pytest.raises(services.ProviderUnavailable):
        start(order, buyer)
    assert Payment.objects.get().status == Payment.Status.FAILED


def webhook(fake, event, *, tamper: bool = False):
    headers, body = fake.signed_webhook(event, webhook_id="WH-TEST-0001")
    if tamper:
        body = body.replace(b'"COMPLETED"', b'"COMPLETEDX"', 1) if b'"COMPLETED"' in body else body + b" "
    return services.paypal_webhook_handle(headers=headers, body=body)


def test_capture_webhook_records_once_even_when_delivered_twice(buyer, fake_paypal):
    shop()
    order = place(buyer, method="paypal")
    payment = start(order, buyer)
    fake_paypal.approve(payment.provider_order_id)
    # The buyer closed the browser after approving: PayPal tells us by webhook; we capture.
    assert webhook(fake_paypal, fake_paypal.event_for_order(payment.provider_order_id)) == "captured"
    event = fake_paypal.event_for_capture(payment.provider_order_id)
    assert webhook(fake_paypal, event) == "duplicate"
    assert webhook(fake_paypal, event) == "duplicate"
    order.refresh_from_db()
    assert order.amount_paid == order.total and Transaction.objects.count() == 1


def test_forged_webhooks_are_rejected_and_change_nothing(buyer, fake_paypal):
    shop()
    order = place(buyer, method="paypal")
    payment = start(order, buyer)
    fake_paypal.approve(payment.provider_order_id)
    fake_paypal_capture_event = {
        "id": "WH-FORGED",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "resource": {
            "id": "FORGED-CAPTURE",
            "status": "COMPLETED",
            "amount": {"currency_code": "USD", "value": str(order.total)},
            "supplementary_data": {"related_ids": {"order_id": payment.provider_order_id}},
        },
    }
    headers, body = fake_paypal.signed_webhook(fake_paypal_capture_event, webhook_id="WH-TEST-0001")
    forged_body = body.replace(b"FORGED-CAPTURE", b"FORGED-CAPTURF")
    with pytest.raises(services.WebhookRejected):
        services.paypal_webhook_handle(headers=headers, body=forged_body)
    with pytest.raises(services.WebhookRejected):
        services.paypal_webhook_handle(headers={}, body=body)
    other_headers, _ = fake_paypal.signed_webhook(fake_paypal_capture_event, webhook_id="WH-SOMEONE-ELSE")
    with pytest.raises(services.WebhookRejected):
        services.paypal_webhook_handle(headers=other_headers, body=body)
    order.refresh_from_db()
    assert order.amount_paid == 0 and not Transaction.objects.exists()


def test_cancelling_a_paypal_order_refunds_through_paypal(
    buyer, fake_paypal, django_capture_on_commit_callbacks
):
    shop()
    order = place(buyer, method="paypal")
    payment = start(order, buyer)
    fake_paypal.approve(payment.provider_order_id)
    services.paypal_capture(provider_order_id=payment.provider_order_id, user=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=buyer)
    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.SENT and refund.external_id
    refunds = fake_paypal.calls_to(
        "POST", f"/v2/payments/captures/{Transaction.objects.get(kind='receipt').external_id}/refund"
    )
    assert refunds and refunds[0].headers["paypal-request-id"] == str(refund.request_id)
    order.refresh_from_db()
    assert order.amount_paid == Decimal("0.00")


def test_a_capture_webhook_without_a_known_paypal_order_touches_no_order(buyer, other_buyer, fake_paypal):
    shop()
    union = place(other_buyer, method="western_union")  # its payment rows have no PayPal order id
    services.western_union_submit(order=union, user=other_buyer, sender_name="Otto", mtcn="1234567890")
    event = {
        "id": "WH-OTHER-INTEGRATION",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "resource": {
            "id": "CAP-ELSEWHERE",
            "status": "COMPLETED",
            "amount": {"currency_code": "USD", "value": str(union.total)},
        },
    }
    assert webhook(fake_paypal, event) == "ignored: unknown order"
    approved = {"id": "WH-2", "event_type": "CHECKOUT.ORDER.APPROVED", "resource": {"id": "UNKNOWN-ORDER"}}
    assert webhook(fake_paypal, approved) == "ignored: unknown order"
    union.refresh_from_db()
    assert union.amount_paid == 0 and not Transaction.objects.exists()


def test_capturing_a_blank_or_non_paypal_id_is_not_found(buyer):
    from tradepost.core.exceptions import NotFound

    shop()
    order = place(buyer, method="western_union")
    services.western_union_submit(order=order, user=buyer, sender_name="Bea", mtcn="1234567890")
    for bad in ("", "   ", None):
        with pytest.raises(NotFound):
            services.paypal_capture(provider_order_id=bad, user=buyer)


# --- Refunds made in PayPal's dashboard reach the ledger through PAYMENT.CAPTURE.REFUNDED -----------------


def paid_by_paypal(buyer, fake):
    shop()
    order = place(buyer, method="paypal")
    payment = start(order, buyer)
    fake.approve(payment.provider_order_id)
    services.paypal_capture(provider_order_id=payment.provider_order_id, user=buyer)
    order.refresh_from_db()
    capture = Transaction.objects.get(order=order, kind=Transaction.Kind.RECEIPT)
    return order, capture


def test_a_refund_made_in_paypal_is_recorded_once_with_its_event(buyer, fake_paypal):
    from tradepost.orders.models import OrderEvent

    order, capture = paid_by_paypal(buyer, fake_paypal)
    paid = order.amount_paid
    refund_id = fake_paypal.refund_in_dashboard(capture.external_id, Decimal("5.00"))
    event = fake_paypal.event_for_refund(refund_id)
    assert webhook(fake_paypal, event) == "recorded"
    order.refresh_from_db()
    assert order.amount_paid == paid - Decimal("5.00")
    refund = Transaction.objects.get(kind=Transaction.Kind.REFUND)
    assert (refund.source, refund.external_id, refund.amount) == ("paypal", refund_id, Decimal("5.00"))
    assert refund.payment_id == capture.payment_id and refund.recorded_by is None
    logged = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.REFUND)
    assert refund_id in logged.message and "5.00" in logged.message and logged.actor is None
    # PayPal retries a notification until it is acknowledged: a replay changes nothing.
    assert webhook(fake_paypal, event) == "duplicate"
    assert webhook(fake_paypal, fake_paypal.event_for_refund(refund_id)) == "duplicate"
    order.refresh_from_db()
    assert order.amount_paid == paid - Decimal("5.00")
    assert Transaction.objects.filter(kind=Transaction.Kind.REFUND).count() == 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.REFUND).count() == 1
    assert order.status == OrderStatus.APPROVED  # the order itself is staff's call, not the webhook's
    # The rest of the capture refunded later is a second refund of its own.
    rest = fake_paypal.refund_in_dashboard(capture.external_id)
    assert webhook(fake_paypal, fake_paypal.event_for_refund(rest)) == "recorded"
    order.refresh_from_db()
    assert order.amount_paid == Decimal("0.00")


def test_the_notification_of_a_refund_we_sent_changes_nothing(
    buyer, fake_paypal, django_capture_on_commit_callbacks
):
    order, _ = paid_by_paypal(buyer, fake_paypal)
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=buyer)
    ours = Refund.objects.get(order=order)
    assert ours.status == Refund.Status.SENT
    assert webhook(fake_paypal, fake_paypal.event_for_refund(ours.external_id)) == "duplicate"
    order.refresh_from_db()
    assert order.amount_paid == Decimal("0.00")
    assert Transaction.objects.filter(kind=Transaction.Kind.REFUND).count() == 1


def test_a_refund_we_owe_and_staff_paid_in_paypal_is_settled_not_paid_twice(buyer, fake_paypal):
    order, capture = paid_by_paypal(buyer, fake_paypal)
    order_cancel(order=order, actor=buyer)  # its refund to PayPal would go after commit: not yet sent
    owed = Refund.objects.get(order=order)
    assert owed.status == Refund.Status.PENDING
    refund_id = fake_paypal.refund_in_dashboard(capture.external_id)  # staff refunded by hand
    assert webhook(fake_paypal, fake_paypal.event_for_refund(refund_id)) == "settled"
    owed.refresh_from_db()
    order.refresh_from_db()
    assert owed.status == Refund.Status.SENT and owed.external_id == refund_id
    assert order.amount_paid == Decimal("0.00")
    assert Transaction.objects.filter(kind=Transaction.Kind.REFUND).count() == 1
    assert services.refund_send_paypal(refund_id=owed.pk).status == Refund.Status.SENT  # not sent again
    assert len(fake_paypal.refunds) == 1


def test_refund_notifications_for_captures_not_ours_or_not_completed_touch_nothing(buyer, fake_paypal):
    order, capture = paid_by_paypal(buyer, fake_paypal)
    refund_id = fake_paypal.refund_in_dashboard(capture.external_id, Decimal("1.00"))
    event = fake_paypal.event_for_refund(refund_id)
    elsewhere = json.loads(json.dumps(event))
    for link in elsewhere["resource"]["links"]:
        link["href"] = link["href"].replace(capture.external_id, "CAPTURE-OF-ANOTHER-SHOP")
    assert webhook(fake_paypal, elsewhere) == "ignored: unknown capture"
    pending = json.loads(json.dumps(event))
    pending["resource"]["status"] = "PENDING"
    assert webhook(fake_paypal, pending) == "ignored: refund not completed"
    euros = json.loads(json.dumps(event))
    euros["resource"]["amount"]["currency_code"] = "EUR"
    assert webhook(fake_paypal, euros) == "ignored: currency"
    with pytest.raises(services.WebhookRejected):
        webhook(fake_paypal, event, tamper=True)
    order.refresh_from_db()
    assert order.amount_paid == order.total
    assert not Transaction.objects.filter(kind=Transaction.Kind.REFUND).exists()
