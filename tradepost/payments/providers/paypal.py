"""PayPal REST client: OAuth2 tokens, Orders v2, Payments v2 refunds and webhook signature checks.

It holds no store rules and touches no database: services call it after commit (or outside their
transaction) and record what it returns. Every POST carries the caller's PayPal-Request-Id, so a call
repeated after a timeout is answered with the first result instead of a second charge or refund.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tradepost.core.money import round_money

logger = logging.getLogger(__name__)

WEBHOOK_MAX_SKEW = timedelta(minutes=5)
WEBHOOK_ALGORITHM = "SHA256withRSA"
_WEBHOOK_HEADERS = (
    "PAYPAL-TRANSMISSION-ID",
    "PAYPAL-TRANSMISSION-TIME",
    "PAYPAL-CERT-URL",
    "PAYPAL-AUTH-ALGO",
    "PAYPAL-TRANSMISSION-SIG",
)
_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")  # PayPal ids go into URL paths; nothing else may.
_CERT_CACHE_SIZE = 16


class PayPalError(Exception):
    """PayPal answered with an error, or (as PayPalUnavailable) could not be reached.

    `name` is PayPal's top-level error name (UNPROCESSABLE_ENTITY, RESOURCE_NOT_FOUND, ...); the specific
    reason is usually the first `details[].issue` (ORDER_NOT_APPROVED, REFUND_AMOUNT_EXCEEDED, ...).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        name: str = "",
        debug_id: str = "",
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message
        self.debug_id = debug_id
        self.details = details or []

    @property
    def issue(self) -> str:
        """The first detail's issue code, or the error name when PayPal gave no details."""
        for detail in self.details:
            if isinstance(detail, dict) and detail.get("issue"):
                return str(detail["issue"])
        return self.name

    def __str__(self) -> str:
        label = self.name if self.issue == self.name else f"{self.name}/{self.issue}"
        text = f"{label}: {self.message}" if label else self.message
        return f"{text} (debug_id {self.debug_id})" if self.debug_id else text


class PayPalUnavailable(PayPalError):
    """PayPal was unreachable, timed out or answered 5xx; a retry with the same request id is safe."""


class WebhookRejected(Exception):
    """A webhook whose signature, certificate, age or body does not check out; answer it with a 400."""


@dataclass(frozen=True)
class PayPalConfig:
    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    webhook_id: str = ""
    timeout: float = 10.0


def paypal_config() -> PayPalConfig:
    """The configuration in Django settings (the PAYPAL_* environment variables)."""
    from django.conf import settings

    return PayPalConfig(
        base_url=str(settings.PAYPAL_API_BASE).rstrip("/"),
        client_id=settings.PAYPAL_CLIENT_ID or "",
        client_secret=settings.PAYPAL_CLIENT_SECRET or "",
        webhook_id=settings.PAYPAL_WEBHOOK_ID or "",
        timeout=float(settings.PAYPAL_TIMEOUT_SECONDS),
    )


@dataclass(frozen=True)
class PayPalCapture:
    id: str
    status: str  # COMPLETED, PENDING, DECLINED, FAILED, PARTIALLY_REFUNDED, REFUNDED
    amount: Decimal
    currency: str
    order_id: str
    reference: str  # the capture's custom_id: the reference given to create_order
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)


@dataclass(frozen=True)
class PayPalOrder:
    id: str
    status: str  # CREATED, PAYER_ACTION_REQUIRED, APPROVED, COMPLETED, VOIDED
    approve_url: str  # where to send the buyer; "" once the order no longer needs them
    reference: str
    amount: Decimal | None
    currency: str
    payer_email: str
    captures: tuple[PayPalCapture, ...]
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)


@dataclass(frozen=True)
class PayPalRefund:
    id: str
    status: str  # COMPLETED, PENDING, FAILED, CANCELLED
    amount: Decimal
    currency: str
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)


class PayPalClient:
    """One PayPal REST account; thread-safe, keeps its OAuth token and HTTP connections between calls."""

    def __init__(self, config: PayPalConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._http = httpx.Client(base_url=config.base_url, timeout=config.timeout)
        self._token_lock = threading.Lock()
        self._token = ""
        self._token_expires_at = 0.0
        self._certs: dict[str, rsa.RSAPublicKey] = {}

    def __repr__(self) -> str:
        return f"<PayPalClient {self.config.base_url} client_id={self.config.client_id!r}>"

    @property
    def configured(self) -> bool:
        return bool(self.config.client_id and self.config.client_secret)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PayPalClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- Orders v2 ------------------------------------------------------------------------------------

    def create_order(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str = "USD",
        return_url: str,
        cancel_url: str,
        request_id: str,
        description: str = "",
        invoice_id: str | None = None,
    ) -> PayPalOrder:
        """Create a CAPTURE order for one purchase unit; the buyer approves it at `approve_url`.

        `invoice_id` must be unique per paid PayPal order (PayPal refuses a reused one); it defaults to
        `reference`, so pass a per-attempt id when one reference may be paid in several PayPal orders.
        """
        unit: dict[str, Any] = {
            "reference_id": reference,
            "custom_id": reference,
            "invoice_id": invoice_id or reference,
            "amount": _money(amount, currency),
        }
        if description:
            unit["description"] = description[:127]
        body = {
            "intent": "CAPTURE",
            "purchase_units": [unit],
            "payment_source": {
                "paypal": {
                    "experience_context": {
                        "return_url": return_url,
                        "cancel_url": cancel_url,
                        "user_action": "PAY_NOW",
                        "shipping_preference": "NO_SHIPPING",
                    }
                }
            },
        }
        return _order(self._call("POST", "/v2/checkout/orders", body=body, request_id=request_id))

    def get_order(self, order_id: str) -> PayPalOrder:
        return _order(self._call("GET", f"/v2/checkout/orders/{_checked_id(order_id)}"))

    def capture_order(self, order_id: str, *, request_id: str) -> PayPalCapture:
        """Capture an approved order; an order captured before returns its existing capture, not a new one."""
        path = f"/v2/checkout/orders/{_checked_id(order_id)}"
        try:
            data = self._call("POST", f"{path}/capture", body={}, request_id=request_id)
        except PayPalError as exc:
            if exc.issue != "ORDER_ALREADY_CAPTURED":
                raise
            logger.info("PayPal order %s was captured before; reading its capture", order_id)
            data = self._call("GET", path)
        captures = _order(data).captures
        if not captures:  # a minimal representation; the full order has the capture
            captures = self.get_order(order_id).captures
        if not captures:
            raise PayPalError(f"PayPal order {order_id} has no capture.", name="NO_CAPTURE")
        settled = [capture for capture in captures if capture.status not in {"DECLINED", "FAILED"}]
        return settled[0] if settled else captures[-1]

    # --- Payments v2 ----------------------------------------------------------------------------------

    def refund_capture(
        self, capture_id: str, *, amount: Decimal, request_id: str, note: str = "", currency: str = "USD"
    ) -> PayPalRefund:
        """Refund part or all of a capture; PayPal refuses more than what is left unrefunded."""
        body: dict[str, Any] = {"amount": _money(amount, currency)}
        if note:
            body["note_to_payer"] = note[:255]
        path = f"/v2/payments/captures/{_checked_id(capture_id)}/refund"
        data = self._call("POST", path, body=body, request_id=request_id)
        value, code = _amount(data.get("amount"))
        return PayPalRefund(
            id=str(data.get("id", "")),
            status=str(data.get("status", "")),
            amount=value if value is not None else round_money(amount),
            currency=code or currency,
            raw=data,
        )

    # --- Webhooks -------------------------------------------------------------------------------------

    def verify_webhook(
        self, *, headers: Mapping[str, str], body: bytes, now: datetime | None = None
    ) -> dict[str, Any]:
        """Check a webhook's signature as PayPal documents it and return the event, or raise WebhookRejected.

        The signed message is `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body>`,
        signed with the key of the certificate at PAYPAL-CERT-URL, which must be served by PayPal.
        """
        lowered = {str(key).lower(): value for key, value in headers.items()}
        values = {}
        for name in _WEBHOOK_HEADERS:
            value = (lowered.get(name.lower()) or "").strip()
            if not value:
                raise WebhookRejected(f"missing header {name}")
            values[name] = value
        if not self.config.webhook_id:
            raise WebhookRejected("no PayPal webhook id is configured")
        if values["PAYPAL-AUTH-ALGO"] != WEBHOOK_ALGORITHM:
            raise WebhookRejected(f"unknown signature algorithm {values['PAYPAL-AUTH-ALGO'][:40]!r}")
        sent_at = _parse_time(values["PAYPAL-TRANSMISSION-TIME"])
        if sent_at is None:
            raise WebhookRejected("transmission time is not a date-time")
        now = now or datetime.now(UTC)
        if abs(now - sent_at) > WEBHOOK_MAX_SKEW:
            raise WebhookRejected("transmission time is more than 5 minutes from now")
        try:
            signature = base64.b64decode(values["PAYPAL-TRANSMISSION-SIG"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WebhookRejected("signature is not base64") from exc
        key = self._webhook_key(values["PAYPAL-CERT-URL"], now)
        message = "|".join(
            (
                values["PAYPAL-TRANSMISSION-ID"],
                values["PAYPAL-TRANSMISSION-TIME"],
                self.config.webhook_id,
                str(zlib.crc32(body)),
            )
        )
        try:
            key.verify(signature, message.encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as exc:
            raise WebhookRejected("signature does not match") from exc
        try:
            event = json.loads(body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise WebhookRejected("body is not JSON") from exc
        if not isinstance(event, dict):
            raise WebhookRejected("body is not a JSON object")
        return event

    def cert_url_allowed(self, url: str) -> bool:
        """PayPal's own https hosts, or the API host this client is configured for (the fake server)."""
        try:
            parts, base = urlsplit(url), urlsplit(self.config.base_url)
            port, base_port = parts.port, base.port
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        if parts.scheme == "https" and (host == "paypal.com" or host.endswith(".paypal.com")):
            return True
        return (parts.scheme, host, port) == (base.scheme, (base.hostname or "").lower(), base_port)

    def _webhook_key(self, url: str, now: datetime) -> rsa.RSAPublicKey:
        if not self.cert_url_allowed(url):
            raise WebhookRejected("certificate URL is not a PayPal URL")
        key = self._certs.get(url)
        if key is not None:
            return key
        try:
            response = self._http.get(url)
        except httpx.HTTPError as exc:
            raise WebhookRejected(f"certificate could not be downloaded ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise WebhookRejected(f"certificate could not be downloaded (HTTP {response.status_code})")
        try:
            cert = x509.load_pem_x509_certificate(response.content)
        except ValueError as exc:
            raise WebhookRejected("certificate is not PEM") from exc
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise WebhookRejected("certificate is expired or not yet valid")
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise WebhookRejected("certificate key is not RSA")
        if len(self._certs) >= _CERT_CACHE_SIZE:
            self._certs.clear()
        self._certs[url] = key
        return key

    # --- HTTP -----------------------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, *, body: dict[str, Any] | None = None, request_id: str = ""
    ) -> dict[str, Any]:
        """One API call with a bearer token; a 401 refreshes the token once and repeats the call."""
        headers = {"Accept": "application/json"}
        if method == "POST":
            if not request_id:
                raise ValueError("Every PayPal POST needs a request_id (sent as PayPal-Request-Id).")
            headers["PayPal-Request-Id"] = request_id
            headers["Prefer"] = "return=representation"
        token = self._access_token()
        for attempt in (1, 2):
            headers["Authorization"] = f"Bearer {token}"
            response = self._send(method, path, headers=headers, json=body)
            if response.status_code == 401 and attempt == 1:
                logger.info("PayPal refused the access token on %s %s; fetching a new one", method, path)
                token = self._access_token(stale=token)
                continue
            break
        if response.is_success:
            data = _json(response)
            return data if isinstance(data, dict) else {}
        raise _error(response)

    def _access_token(self, *, stale: str = "") -> str:
        """The cached token, or a new one when it is near expiry or equals `stale` (PayPal refused it)."""
        with self._token_lock:
            if self._token and self._token != stale and self._clock() < self._token_expires_at:
                return self._token
            if not self.configured:
                raise PayPalError("PayPal client id and secret are not configured.", name="NOT_CONFIGURED")
            response = self._send(
                "POST",
                "/v1/oauth2/token",
                headers={"Accept": "application/json"},
                data={"grant_type": "client_credentials"},
                auth=(self.config.client_id, self.config.client_secret),
            )
            if not response.is_success:
                raise _error(response)
            data = _json(response)
            token = data.get("access_token") if isinstance(data, dict) else None
            if not token:
                raise PayPalError("PayPal returned no access token.", status=response.status_code)
            try:
                lifetime = max(int(data.get("expires_in", 0)), 0)
            except (TypeError, ValueError):
                lifetime = 0
            # Renew a minute early (half the lifetime for very short ones) so no call races the expiry.
            self._token = str(token)
            self._token_expires_at = self._clock() + lifetime - min(60, lifetime / 2)
            return self._token

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise PayPalUnavailable(f"PayPal timed out on {method} {path}.", name="TIMEOUT") from exc
        except httpx.TransportError as exc:
            raise PayPalUnavailable(
                f"PayPal could not be reached on {method} {path} ({type(exc).__name__}).", name="UNREACHABLE"
            ) from exc
        logger.debug(
            "PayPal %s %s -> %s (debug_id %s)",
            method,
            path,
            response.status_code,
            response.headers.get("PayPal-Debug-Id", "-"),
        )
        return response


# --- Parsing --------------------------------------------------------------------------------------------


def _checked_id(value: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError(f"Not a PayPal id: {value!r}")
    return value


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    """PayPal's amount object; the amount must be positive and in whole cents."""
    value = round_money(amount)
    if value != amount or value <= 0:
        raise ValueError(f"PayPal amounts are positive whole cents, got {amount}")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(f"Not a currency code: {currency!r}")
    return {"currency_code": currency, "value": f"{value:.2f}"}


def _amount(data: object) -> tuple[Decimal | None, str]:
    if not isinstance(data, dict):
        return None, ""
    try:
        value = Decimal(str(data.get("value")))
    except InvalidOperation:
        return None, str(data.get("currency_code", ""))
    return (value if value.is_finite() else None), str(data.get("currency_code", ""))


def _order(data: dict[str, Any]) -> PayPalOrder:
    order_id = str(data.get("id", ""))
    units = [unit for unit in data.get("purchase_units") or [] if isinstance(unit, dict)]
    unit = units[0] if units else {}
    captures = []
    for each in units:
        for capture in ((each.get("payments") or {}).get("captures")) or []:
            if isinstance(capture, dict):
                captures.append(_capture(capture, order_id=order_id, unit=each))
    links = {
        link.get("rel"): link.get("href", "") for link in data.get("links") or [] if isinstance(link, dict)
    }
    status = str(data.get("status", ""))
    amount, currency = _amount(unit.get("amount"))
    payer = data.get("payer") if isinstance(data.get("payer"), dict) else {}
    return PayPalOrder(
        id=order_id,
        status=status,
        approve_url=links.get("payer-action") or links.get("approve") or "",
        reference=str(unit.get("custom_id") or unit.get("reference_id") or ""),
        amount=amount,
        currency=currency,
        payer_email=str(payer.get("email_address", "")),
        captures=tuple(captures),
        raw=data,
    )


def _capture(data: dict[str, Any], *, order_id: str, unit: dict[str, Any]) -> PayPalCapture:
    related = (data.get("supplementary_data") or {}).get("related_ids") or {}
    amount, currency = _amount(data.get("amount"))
    return PayPalCapture(
        id=str(data.get("id", "")),
        status=str(data.get("status", "")),
        amount=amount if amount is not None else Decimal("0.00"),
        currency=currency,
        order_id=str(related.get("order_id") or order_id),
        reference=str(data.get("custom_id") or unit.get("custom_id") or unit.get("reference_id") or ""),
        raw=data,
    )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error(response: httpx.Response) -> PayPalError:
    """PayPal's error body (`name/message/debug_id/details`, or OAuth's `error/error_description`)."""
    data = _json(response)
    data = data if isinstance(data, dict) else {}
    details = data.get("details")
    cls = PayPalUnavailable if response.status_code >= 500 else PayPalError
    return cls(
        str(data.get("message") or data.get("error_description") or f"HTTP {response.status_code}"),
        status=response.status_code,
        name=str(data.get("name") or data.get("error") or f"HTTP_{response.status_code}"),
        debug_id=str(data.get("debug_id") or response.headers.get("PayPal-Debug-Id", "")),
        details=[d for d in details if isinstance(d, dict)] if isinstance(details, list) else [],
    )


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
