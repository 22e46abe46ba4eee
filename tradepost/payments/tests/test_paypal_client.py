"""The PayPal client against the local fake PayPal: orders, captures, refunds, tokens and webhooks."""

import json
import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tradepost.payments.providers.paypal import (
    PayPalClient,
    PayPalConfig,
    PayPalError,
    PayPalUnavailable,
    WebhookRejected,
    paypal_config,
)
from tradepost.payments.testing.fake_paypal import CERT_PATH, FakePayPal

WEBHOOK_ID = "4JH86294D6297924G"
RETURN_URL = "http://shop.test/pay/paypal/return"
CANCEL_URL = "http://shop.test/pay/paypal/cancel?order=TP-1"


@pytest.fixture(scope="module")
def fake():
    with FakePayPal() as server:
        yield server


def make_client(fake: FakePayPal, **overrides) -> PayPalClient:
    values = {
        "base_url": fake.base_url,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "webhook_id": WEBHOOK_ID,
        "timeout": 5.0,
    }
    return PayPalClient(PayPalConfig(**{**values, **overrides}))


@pytest.fixture
def client(fake):
    with make_client(fake) as paypal:
        yield paypal


def create(client: PayPalClient, request_id: str, amount: str = "123.45", reference: str = "TP-1001"):
    return client.create_order(
        reference=reference,
        amount=Decimal(amount),
        return_url=RETURN_URL,
        cancel_url=CANCEL_URL,
        request_id=request_id,
        description=f"Order {reference}",
    )


def paid_order(client: PayPalClient, fake: FakePayPal, request_id: str, amount: str = "100.00"):
    order = create(client, request_id, amount=amount)
    fake.approve(order.id)
    return order, client.capture_order(order.id, request_id=f"{request_id}-capture")


# --- Orders -----------------------------------------------------------------------------------------


def test_create_approve_capture(client, fake):
    order = create(client, "req-happy")

    assert order.status == "PAYER_ACTION_REQUIRED"
    assert order.approve_url == f"{fake.base_url}/checkoutnow?token={order.id}"
    assert (order.amount, order.currency, order.reference) == (Decimal("123.45"), "USD", "TP-1001")
    sent = fake.calls_to("POST", "/v2/checkout/orders")[-1]
    body = json.loads(sent.body)
    assert body["intent"] == "CAPTURE"
    assert body["purchase_units"] == [
        {
            "reference_id": "TP-1001",
            "custom_id": "TP-1001",
            "invoice_id": "TP-1001",
            "amount": {"currency_code": "USD", "value": "123.45"},
            "description": "Order TP-1001",
        }
    ]
    assert body["payment_source"]["paypal"]["experience_context"] == {
        "return_url": RETURN_URL,
        "cancel_url": CANCEL_URL,
        "user_action": "PAY_NOW",
        "shipping_preference": "NO_SHIPPING",
    }
    assert sent.headers["paypal-request-id"] == "req-happy"
    assert sent.headers["prefer"] == "return=representation"

    back = fake.approve(order.id)
    assert back.startswith(f"{RETURN_URL}?token={order.id}&PayerID=")
    approved = client.get_order(order.id)
    assert (approved.status, approved.payer_email, approved.approve_url) == (
        "APPROVED",
        "buyer@example.com",
        "",
    )

    capture = client.capture_order(order.id, request_id="req-happy-capture")

    assert capture.status == "COMPLETED"
    assert (capture.amount, capture.currency) == (Decimal("123.45"), "USD")
    assert (capture.order_id, capture.reference) == (order.id, "TP-1001")
    assert client.get_order(order.id).status == "COMPLETED"
    assert fake.calls_to("POST", f"/v2/checkout/orders/{order.id}/capture")[0].headers[
        "paypal-request-id"
    ] == ("req-happy-capture")


def test_buyer_approves_on_the_checkout_page(client, fake):
    order = create(client, "req-page")

    page = httpx.get(order.approve_url)
    assert page.status_code == 200
    assert "Pay with PayPal (test)" in page.text and "Approve payment" in page.text and "123.45" in page.text
    approved = httpx.post(order.approve_url)

    assert approved.status_code == 303
    location = urlsplit(approved.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == RETURN_URL
    assert parse_qs(location.query)["token"] == [order.id] and parse_qs(location.query)["PayerID"]
    assert client.get_order(order.id).status == "APPROVED"


def test_buyer_cancels_on_the_checkout_page(client, fake):
    order = create(client, "req-cancel")

    cancelled = httpx.get(f"{fake.base_url}/checkoutnow/cancel?token={order.id}")

    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == f"{CANCEL_URL}&token={order.id}"
    assert client.get_order(order.id).status == "PAYER_ACTION_REQUIRED"


def test_capture_before_approval_is_refused(client):
    order = create(client, "req-unapproved")

    with pytest.raises(PayPalError) as raised:
        client.capture_order(order.id, request_id="req-unapproved-capture")

    assert not isinstance(raised.value, PayPalUnavailable)
    assert raised.value.status == 422
    assert raised.value.name == "UNPROCESSABLE_ENTITY"  # PayPal's name; the reason is the detail's issue
    assert raised.value.issue == "ORDER_NOT_APPROVED"
    assert raised.value.debug_id
    assert "ORDER_NOT_APPROVED" in str(raised.value)


def test_capture_after_a_refused_capture_succeeds_with_the_same_request_id(client, fake):
    order = create(client, "req-late")
    with pytest.raises(PayPalError):
        client.capture_order(order.id, request_id="req-late-capture")
    fake.approve(order.id)

    assert client.capture_order(order.id, request_id="req-late-capture").status == "COMPLETED"


def test_capturing_twice_returns_the_first_capture(client, fake):
    order, first = paid_order(client, fake, "req-twice")

    replayed = client.capture_order(order.id, request_id="req-twice-capture")  # same request id
    again = client.capture_order(order.id, request_id="req-twice-other")  # PayPal: ORDER_ALREADY_CAPTURED

    assert replayed == first
    assert again == first
    assert len(fake.orders[order.id]["purchase_units"][0]["payments"]["captures"]) == 1


def test_repeated_create_with_the_same_request_id_is_one_order(client, fake):
    before = len(fake.orders)

    first = create(client, "req-same")
    second = create(client, "req-same")

    assert second.id == first.id
    assert len(fake.orders) == before + 1
    sent = [
        call for call in fake.calls_to("POST", "/v2/checkout/orders") if call.headers.get("paypal-request-id")
    ]
    assert [call.headers["paypal-request-id"] for call in sent].count("req-same") == 2


def test_declined_capture_is_reported(client, fake):
    order = create(client, "req-declined")
    fake.approve(order.id)
    fake.decline_next_capture()

    capture = client.capture_order(order.id, request_id="req-declined-capture")

    assert capture.status == "DECLINED"
    assert client.get_order(order.id).status == "COMPLETED"  # PayPal: check the capture, not the order


def test_unknown_order_is_not_found(client):
    with pytest.raises(PayPalError) as raised:
        client.get_order("0ABCDEF123456789X")

    assert (raised.value.status, raised.value.name, raised.value.issue) == (
        404,
        "RESOURCE_NOT_FOUND",
        "INVALID_RESOURCE_ID",
    )


def test_bad_input_is_refused_before_calling_paypal(client):
    with pytest.raises(ValueError, match="whole cents"):
        create(client, "req-fraction", amount="10.005")
    with pytest.raises(ValueError, match="whole cents"):
        create(client, "req-zero", amount="0.00")
    with pytest.raises(ValueError, match="Not a PayPal id"):
        client.get_order("../v1/oauth2/token")
    with pytest.raises(ValueError, match="request_id"):
        client.capture_order("ABC", request_id="")


# --- Refunds ----------------------------------------------------------------------------------------


def test_partial_refund_then_beyond_the_capture(client, fake):
    _, capture = paid_order(client, fake, "req-refund", amount="100.00")

    refund = client.refund_capture(
        capture.id, amount=Decimal("40.00"), request_id="ref-1", note="Damaged part"
    )
    replayed = client.refund_capture(capture.id, amount=Decimal("40.00"), request_id="ref-1")
    with pytest.raises(PayPalError) as raised:
        client.refund_capture(capture.id, amount=Decimal("60.01"), request_id="ref-2")
    rest = client.refund_capture(capture.id, amount=Decimal("60.00"), request_id="ref-3")

    assert (refund.status, refund.amount, refund.currency) == ("COMPLETED", Decimal("40.00"), "USD")
    assert replayed.id == refund.id
    sent = json.loads(fake.calls_to("POST", f"/v2/payments/captures/{capture.id}/refund")[0].body)
    assert sent == {"amount": {"currency_code": "USD", "value": "40.00"}, "note_to_payer": "Damaged part"}
    assert (raised.value.status, raised.value.issue) == (422, "REFUND_AMOUNT_EXCEEDED")
    assert rest.amount == Decimal("60.00")
    assert fake.captures[capture.id]["status"] == "REFUNDED"


# --- Tokens -----------------------------------------------------------------------------------------


def token_requests(fake: FakePayPal) -> int:
    return len(fake.calls_to("POST", "/v1/oauth2/token"))


def test_token_is_reused_until_shortly_before_it_expires(fake):
    now = [1000.0]
    paypal = PayPalClient(make_client(fake).config, clock=lambda: now[0])
    start = token_requests(fake)

    order = create(paypal, "req-token-1")
    paypal.get_order(order.id)
    now[0] += fake.token_ttl - 120  # still comfortably valid
    paypal.get_order(order.id)
    assert token_requests(fake) == start + 1

    now[0] += 90  # inside the last minute of its lifetime
    paypal.get_order(order.id)
    assert token_requests(fake) == start + 2


def test_refused_token_is_refreshed_once_and_the_call_repeated(client, fake):
    order = create(client, "req-401")
    start = token_requests(fake)
    fake.revoke_tokens()

    assert client.get_order(order.id).id == order.id
    assert token_requests(fake) == start + 1
    assert len(fake.calls_to("GET", f"/v2/checkout/orders/{order.id}")) == 2  # refused, then repeated


def test_wrong_credentials_are_an_error_without_the_secret(fake):
    with make_client(fake, client_secret="not-the-secret") as paypal, pytest.raises(PayPalError) as raised:
        paypal.get_order("0ABCDEF123456789X")

    assert (raised.value.status, raised.value.name) == (401, "invalid_client")
    assert "not-the-secret" not in str(raised.value)


def test_unconfigured_client(fake):
    paypal = make_client(fake, client_id="", client_secret="")

    assert not paypal.configured
    with pytest.raises(PayPalError) as raised:
        paypal.get_order("0ABCDEF123456789X")
    assert raised.value.name == "NOT_CONFIGURED"


def test_secret_and_token_stay_out_of_logs_and_reprs(client, fake, caplog):
    caplog.set_level(logging.DEBUG)

    order = create(client, "req-logs")
    fake.revoke_tokens()
    client.get_order(order.id)

    bearer = {
        c.headers["authorization"]
        for c in fake.calls
        if c.headers.get("authorization", "").startswith("Bearer")
    }
    basic = {
        c.headers["authorization"]
        for c in fake.calls
        if c.headers.get("authorization", "").startswith("Basic")
    }
    assert bearer and basic
    for secret in [fake.client_secret] + [value.split(" ", 1)[1] for value in bearer | basic]:
        assert secret not in caplog.text
    assert fake.client_secret not in repr(client) + repr(client.config)


# --- Unavailable ------------------------------------------------------------------------------------


def test_closed_port_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = PayPalConfig(f"http://127.0.0.1:{port}", "id", "secret", webhook_id=WEBHOOK_ID, timeout=2)

    with PayPalClient(config) as paypal, pytest.raises(PayPalUnavailable) as raised:
        paypal.get_order("0ABCDEF123456789X")

    assert raised.value.status is None
    assert raised.value.name == "UNREACHABLE"


def test_silent_server_times_out_as_unavailable():
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        config = PayPalConfig(f"http://127.0.0.1:{silent.getsockname()[1]}", "id", "secret", timeout=0.2)

        with PayPalClient(config) as paypal, pytest.raises(PayPalUnavailable) as raised:
            paypal.get_order("0ABCDEF123456789X")

    assert raised.value.name == "TIMEOUT"


# --- Webhooks ---------------------------------------------------------------------------------------


@pytest.fixture
def captured_event(client, fake):
    order, _ = paid_order(client, fake, "req-webhook", amount="55.10")
    return order, fake.event_for_capture(order.id)


def test_capture_event_has_paypals_shape(captured_event):
    order, event = captured_event

    assert event["id"].startswith("WH-")
    assert (event["event_type"], event["resource_type"]) == ("PAYMENT.CAPTURE.COMPLETED", "capture")
    assert event["resource"]["supplementary_data"]["related_ids"]["order_id"] == order.id
    assert event["resource"]["custom_id"] == "TP-1001"
    assert event["resource"]["amount"] == {"currency_code": "USD", "value": "55.10"}
    assert datetime.fromisoformat(event["create_time"]).tzinfo is not None


def test_valid_webhook_passes(client, fake, captured_event):
    _, event = captured_event
    headers, body = fake.signed_webhook(event, webhook_id=WEBHOOK_ID)

    assert client.verify_webhook(headers=headers, body=body) == event
    lowered = {name.lower(): value for name, value in headers.items()}
    assert client.verify_webhook(headers=lowered, body=body) == event  # header names are case-insensitive
    assert len(fake.calls_to("GET", CERT_PATH)) >= 1


def test_certificate_is_downloaded_once(fake, captured_event):
    _, event = captured_event
    paypal = make_client(fake)
    start = len(fake.calls_to("GET", CERT_PATH))

    for _ in range(3):
        headers, body = fake.signed_webhook(event, webhook_id=WEBHOOK_ID)
        paypal.verify_webhook(headers=headers, body=body)

    assert len(fake.calls_to("GET", CERT_PATH)) == start + 1


def test_transmission_time_is_checked_against_the_given_now(client, fake, captured_event):
    _, event = captured_event
    sent = datetime.now(UTC) - timedelta(hours=2)
    headers, body = fake.signed_webhook(event, webhook_id=WEBHOOK_ID, transmission_time=sent)

    assert (
        client.verify_webhook(headers=headers, body=body, now=sent + timedelta(minutes=4))["id"]
        == event["id"]
    )
    with pytest.raises(WebhookRejected, match="5 minutes"):
        client.verify_webhook(headers=headers, body=body)


def test_stale_webhook_is_rejected(client, fake, captured_event):
    _, event = captured_event
    stale = datetime.now(UTC) - timedelta(minutes=6)
    headers, body = fake.signed_webhook(event, webhook_id=WEBHOOK_ID, transmission_time=stale)

    with pytest.raises(WebhookRejected, match="5 minutes"):
        client.verify_webhook(headers=headers, body=body)


def test_tampered_body_is_rejected(client, fake, captured_event):
    _, event = captured_event
    headers, body = fake.signed_webhook(event, webhook_id=WEBHOOK_ID)

    with pytest.raises(WebhookRejected, match="signature"):
        client.verify_webhook(headers=headers, body=body.replace(b'"55.10"', b'"5510.00"'))


def test_webhook_for_another_webhook_id_is_rejected(client, fake, captured_event):
    _, event = captured_event
    headers, body = fake.signed_webhook(event, webhook_id="9XY11111A1111111B")

    with pytest.raises(WebhookRejected, match="signature"):
        client.verify_webhook(headers=headers, body=body)


@pytest.mark.parametrize(
    "cert_url",
    [
        "https://evil.example.com/v1/notifications/certs/CERT-1",
        "https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1",
        "https://evilpaypal.com/v1/notifications/certs/CERT-1",
        "http://api.paypal.com/v1/notifications/certs/CERT-1",
        "file:///etc/passwd",
    ],
)
def test_certificate_on_a_foreign_host_is_rejected(client, fake, captured_event, cert_url):
    _, event = captured_event
    headers, body = fake.signed_webhook(event, webhook_id=WEBHOOK_ID)
    headers["PAYPAL-CERT-URL"] = cert_url

    with pytest.raises(WebhookRejected, match="not a PayPal URL"):
        client.verify_webhook(headers=headers, body=body)


def test_allowed_certificate_hosts(client, fake):
    port = urlsplit(fake.base_url).port

    assert client.cert_url_allowed("https://api.paypal.com/v1/notifications/certs/CERT-360caa42")
    assert client.cert_url_allowed("https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1")
    assert client.cert_url_allowed(fake.cert_url)
    assert not client.cert_url_allowed(f"http://127.0.0.1:{port + 1}{CERT_PATH}")
    assert not client.cert_url_allowed(f"https://127.0.0.1:{port}{CERT_PATH}")
    assert not client.cert_url_allowed("https://[::1")


@pytest.mark.parametrize(
    "header",
    [
        "PAYPAL-TRANSMISSION-ID",
        "PAYPAL-TRANSMISSION-TIME",
        "PAYPAL-CERT-URL",
        "PAYPAL-AUTH-ALGO",
        "PAYPAL-TRANSMISSION-SIG",
    ],
)
def test_missing_header_is_rejected(client, fake, captured_event, header):
    _, event = captured_event
    headers, body = fake.signed_webhook(event, webhook_id=WEBHOOK_ID)
    del headers[header]

    with pytest.raises(WebhookRejected, match=f"missing header {header}"):
        client.verify_webhook(headers=headers, body=body)


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("PAYPAL-AUTH-ALGO", "SHA1withRSA", "unknown signature algorithm"),
        ("PAYPAL-TRANSMISSION-SIG", "not base64!", "not base64"),
        ("PAYPAL-TRANSMISSION-TIME", "yesterday", "not a date-time"),
    ],
)
def test_malformed_header_is_rejected(client, fake, captured_event, header, value, reason):
    _, event = captured_event
    headers, body = fake.signed_webhook(event, webhook_id=WEBHOOK_ID)
    headers[header] = value

    with pytest.raises(WebhookRejected, match=reason):
        client.verify_webhook(headers=headers, body=body)


def test_signed_body_that_is_not_an_object_is_rejected(client, fake):
    headers, body = fake.signed_webhook(["not", "an", "event"], webhook_id=WEBHOOK_ID)

    with pytest.raises(WebhookRejected, match="not a JSON object"):
        client.verify_webhook(headers=headers, body=body)


def test_webhook_needs_a_configured_webhook_id(fake, captured_event):
    _, event = captured_event
    headers, body = fake.signed_webhook(event, webhook_id="")

    with pytest.raises(WebhookRejected, match="webhook id"):
        make_client(fake, webhook_id="").verify_webhook(headers=headers, body=body)


def test_send_webhook_posts_what_paypal_would(client, fake, captured_event):
    _, event = captured_event
    received = {}

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received["headers"] = dict(self.headers.items())
            received["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        response = fake.send_webhook(
            f"http://127.0.0.1:{server.server_port}/hooks/paypal", event, webhook_id=WEBHOOK_ID
        )
    finally:
        thread.join(timeout=10)
        server.server_close()

    assert response.status_code == 200
    assert client.verify_webhook(headers=received["headers"], body=received["body"]) == event


# --- Settings ---------------------------------------------------------------------------------------


def test_config_from_settings(settings):
    settings.PAYPAL_API_BASE = "https://api-m.paypal.com/"
    settings.PAYPAL_CLIENT_ID = "client"
    settings.PAYPAL_CLIENT_SECRET = "secret"
    settings.PAYPAL_WEBHOOK_ID = "WH1"
    settings.PAYPAL_TIMEOUT_SECONDS = 7

    assert paypal_config() == PayPalConfig("https://api-m.paypal.com", "client", "secret", "WH1", 7.0)
    assert PayPalClient(paypal_config()).configured
