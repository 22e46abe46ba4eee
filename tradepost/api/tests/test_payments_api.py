import base64
import json
from decimal import Decimal

import pytest
from django.conf import settings

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.tests.factories import place, shop, staff_member
from tradepost.payments.models import Payment, Refund, Transaction

pytestmark = pytest.mark.django_db

WEBHOOK = API + "/payments/paypal/webhook"


@pytest.fixture
def finance(db):
    return token_for(staff_member("finance@example.com", desks=("finance",)))


def wire(client, order, finance, amount, reference, **fields):
    body = {"amount": amount, "bank_reference": reference, **fields}
    return post(client, f"/desk/orders/{order.number}/payments/wire", body, **finance)


# --- Wire transfer --------------------------------------------------------------------------------------


def test_wire_partial_payments_add_up_and_a_reference_counts_once(client, buyer, finance):
    shop()
    order = place(buyer)  # 29.36
    response = wire(client, order, finance, "10.00", "STMT-1", received_on="2024-05-02", note="first part")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True and body["transaction"]["external_id"] == "STMT-1"
    assert body["order"]["status"] == "awaiting_payment" and body["order"]["balance_due"] == "19.36"
    again = wire(client, order, finance, "10.00", "STMT-1")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["order"]["amount_paid"] == "10.00"
    body = wire(client, order, finance, "19.36", "STMT-2").json()
    assert body["order"]["status"] == "approved" and body["order"]["balance_due"] == "0.00"
    assert not Refund.objects.exists()
    mine = client.get(API + f"/orders/{order.number}", **token_for(buyer)).json()
    assert mine["amount_paid"] == "29.36" and mine["payment_instructions"] is None


def test_a_wire_over_payment_is_owed_back_and_finance_records_the_refund(client, buyer, finance):
    shop()
    order = place(buyer)
    body = wire(client, order, finance, "39.36", "STMT-9").json()
    assert body["order"]["status"] == "approved" and body["order"]["amount_paid"] == "39.36"
    refunds = client.get(API + "/desk/refunds", **finance).json()
    assert refunds["total"] == 1
    refund = refunds["items"][0]
    assert (refund["amount"], refund["status"], refund["order_number"]) == ("10.00", "pending", order.number)
    assert refund["destination"] == "wire_transfer" and refund["buyer_email"] == buyer.email
    path = f"/desk/refunds/{refund['id']}/sent"
    assert_problem(post(client, path, {"reference": " "}, **finance), 422, field="reference")
    sent = post(client, path, {"reference": "OUT-1", "note": "sent from HSBC"}, **finance)
    assert sent.status_code == 200 and sent.json()["status"] == "sent" and sent.json()["sent_at"]
    assert client.get(API + "/desk/refunds", **finance).json()["total"] == 0
    assert client.get(API + "/desk/refunds", {"status": "sent"}, **finance).json()["total"] == 1
    assert_problem(
        client.get(API + "/desk/refunds", {"status": "lost"}, **finance), 422, field="query.status"
    )
    order.refresh_from_db()
    assert order.amount_paid == order.total and order.overpaid == 0
    assert_problem(post(client, "/desk/refunds/999999/sent", {"reference": "X"}, **finance), 404)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.234"}, "body.amount"),
        ({"amount": "abc"}, "body.amount"),
        ({"amount": "NaN"}, "body.amount"),
        ({"amount": "1E+30"}, "body.amount"),
        ({"amount": "99999999"}, "amount"),
        ({"bank_reference": ""}, "bank_reference"),
        ({"received_on": "2999-01-01"}, "received_on"),
        ({"received_on": "yesterday"}, "body.received_on"),
        ({"fee": "1.00"}, "body.fee"),
    ],
)
def test_wire_field_errors(client, buyer, finance, fields, field):
    shop()
    order = place(buyer)
    body = {"amount": "5.00", "bank_reference": "STMT-1", **fields}
    assert_problem(
        post(client, f"/desk/orders/{order.number}/payments/wire", body, **finance), 422, field=field
    )
    assert not Transaction.objects.exists()


def test_a_bank_reference_already_used_on_another_order_is_a_conflict(client, buyer, other_buyer, finance):
    shop()
    wire(client, place(buyer), finance, "5.00", "STMT-1")
    response = wire(client, place(other_buyer), finance, "5.00", "STMT-1")
    assert_problem(response, 409, code="duplicate_reference", field="bank_reference")


# --- Western Union --------------------------------------------------------------------------------------


def test_western_union_submit_then_finance_confirms(client, buyer, finance):
    shop()
    order = place(buyer, method="western_union")
    auth = token_for(buyer)
    path = f"/orders/{order.number}/payments/western-union"
    body = assert_problem(post(client, path, {"sender_name": " ", "mtcn": "12345"}, **auth), 422)
    assert {e["field"] for e in body["errors"]} == {"sender_name", "mtcn"}
    assert_problem(post(client, path, {"sender_name": "Bea"}, **auth), 422, field="body.mtcn")
    response = post(client, path, {"sender_name": "Bea  Buyer", "mtcn": "123-456-7890"}, **auth)
    assert response.status_code == 201, response.content
    payment = response.json()
    assert (payment["status"], payment["mtcn"], payment["sender_name"]) == (
        "submitted",
        "1234567890",
        "Bea Buyer",
    )
    assert (
        post(client, path, {"sender_name": "Bea Buyer", "mtcn": "1234567890"}, **auth).json()["id"]
        == payment["id"]
    )
    assert_problem(
        post(client, path, {"sender_name": "Bea Buyer", "mtcn": "1111111111"}, **auth),
        409,
        code="already_submitted",
    )
    confirm = f"/desk/payments/{payment['id']}/western-union/confirm"
    assert_problem(post(client, confirm, {"amount": "0"}, **finance), 422, field="amount")
    response = post(client, confirm, {"amount": "29.36"}, **finance)
    assert response.status_code == 201, response.content
    assert response.json()["order"]["status"] == "approved"
    assert response.json()["transaction"]["source"] == "western_union"
    assert post(client, confirm, {"amount": "29.36"}, **finance).status_code == 200  # counted once
    order.refresh_from_db()
    assert order.amount_paid == Decimal("29.36")
    mine = client.get(API + f"/orders/{order.number}", **auth).json()
    assert mine["payments"][0]["status"] == "completed" and mine["status"] == "approved"


def test_a_rejected_transfer_is_explained_and_can_be_replaced(client, buyer, finance):
    shop()
    order = place(buyer, method="western_union")
    auth = token_for(buyer)
    path = f"/orders/{order.number}/payments/western-union"
    payment = post(client, path, {"sender_name": "Bea Buyer", "mtcn": "1234567890"}, **auth).json()
    reject = f"/desk/payments/{payment['id']}/western-union/reject"
    assert_problem(post(client, reject, {"message": ""}, **finance), 422, field="message")
    response = post(client, reject, {"message": "The MTCN does not match the sender name."}, **finance)
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert_problem(post(client, reject, {"message": "again"}, **finance), 409, code="not_submitted")
    assert_problem(
        post(client, f"/desk/payments/{payment['id']}/western-union/confirm", {"amount": "1"}, **finance), 409
    )
    mine = client.get(API + f"/orders/{order.number}", **auth).json()
    assert mine["payments"][0]["failure_message"] == "The MTCN does not match the sender name."
    again = post(client, path, {"sender_name": "Bea Buyer", "mtcn": "2222222222"}, **auth)
    assert again.status_code == 201 and again.json()["status"] == "submitted"


def test_paying_by_the_wrong_method_is_refused(client, buyer):
    shop()
    order = place(buyer)  # wire transfer
    auth = token_for(buyer)
    assert_problem(
        post(
            client,
            f"/orders/{order.number}/payments/western-union",
            {"sender_name": "B", "mtcn": "1234567890"},
            **auth,
        ),
        409,
        code="wrong_method",
    )
    assert_problem(
        post(client, f"/orders/{order.number}/payments/paypal", {}, **auth), 409, code="wrong_method"
    )
    assert not Payment.objects.exists()


# --- PayPal ---------------------------------------------------------------------------------------------


def signed(fake, event, **kwargs):
    """The headers and body PayPal would post for the event to our webhook (the conftest fake's id)."""
    return fake.signed_webhook(event, webhook_id=settings.PAYPAL_WEBHOOK_ID, **kwargs)


def start(client, order, auth) -> dict:
    response = post(client, f"/orders/{order.number}/payments/paypal", {}, **auth)
    assert response.status_code == 200, response.content
    return response.json()


def deliver(client, headers: dict, body: bytes):
    meta = {
        "HTTP_" + key.upper().replace("-", "_"): value
        for key, value in headers.items()
        if key != "Content-Type"
    }
    return client.post(WEBHOOK, data=body, content_type="application/json", **meta)


def test_paypal_start_approve_and_capture(client, buyer, fake_paypal):
    shop()
    order = place(buyer, method="paypal")
    auth = token_for(buyer)
    started = start(client, order, auth)
    assert started["approve_url"].startswith(fake_paypal.base_url) and started["amount"] == "29.36"
    assert start(client, order, auth)["paypal_order_id"] == started["paypal_order_id"]  # reused, not a second
    capture = f"/orders/{order.number}/payments/paypal/capture"
    body = {"paypal_order_id": started["paypal_order_id"]}
    assert_problem(post(client, capture, body, **auth), 409, code="not_approved")
    return_url = fake_paypal.approve(started["paypal_order_id"])
    assert f"/account/orders/{order.number}/paypal/return/" in return_url
    response = post(client, capture, body, **auth)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["payment"]["status"] == "completed" and result["order"]["status"] == "approved"
    assert result["order"]["balance_due"] == "0.00"
    assert post(client, capture, body, **auth).json()["payment"]["status"] == "completed"  # safe to repeat
    assert Transaction.objects.filter(source="paypal").count() == 1
    assert len(fake_paypal.calls_to("POST", f"/v2/checkout/orders/{started['paypal_order_id']}/capture")) == 2
    order.refresh_from_db()
    assert order.amount_paid == order.total


def test_a_paypal_order_of_another_order_cannot_be_captured_here(client, buyer, fake_paypal):
    shop()
    first, second = place(buyer, method="paypal"), place(buyer, method="paypal")
    auth = token_for(buyer)
    started = start(client, first, auth)
    fake_paypal.approve(started["paypal_order_id"])
    body = {"paypal_order_id": started["paypal_order_id"]}
    assert_problem(
        post(client, f"/orders/{second.number}/payments/paypal/capture", body, **auth),
        404,
        field="paypal_order_id",
    )
    assert_problem(post(client, f"/orders/{second.number}/payments/paypal/capture", {}, **auth), 422)
    assert not Transaction.objects.exists()


def test_a_signed_webhook_records_the_payment_once_when_delivered_twice(client, buyer, fake_paypal):
    from tradepost.payments.paypal import paypal_client

    shop()
    order = place(buyer, method="paypal")
    started = start(client, order, token_for(buyer))
    fake_paypal.approve(started["paypal_order_id"])
    # The buyer closed the browser after approving: PayPal captured, only the webhook tells us.
    paypal_client().capture_order(started["paypal_order_id"], request_id="outside-the-store")
    event = fake_paypal.event_for_capture(started["paypal_order_id"])
    headers, body = signed(fake_paypal, event)
    first = deliver(client, headers, body)
    assert first.status_code == 200, first.content
    assert first.json() == {"result": "recorded"}
    assert deliver(client, headers, body).json() == {"result": "duplicate"}  # the same delivery again
    headers, body = signed(fake_paypal, event)  # PayPal's own retry
    assert deliver(client, headers, body).json() == {"result": "duplicate"}
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.amount_paid == order.total
    assert Transaction.objects.get().external_id == event["resource"]["id"]


def test_an_approval_webhook_captures(client, buyer, fake_paypal):
    shop()
    order = place(buyer, method="paypal")
    started = start(client, order, token_for(buyer))
    fake_paypal.approve(started["paypal_order_id"])
    event = fake_paypal.event_for_order(started["paypal_order_id"])
    for _ in range(2):
        headers, body = signed(fake_paypal, event)
        assert deliver(client, headers, body).json() == {"result": "captured"}
    assert Transaction.objects.count() == 1
    order.refresh_from_db()
    assert order.amount_paid == order.total


def test_forged_webhooks_are_400_and_change_nothing(client, buyer, fake_paypal):
    shop()
    order = place(buyer, method="paypal")
    started = start(client, order, token_for(buyer))
    fake_paypal.approve(started["paypal_order_id"])
    from tradepost.payments.paypal import paypal_client

    paypal_client().capture_order(started["paypal_order_id"], request_id="outside-the-store")
    event = fake_paypal.event_for_capture(started["paypal_order_id"])
    headers, body = signed(fake_paypal, event)
    tampered = json.loads(body)
    tampered["resource"]["amount"]["value"] = "9999.00"
    assert_problem(deliver(client, headers, json.dumps(tampered).encode()), 400, code="webhook_rejected")
    wrong_signature = {**headers, "PAYPAL-TRANSMISSION-SIG": base64.b64encode(b"\x01" * 256).decode()}
    assert_problem(deliver(client, wrong_signature, body), 400, code="webhook_rejected")
    other_hook, other_body = fake_paypal.signed_webhook(event, webhook_id="WH-SOMEONE-ELSE")
    assert_problem(deliver(client, other_hook, other_body), 400, code="webhook_rejected")
    foreign_cert = {**headers, "PAYPAL-CERT-URL": "https://attacker.example/cert.pem"}
    assert_problem(deliver(client, foreign_cert, body), 400, code="webhook_rejected")
    assert_problem(client.post(WEBHOOK, data=b"\xff\x00garbage", content_type="application/json"), 400)
    assert_problem(client.post(WEBHOOK, data=b"", content_type="text/plain"), 400)
    assert not Transaction.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.amount_paid == 0


def test_webhooks_need_no_session_and_no_csrf(buyer, fake_paypal):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    response = client.post(WEBHOOK, data=b"{}", content_type="application/json")
    assert_problem(response, 400, code="webhook_rejected")
    assert Order.objects.count() == 0
