"""A local fake of PayPal's REST API and checkout page — a TEST DOUBLE, never used against real money.

It speaks the shapes of PayPal's OAuth2 token, Orders v2 and Payments v2 APIs (bodies, error bodies,
PayPal-Request-Id replays) closely enough for PayPalClient, and serves a one-button "checkoutnow" page so
a demo buyer can approve a payment in a browser without the internet. It signs webhooks the way PayPal
does, with its own RSA key and a self-signed certificate served from its own host. State lives in memory.

    with FakePayPal() as fake:            # or fake.start() / fake.stop()
        config = PayPalConfig(fake.base_url, fake.client_id, fake.client_secret, webhook_id="WH1")

`python -m tradepost.payments.testing.fake_paypal --port 8089` runs one in the foreground.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import re
import secrets
import threading
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

CERT_PATH = "/v1/notifications/certs/fake-cert.pem"
FAKE_CLIENT_ID, FAKE_CLIENT_SECRET = "fake-client-id", "fake-client-secret"
Reply = tuple[int, Any, dict[str, str]]  # status, body (dict -> JSON, str -> HTML, None), extra headers
_UNPROCESSABLE = (
    "The requested action could not be performed, semantically incorrect, or failed business validation."
)
_AUTHENTICATION_FAILURE = (
    "Authentication failed due to invalid authentication credentials or a missing Authorization header."
)
_REFUND_EXCEEDED = (
    "The refund amount must be less than or equal to the capture amount that has not yet been refunded."
)
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay with PayPal (test)</title>
</head><body><main><h1>Pay with PayPal (test)</h1><p>A local fake of PayPal: no money moves.</p><p>{what}</p>
<form method="post" action="/checkoutnow?token={token}"><button type="submit">Approve payment</button></form>
<p><a href="/checkoutnow/cancel?token={token}">Cancel</a></p></main></body></html>"""
_NOT_APPROVED = (
    "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url "
    "returned as part of the HATEOAS links within the Create Order call or provide a valid payment_source."
)


@dataclass(frozen=True)
class FakeCall:
    """One request the fake received; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def _paypal_id() -> str:
    return "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(17))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, name: str, message: str, issue: str = "", description: str = "") -> Reply:
    body: dict[str, Any] = {"name": name, "message": message, "debug_id": secrets.token_hex(7)[:13]}
    if issue:
        body["details"] = [{"issue": issue, "description": description or message}]
    return status, body, {}


def _unprocessable(issue: str, description: str) -> Reply:
    return _error(422, "UNPROCESSABLE_ENTITY", _UNPROCESSABLE, issue, description)


def _not_found(resource_id: str) -> Reply:
    message = (
        f"Specified resource ID {resource_id} does not exist. Please check the resource ID and try again."
    )
    return _error(
        404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.", "INVALID_RESOURCE_ID", message
    )


def _money(value: Decimal, currency: str) -> dict[str, str]:
    return {"currency_code": currency, "value": f"{value:.2f}"}


def _link(href: str, rel: str, method: str = "GET") -> dict[str, str]:
    return {"href": href, "rel": rel, "method": method}


def _with_query(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


class FakePayPal:
    """An in-memory PayPal on 127.0.0.1; every public method is thread-safe."""

    def __init__(
        self,
        client_id: str = FAKE_CLIENT_ID,
        client_secret: str = FAKE_CLIENT_SECRET,
        *,
        port: int = 0,
        token_ttl: int = 32400,
    ) -> None:
        self.client_id, self.client_secret, self.token_ttl = client_id, client_secret, token_ttl
        self.calls: list[FakeCall] = []
        self.orders: dict[str, dict[str, Any]] = {}  # PayPal's representation, by order id
        self.captures: dict[str, dict[str, Any]] = {}  # the same dicts as in the orders' purchase units
        self.refunds: dict[str, dict[str, Any]] = {}
        self._port = port
        self._redirects: dict[str, tuple[str, str]] = {}  # order id -> (return_url, cancel_url)
        self._order_of: dict[str, str] = {}  # capture id -> order id
        self._refunds_of: dict[str, list[str]] = {}  # capture id -> refund ids
        self._tokens: set[str] = set()
        self._replies: dict[tuple[str, str], Reply] = {}  # (path, PayPal-Request-Id) -> first success
        self._decline_next = False
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, "messageverificationcerts.fake-paypal.test")]
        )
        start = datetime.now(UTC) - timedelta(days=1)
        builder = x509.CertificateBuilder(
            issuer_name=name,
            subject_name=name,
            public_key=self._key.public_key(),
            serial_number=x509.random_serial_number(),
            not_valid_before=start,
            not_valid_after=start + timedelta(days=366),
        )
        self.certificate_pem = builder.sign(self._key, hashes.SHA256()).public_bytes(
            serialization.Encoding.PEM
        )

    # --- Lifecycle -----------------------------------------------------------------------------------

    def start(self) -> FakePayPal:
        server = ThreadingHTTPServer(("127.0.0.1", self._port), _Handler)
        server.daemon_threads, server.block_on_close = True, False  # keep-alive clients must not block stop()
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-paypal", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakePayPal:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakePayPal is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def cert_url(self) -> str:
        return self.base_url + CERT_PATH

    # --- Test controls -------------------------------------------------------------------------------

    def approve(self, order_id: str) -> str:
        """Approve the order as the buyer would; returns the URL PayPal would send the buyer back to."""
        with self._lock:
            order = self.orders[order_id]
            if order["status"] in {"CREATED", "PAYER_ACTION_REQUIRED"}:
                payer_id, email = _paypal_id()[:13], "buyer@example.com"
                name = {"given_name": "Test", "surname": "Buyer"}
                order["status"] = "APPROVED"
                order["payer"] = {"name": name, "email_address": email, "payer_id": payer_id}
                paypal = {"email_address": email, "account_id": payer_id, "account_status": "VERIFIED"}
                order["payment_source"] = {"paypal": {**paypal, "name": name}}
                api = f"{self.base_url}/v2/checkout/orders/{order_id}"
                order["links"] = [
                    _link(api, "self"),
                    _link(api, "update", "PATCH"),
                    _link(f"{api}/capture", "capture", "POST"),
                ]
            payer_id = order.get("payer", {}).get("payer_id", "")
            return _with_query(self._redirects[order_id][0], token=order_id, PayerID=payer_id)

    def decline_next_capture(self) -> None:
        """The next capture comes back DECLINED (HTTP 201, order COMPLETED), as a card decline does."""
        with self._lock:
            self._decline_next = True

    def revoke_tokens(self) -> None:
        """Forget every access token issued so far, so the next API call gets a 401."""
        with self._lock:
            self._tokens.clear()

    def calls_to(self, method: str, path: str) -> list[FakeCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method and call.path == path]

    # --- Webhooks ------------------------------------------------------------------------------------

    def event_for_capture(
        self, order_id: str, event_type: str = "PAYMENT.CAPTURE.COMPLETED"
    ) -> dict[str, Any]:
        """A webhook event about the order's capture, as PayPal would post it."""
        with self._lock:
            capture = self.orders[order_id]["purchase_units"][0]["payments"]["captures"][0]
            resource = self._capture_resource(capture["id"])
        amount = resource["amount"]
        summary = f"Payment {resource['status'].lower()} for {amount['value']} {amount['currency_code']}"
        return self._event(event_type, "capture", resource, summary)

    def refund_in_dashboard(self, capture_id: str, amount: Decimal | None = None) -> str:
        """A refund a merchant makes in PayPal's own dashboard (not through our API); its refund id.

        Follows the API's rules: at most what is left of the capture, everything left without an amount."""
        body = {"amount": {"value": str(amount), "currency_code": "USD"}} if amount is not None else {}
        with self._lock:
            status, reply, _ = self._refund(body, capture_id)
        if status != 201:
            raise ValueError(f"PayPal refused the refund: {reply}")
        return reply["id"]

    def event_for_refund(
        self, refund_id: str, event_type: str = "PAYMENT.CAPTURE.REFUNDED"
    ) -> dict[str, Any]:
        """The webhook PayPal posts when a capture is refunded: the resource is the refund, whose `up`
        link names the capture (the same for refunds made through the API and in the dashboard)."""
        with self._lock:
            resource = copy.deepcopy(self.refunds[refund_id])
        amount = resource["amount"]
        summary = f"A {amount['value']} {amount['currency_code']} capture payment was refunded"
        return self._event(event_type, "refund", resource, summary)

    def event_for_order(self, order_id: str, event_type: str = "CHECKOUT.ORDER.APPROVED") -> dict[str, Any]:
        with self._lock:
            resource = copy.deepcopy(self.orders[order_id])
        return self._event(event_type, "checkout-order", resource, "An order has been approved by buyer")

    def signed_webhook(
        self, event: dict[str, Any], *, webhook_id: str, transmission_time: datetime | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The headers and body PayPal would send for the event to the webhook with this id."""
        body = json.dumps(event).encode()
        transmission_id = str(uuid.uuid4())
        sent = (transmission_time or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        message = f"{transmission_id}|{sent}|{webhook_id}|{zlib.crc32(body)}".encode()
        signature = self._key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        headers = {
            "Content-Type": "application/json",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": sent,
            "PAYPAL-CERT-URL": self.cert_url,
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(),
        }
        return headers, body

    def send_webhook(self, url: str, event: dict[str, Any], *, webhook_id: str) -> httpx.Response:
        headers, body = self.signed_webhook(event, webhook_id=webhook_id)
        return httpx.post(url, content=body, headers=headers, timeout=10)

    def _event(self, event_type: str, resource_type: str, resource: dict[str, Any], summary: str) -> dict:
        event_id = f"WH-{_paypal_id()}-{_paypal_id()}"
        return {
            "id": event_id,
            "event_version": "1.0",
            "create_time": _now(),
            "resource_type": resource_type,
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": summary,
            "resource": resource,
            "links": [_link(f"{self.base_url}/v1/notifications/webhooks-events/{event_id}", "self")],
        }

    # --- HTTP ----------------------------------------------------------------------------------------

    def _handle(self, request: _Handler, method: str) -> None:
        url = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in request.headers.items()}
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        with self._lock:
            self.calls.append(FakeCall(method, url.path, headers, raw))
            status, body, extra = self._route(method, url.path, query.get("token", ""), headers, raw)
        if isinstance(body, dict):
            payload, kind = json.dumps(body).encode(), "application/json"
        else:
            payload, kind = (body or "").encode(), "text/html; charset=utf-8"
        request.send_response(status)
        for name, value in {"Content-Type": kind, "PayPal-Debug-Id": secrets.token_hex(6), **extra}.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _route(self, method: str, path: str, token: str, headers: dict[str, str], raw: bytes) -> Reply:
        if (method, path) == ("POST", "/v1/oauth2/token"):
            return self._issue_token(headers)
        if (method, path) == ("GET", CERT_PATH):
            return 200, self.certificate_pem.decode(), {"Content-Type": "application/x-pem-file"}
        if path in {"/checkoutnow", "/checkoutnow/cancel"}:
            return self._checkout_page(method, path, token)
        if not path.startswith(("/v1/", "/v2/")):
            return 404, "Not found", {}
        if headers.get("authorization", "").removeprefix("Bearer ") not in self._tokens:
            return _error(401, "AUTHENTICATION_FAILURE", _AUTHENTICATION_FAILURE)
        request_id = headers.get("paypal-request-id", "") if method == "POST" else ""
        if (path, request_id) in self._replies:
            return self._replies[path, request_id]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return _error(400, "INVALID_REQUEST", "Request is not well-formed.", "MALFORMED_REQUEST_JSON")
        reply = self._api(method, path, body if isinstance(body, dict) else {})
        if request_id and 200 <= reply[0] < 300:  # PayPal replays a success for the same request id
            self._replies[path, request_id] = reply
        return reply

    def _api(self, method: str, path: str, body: dict[str, Any]) -> Reply:
        routes = [
            ("POST", r"/v2/checkout/orders", self._create_order),
            ("GET", r"/v2/checkout/orders/(\w+)", self._get_order),
            ("POST", r"/v2/checkout/orders/(\w+)/capture", self._capture),
            ("GET", r"/v2/payments/captures/(\w+)", self._get_capture),
            ("POST", r"/v2/payments/captures/(\w+)/refund", self._refund),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                return handler(body, *match.groups())
        return _error(404, "NOT_FOUND", f"No route for {method} {path}.")

    def _issue_token(self, headers: dict[str, str]) -> Reply:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("authorization", "") != f"Basic {expected}":
            return 401, {"error": "invalid_client", "error_description": "Client Authentication failed"}, {}
        token = "A21AA" + secrets.token_urlsafe(32)
        self._tokens.add(token)
        scope = (
            "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund"
        )
        body = {"scope": scope, "access_token": token, "token_type": "Bearer", "app_id": "APP-FAKE"}
        return 200, {**body, "expires_in": self.token_ttl, "nonce": secrets.token_hex(16)}, {}

    # --- Orders v2 -----------------------------------------------------------------------------------

    def _create_order(self, body: dict[str, Any]) -> Reply:
        units = body.get("purchase_units")
        unit = units[0] if isinstance(units, list) and units and isinstance(units[0], dict) else {}
        amount = unit.get("amount") if isinstance(unit.get("amount"), dict) else {}
        try:
            value = Decimal(str(amount.get("value")))
        except InvalidOperation:
            value = Decimal("NaN")
        if body.get("intent") != "CAPTURE" or not value.is_finite() or value <= 0 or value != round(value, 2):
            message = "Request is not well-formed, syntactically incorrect, or violates schema."
            return _error(400, "INVALID_REQUEST", message, "INVALID_PARAMETER_VALUE", "Bad intent or amount.")
        context = ((body.get("payment_source") or {}).get("paypal") or {}).get("experience_context") or {}
        order_id = _paypal_id()
        self._redirects[order_id] = (context.get("return_url", ""), context.get("cancel_url", ""))
        kept = {key: unit[key] for key in ("description", "custom_id", "invoice_id") if key in unit}
        payee = {"email_address": "merchant@example.com", "merchant_id": "FAKEMERCHANT1"}
        stored = {"reference_id": unit.get("reference_id", "default"), **kept, "payee": payee}
        stored["amount"] = _money(value, str(amount.get("currency_code", "USD")))
        # PayPal answers PAYER_ACTION_REQUIRED and a payer-action link when payment_source.paypal is given.
        checkout = f"{self.base_url}/checkoutnow?token={order_id}"
        self.orders[order_id] = {
            "id": order_id,
            "intent": "CAPTURE",
            "status": "PAYER_ACTION_REQUIRED" if context else "CREATED",
            "payment_source": {"paypal": {}},
            "purchase_units": [stored],
            "create_time": _now(),
            "links": [
                _link(f"{self.base_url}/v2/checkout/orders/{order_id}", "self"),
                _link(checkout, "payer-action" if context else "approve"),
            ],
        }
        return 201, copy.deepcopy(self.orders[order_id]), {}

    def _get_order(self, body: dict[str, Any], order_id: str) -> Reply:
        if order_id not in self.orders:
            return _not_found(order_id)
        return 200, copy.deepcopy(self.orders[order_id]), {}

    def _capture(self, body: dict[str, Any], order_id: str) -> Reply:
        order = self.orders.get(order_id)
        if order is None:
            return _not_found(order_id)
        if order["status"] == "COMPLETED":
            message = "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed."
            return _unprocessable("ORDER_ALREADY_CAPTURED", message)
        if order["status"] != "APPROVED":
            return _unprocessable("ORDER_NOT_APPROVED", _NOT_APPROVED)
        unit = order["purchase_units"][0]
        value, currency = Decimal(unit["amount"]["value"]), unit["amount"]["currency_code"]
        capture_id, declined, self._decline_next = _paypal_id(), self._decline_next, False
        api = f"{self.base_url}/v2/payments/captures/{capture_id}"
        capture: dict[str, Any] = {
            "id": capture_id,
            "status": "DECLINED" if declined else "COMPLETED",
            "amount": _money(value, currency),
            **{key: unit[key] for key in ("invoice_id", "custom_id") if key in unit},
            "final_capture": True,
            "seller_protection": {"status": "ELIGIBLE", "dispute_categories": ["ITEM_NOT_RECEIVED"]},
            "create_time": _now(),
            "update_time": _now(),
            "links": [
                _link(api, "self"),
                _link(f"{api}/refund", "refund", "POST"),
                _link(f"{self.base_url}/v2/checkout/orders/{order_id}", "up"),
            ],
        }
        if not declined:
            fee = (value * Decimal("0.0349") + Decimal("0.49")).quantize(Decimal("0.01"))
            breakdown = {"gross_amount": value, "paypal_fee": fee, "net_amount": value - fee}
            capture["seller_receivable_breakdown"] = {k: _money(v, currency) for k, v in breakdown.items()}
        unit["payments"] = {"captures": [capture]}
        order.update(status="COMPLETED", update_time=_now())  # also when declined: check the capture's status
        order["links"] = [_link(f"{self.base_url}/v2/checkout/orders/{order_id}", "self")]
        self.captures[capture_id], self._order_of[capture_id] = capture, order_id
        return 201, copy.deepcopy(order), {}

    # --- Payments v2 ---------------------------------------------------------------------------------

    def _capture_resource(self, capture_id: str) -> dict[str, Any]:
        resource = copy.deepcopy(self.captures[capture_id])
        resource["supplementary_data"] = {"related_ids": {"order_id": self._order_of[capture_id]}}
        return resource

    def _get_capture(self, body: dict[str, Any], capture_id: str) -> Reply:
        if capture_id not in self.captures:
            return _not_found(capture_id)
        return 200, self._capture_resource(capture_id), {}

    def _refund(self, body: dict[str, Any], capture_id: str) -> Reply:
        capture = self.captures.get(capture_id)
        if capture is None:
            return _not_found(capture_id)
        if capture["status"] == "REFUNDED":
            return _unprocessable("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded.")
        if capture["status"] not in {"COMPLETED", "PARTIALLY_REFUNDED"}:
            return _unprocessable("REFUND_NOT_ALLOWED", "Capture cannot be refunded.")
        currency = capture["amount"]["currency_code"]
        refunded = [Decimal(self.refunds[r]["amount"]["value"]) for r in self._refunds_of.get(capture_id, [])]
        left = Decimal(capture["amount"]["value"]) - sum(refunded, Decimal("0.00"))
        try:
            value = Decimal(str(body["amount"]["value"])) if "amount" in body else left
        except (InvalidOperation, KeyError, TypeError):
            return _error(400, "INVALID_REQUEST", "Request is not well-formed.", "INVALID_PARAMETER_VALUE")
        if not value.is_finite() or value <= 0:
            return _unprocessable("AMOUNT_CANNOT_BE_ZERO_OR_NEGATIVE", "The refund amount must be positive.")
        if value > left:
            return _unprocessable("REFUND_AMOUNT_EXCEEDED", _REFUND_EXCEEDED)
        refund_id = _paypal_id()
        self.refunds[refund_id] = {
            "id": refund_id,
            "amount": _money(value, currency),
            "note_to_payer": str(body.get("note_to_payer", "")),
            "status": "COMPLETED",
            "create_time": _now(),
            "update_time": _now(),
            "links": [
                _link(f"{self.base_url}/v2/payments/refunds/{refund_id}", "self"),
                _link(f"{self.base_url}/v2/payments/captures/{capture_id}", "up"),
            ],
        }
        self._refunds_of.setdefault(capture_id, []).append(refund_id)
        capture["status"] = "REFUNDED" if value == left else "PARTIALLY_REFUNDED"
        return 201, copy.deepcopy(self.refunds[refund_id]), {}

    # --- Buyer pages ---------------------------------------------------------------------------------

    def _checkout_page(self, method: str, path: str, order_id: str) -> Reply:
        order = self.orders.get(order_id)
        if order is None:
            return 404, "<h1>Unknown PayPal order</h1>", {}
        if path == "/checkoutnow/cancel":
            return 303, None, {"Location": _with_query(self._redirects[order_id][1], token=order_id)}
        if method == "POST":
            return 303, None, {"Location": self.approve(order_id)}
        unit = order["purchase_units"][0]
        what = f"{unit.get('description', '')} {unit['amount']['value']} {unit['amount']['currency_code']}"
        return 200, _PAGE.format(what=html.escape(what), token=html.escape(order_id)), {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection frees its thread after this long
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def do_GET(self) -> None:
        self.server.fake._handle(self, "GET")  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        self.server.fake._handle(self, "POST")  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Run a fake PayPal on 127.0.0.1 (a test double).")
    parser.add_argument("--port", type=int, default=8089)
    options = parser.parse_args()
    fake = FakePayPal(port=options.port).start()
    print(f"Fake PayPal at {fake.base_url}, client id {fake.client_id!r}, secret {fake.client_secret!r}")
    threading.Event().wait()
