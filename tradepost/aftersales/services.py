"""RMA state changes. Each function is one transaction that takes the order's row lock (so RMAs, refunds
and restocks of one order never race), checks the derived state, stamps its timestamp, writes an
RmaEvent (actor, role, time) and queues its email after commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tradepost.accounts.models import AccountType
from tradepost.aftersales import selectors
from tradepost.aftersales.calculations import Remedy, goods_refund, refundable
from tradepost.aftersales.emails import rma_email_queue
from tradepost.aftersales.models import (
    EndCustomer,
    Requester,
    Resolution,
    Rma,
    RmaEvent,
    RmaPhoto,
    RmaReason,
    RmaState,
)
from tradepost.core import ratelimit
from tradepost.core.exceptions import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from tradepost.orders.models import Order
from tradepost.orders.services import order_lock, order_policy

MAX_TEXT = 2000
MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _text(value, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise ValidationFailed("This is required.", field=field, code="required")
    if len(value) > limit or "\x00" in value:
        raise ValidationFailed(f"At most {limit} characters of text.", field=field, code="too_long")
    return value


def _email(value, field: str) -> str:
    value = _text(value, field, required=True, limit=254)
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValidationFailed("Not a valid email address.", field=field, code="invalid_email") from None
    return value


def _role(rma: Rma, actor) -> str:
    if actor is None:
        return "end_customer" if rma.requester == Requester.END_CUSTOMER else "system"
    if actor.pk == rma.order.user_id:
        return "reseller" if actor.account_type == AccountType.RESELLER else "buyer"
    return "staff"


def _event(rma: Rma, kind: str, actor, *, before: str, message: str = "", note: str = "", role=None):
    RmaEvent.objects.create(
        rma=rma,
        kind=kind,
        from_state=before,
        to_state=rma.state,
        actor=actor,
        actor_role=role or _role(rma, actor),
        message=message,
        internal_note=note,
        created_at=timezone.now(),
    )


def _locked(rma: Rma) -> Rma:
    """Lock the order row first (the order is the consistency boundary), then re-read the RMA."""
    order_lock(rma.order)
    return (
        Rma.objects.select_for_update(of=("self",))
        .select_related("order", "order__user", "order__policy_version", "line", "line__product")
        .get(pk=rma.pk)
    )


def _need(rma: Rma, *states: str, action: str) -> str:
    state = rma.state
    if state not in states:
        raise Conflict(
            f"{rma.number} is {RmaState(state).label.lower()}; it cannot be {action} now.",
            code="invalid_state",
        )
    return state


# --- Eligibility ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    line_id: int
    quantity: int
    reason: str
    description: str
    remedy: str | None = None
    troubleshooting_seen: bool = False
    preferred_resolution: str = ""


def _choose(item: selectors.LineEntitlements, claim: Claim, now):
    """The open entitlement the claim falls under, or a refusal naming each window that closed."""
    fitting = item.for_reason(claim.reason)
    if claim.remedy:
        fitting = [e for e in fitting if e.remedy == claim.remedy]
    open_ = [e for e in fitting if e.open]
    if open_:
        return sorted(open_, key=lambda e: selectors.PREFERENCE.index(e.remedy))[0]
    reason = RmaReason(claim.reason).label.lower()
    if not fitting:
        raise ValidationFailed(
            f"No remedy of this order covers “{reason}”"
            + (f" under {Remedy.LABELS.get(claim.remedy, claim.remedy)}" if claim.remedy else "")
            + ".",
            field="reason",
            code="not_covered",
        )
    parts = []
    for e in fitting:
        if e.ends_at is not None and e.window.closed(now):
            parts.append(f"the {e.label.lower()} ({e.rule}) closed on {e.ends_at:%Y-%m-%d}")
        elif not e.window.started:
            parts.append(f"the {e.label.lower()} has not started yet ({e.not_started_because})")
    raise ValidationFailed("Not eligible: " + "; ".join(parts) + ".", field="reason", code="window_closed")


def _check_claim(order: Order, claim: Claim, now):
    errors = []
    if claim.reason not in RmaReason.values:
        errors.append(FieldError("reason", "Choose one of: " + ", ".join(RmaReason.values) + ".", "invalid"))
    if claim.remedy and claim.remedy not in Remedy.LABELS:
        errors.append(FieldError("remedy", "Choose one of: " + ", ".join(Remedy.LABELS) + ".", "invalid"))
    if claim.preferred_resolution and claim.preferred_resolution not in ("refund", "replacement", "repair"):
        errors.append(FieldError("preferred_resolution", "Choose refund, replacement or repair.", "invalid"))
    if not isinstance(claim.quantity, int) or claim.quantity < 1 or claim.quantity > 10_000_000:
        errors.append(FieldError("quantity", "A whole number of at least 1.", "invalid"))
    if errors:
        raise ValidationFailed("Check the request.", errors=errors)
    try:
        item = selectors.line_entitlements(order, claim.line_id, now=now)
    except NotFound:
        raise ValidationFailed(
            "No shipped line with this id on the order.", field="line_id", code="line_not_shipped"
        ) from None
    if claim.quantity > item.claimable:
        raise ValidationFailed(
            f"At most {item.claimable} unit(s) of this line can still be claimed.",
            field="quantity",
            code="too_many",
        )
    if claim.reason == RmaReason.LOST_PARCEL and not item.in_transit and item.delivered_at:
        raise ValidationFailed(
            "The parcels with this line were delivered, so they are not lost.",
            field="reason",
            code="delivered",
        )
    chosen = _choose(item, claim, now)
    if claim.preferred_resolution and claim.preferred_resolution not in chosen.remedies:
        raise ValidationFailed(
            f"The {chosen.label.lower()} offers: {', '.join(chosen.remedies)}.",
            field="preferred_resolution",
            code="not_offered",
        )
    if chosen.remedy == Remedy.WARRANTY and item.troubleshooting_required and not claim.troubleshooting_seen:
        raise ValidationFailed(
            "Try the troubleshooting steps first, then confirm that the problem remains.",
            field="troubleshooting_seen",
            code="troubleshooting_required",
        )
    return item, chosen


def _photos(photos) -> list:
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(f"At most {MAX_PHOTOS} photos.", field="photos", code="too_many")
    from django.core.validators import validate_image_file_extension
    from PIL import Image

    for photo in photos:
        if photo.size > MAX_PHOTO_BYTES:
            raise ValidationFailed("Each photo at most 5 MB.", field="photos", code="too_large")
        try:
            validate_image_file_extension(photo)
            Image.open(photo).verify()
            photo.seek(0)
        except Exception:
            raise ValidationFailed(
                f"{photo.name} is not a JPEG, PNG or other image.", field="photos", code="not_an_image"
            ) from None
    return photos


def _create(
    order, item, chosen, claim: Claim, *, requester, user, photos, end_customer=None, token_digest=""
):
    now = timezone.now()
    rma = Rma.objects.create(
        order=order,
        line=item.line,
        quantity=claim.quantity,
        reason=claim.reason,
        remedy=chosen.remedy,
        window_rule=chosen.rule[:300],
        window_ends_at=chosen.ends_at,
        description=claim.description,
        preferred_resolution=claim.preferred_resolution or "",
        requester=requester,
        requested_by=user,
        end_customer_name=(end_customer or {}).get("name", ""),
        end_customer_email=(end_customer or {}).get("email", ""),
        end_customer_phone=(end_customer or {}).get("phone", ""),
        access_token_hash=token_digest,
        troubleshooting_seen_at=now if claim.troubleshooting_seen else None,
        requested_at=now,
    )
    for photo in photos:
        RmaPhoto.objects.create(rma=rma, image=photo)
    who = {
        Requester.BUYER: "by the buyer",
        Requester.RESELLER: f"by the reseller for {rma.end_customer_name}",
        Requester.END_CUSTOMER: f"by {rma.end_customer_name}, a customer of the reseller",
    }[requester]
    _event(
        rma,
        RmaEvent.Kind.REQUESTED,
        user,
        before="",
        role="end_customer" if requester == Requester.END_CUSTOMER else None,
        message=f"Requested {who}: {claim.quantity} × {item.line.mpn}, {rma.get_reason_display().lower()}, "
        f"under the {chosen.label.lower()} ({chosen.rule}).",
    )
    return rma


def rma_request(*, order: Order, user, claim: Claim, photos=(), end_customer: dict | None = None) -> Rma:
    """The buyer (or a reseller for their end customer) asks to return or claim units of a shipped line.

    Locks the order row, so two requests cannot claim the same units.
    """
    if user is None or order.user_id != user.pk:
        raise NotFound("No such order.", code="order_not_found")
    description = _text(claim.description, "description", required=True)
    claim = Claim(**{**claim.__dict__, "description": description})
    contact = None
    if end_customer:
        if user.account_type != AccountType.RESELLER:
            raise PermissionDenied(
                "Only a reseller files requests for their customers.", field="end_customer_name"
            )
        contact = {
            "name": _text(end_customer.get("name"), "end_customer_name", required=True, limit=150),
            "email": _email(end_customer.get("email"), "end_customer_email"),
            "phone": _text(end_customer.get("phone"), "end_customer_phone", limit=32),
        }
    photos = _photos(photos)
    with transaction.atomic():
        order = order_lock(order)
        item, chosen = _check_claim(order, claim, timezone.now())
        rma = _create(
            order,
            item,
            chosen,
            claim,
            requester=Requester.RESELLER if contact else Requester.BUYER,
            user=user,
            photos=photos,
            end_customer=contact,
        )
        rma_email_queue(rma=rma, kind="requested")
    return rma


def rma_photos_add(*, rma: Rma, actor, photos) -> Rma:
    """The claimant adds photos to an open RMA (at most MAX_PHOTOS in all)."""
    photos = _photos(photos)
    if not photos:
        raise ValidationFailed("Attach at least one photo.", field="photos", code="required")
    with transaction.atomic():
        rma = _locked(rma)
        if not rma.is_open:
            raise Conflict(f"{rma.number} is closed.", code="invalid_state")
        if rma.photos.count() + len(photos) > MAX_PHOTOS:
            raise ValidationFailed(
                f"At most {MAX_PHOTOS} photos per request.", field="photos", code="too_many"
            )
        for photo in photos:
            RmaPhoto.objects.create(rma=rma, image=photo)
        _event(rma, RmaEvent.Kind.NOTE, actor, before=rma.state, message=f"Added {len(photos)} photo(s).")
    return rma


# --- Resellers' end customers -----------------------------------------------------------------------------


def end_customer_register(
    *, order: Order, user, line_id: int, name: str, email: str, serial: str = ""
) -> EndCustomer:
    """A reseller records who they sold a line's goods to, so that customer can claim directly."""
    if user is None or order.user_id != user.pk:
        raise NotFound("No such order.", code="order_not_found")
    if user.account_type != AccountType.RESELLER:
        raise PermissionDenied("Only resellers record end customers.", code="not_a_reseller")
    name = _text(name, "name", required=True, limit=150)
    email = _email(email, "email")
    serial = _text(serial, "serial", limit=80).upper()
    line = (
        order.lines.filter(pk=line_id, quantity_shipped__gt=0).first() if isinstance(line_id, int) else None
    )
    if line is None:
        raise ValidationFailed(
            "No shipped line with this id on the order.", field="line_id", code="line_not_shipped"
        )
    try:
        with transaction.atomic():
            return EndCustomer.objects.create(
                order=order,
                line=line,
                name=name,
                email=email,
                serial=serial,
                created_by=user,
                created_at=timezone.now(),
            )
    except IntegrityError:
        raise Conflict("This serial number is already recorded for the line.", field="serial") from None


def _lookup_limits():
    return ratelimit.limit_from_setting("THROTTLE_RMA_LOOKUP_PER_ORDER"), ratelimit.limit_from_setting(
        "THROTTLE_RMA_LOOKUP_PER_IP"
    )


def end_customer_verify(*, order_number: str, proof: str, ip: str | None) -> EndCustomer:
    """Find the reseller's record for this order number and serial or email; wrong guesses count against
    per-order and per-IP limits (core.ratelimit), and any used-up limit refuses every attempt (429)."""
    number = _text(order_number, "order_number", required=True, limit=16).upper()
    proof = _text(proof, "proof", required=True, limit=254)
    per_order, per_ip = _lookup_limits()
    for limit, identity in ((per_order, number), (per_ip, ip)):
        if ratelimit.is_exhausted(limit, identity):
            raise RateLimited(
                "Too many attempts. Try again later.", retry_after=ratelimit.retry_after(limit), field="proof"
            )
    candidates = EndCustomer.objects.select_related("order", "order__policy_version", "line").filter(
        order__number=number
    )
    match = next(
        (
            row
            for row in candidates
            if (row.serial and row.serial == proof.upper()) or row.email.lower() == proof.lower()
        ),
        None,
    )
    if match is None:
        ratelimit.record(per_order, number)
        ratelimit.record(per_ip, ip)
        raise ValidationFailed(
            "We found no goods for this order number with this serial number or email. Check both with "
            "the seller.",
            field="proof",
            code="not_verified",
        )
    return match


def rma_request_end_customer(
    *, order_number: str, proof: str, claim: Claim, phone: str = "", ip: str | None = None, photos=()
) -> tuple[Rma, str]:
    """A reseller's customer, without an account, claims directly; returns the RMA and its secret link
    token (emailed to them; only its hash is stored)."""
    record = end_customer_verify(order_number=order_number, proof=proof, ip=ip)
    policy = order_policy(record.order)
    if not (policy.warranty.enabled and policy.warranty.end_customer_direct_claims):
        raise PermissionDenied(
            "This store takes claims for resold goods through the reseller; please contact them.",
            code="direct_claims_off",
        )
    description = _text(claim.description, "description", required=True)
    claim = Claim(**{**claim.__dict__, "description": description, "line_id": record.line_id})
    photos = _photos(photos)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        order = order_lock(record.order)
        item, chosen = _check_claim(order, claim, timezone.now())
        rma = _create(
            order,
            item,
            chosen,
            claim,
            requester=Requester.END_CUSTOMER,
            user=None,
            photos=photos,
            end_customer={
                "name": record.name,
                "email": record.email,
                "phone": _text(phone, "phone", limit=32),
            },
            token_digest=token_hash(token),
        )
        from django.conf import settings
        from django.urls import reverse

        link = settings.SITE_URL.rstrip("/") + reverse("storefront:rma_public", args=[token])
        rma_email_queue(rma=rma, kind="requested", link=link)
    return rma, token


# --- The after-sales desk ---------------------------------------------------------------------------------


def default_return_address(order: Order) -> str:
    """Where goods go back: the policy's return address, else the store address setting."""
    policy = order_policy(order)
    if policy.returns.return_address:
        return policy.returns.return_address
    from tradepost.invoices.documents import seller_address

    return "\n".join([policy.store.name, *seller_address()])


def rma_approve(*, rma: Rma, actor, return_address: str = "", note: str = "") -> Rma:
    """Staff accept the request: the RMA number stands and the buyer gets where to send the goods."""
    note = _text(note, "note")
    with transaction.atomic():
        rma = _locked(rma)
        before = _need(rma, RmaState.REQUESTED, action="approved")
        address = _text(return_address, "return_address") or default_return_address(rma.order)
        if rma.needs_return and not address:
            raise ValidationFailed("Where should the goods go back?", field="return_address", code="required")
        rma.approved_at = timezone.now()
        rma.return_address = address if rma.needs_return else ""
        rma.save(update_fields=["approved_at", "return_address"])
        message = (
            "Approved: send the goods back with the RMA form."
            if rma.needs_return
            else "Approved: no return needed."
        )
        _event(rma, RmaEvent.Kind.APPROVED, actor, before=before, message=message, note=note)
        rma_email_queue(rma=rma, kind="approved")
    return rma


def rma_reject(*, rma: Rma, actor, reason: str) -> Rma:
    """Staff refuse the request, telling the claimant why."""
    reason = _text(reason, "reason", required=True)
    with transaction.atomic():
        rma = _locked(rma)
        before = _need(rma, RmaState.REQUESTED, action="rejected")
        rma.rejected_at = timezone.now()
        rma.rejection_reason = reason
        rma.save(update_fields=["rejected_at", "rejection_reason"])
        _event(rma, RmaEvent.Kind.REJECTED, actor, before=before, message=f"Not accepted: {reason}")
        rma_email_queue(rma=rma, kind="rejected")
    return rma


def rma_return_shipped(*, rma: Rma, actor, carrier: str, tracking_number: str) -> Rma:
    """The claimant sent the goods back and tells us the parcel's tracking number."""
    carrier = _text(carrier, "carrier", required=True, limit=80)
    tracking_number = (
        _text(tracking_number, "tracking_number", required=True, limit=40).upper().replace(" ", "")
    )
    with transaction.atomic():
        rma = _locked(rma)
        if not rma.needs_return:
            raise Conflict("A lost-parcel claim has nothing to send back.", code="no_return")
        before = _need(rma, RmaState.APPROVED, action="marked as sent back")
        rma.return_carrier, rma.return_tracking_number = carrier, tracking_number
        rma.return_shipped_at = timezone.now()
        rma.save(update_fields=["return_carrier", "return_tracking_number", "return_shipped_at"])
        _event(
            rma,
            RmaEvent.Kind.RETURN_SHIPPED,
            actor,
            before=before,
            message=f"Sent back with {carrier}, tracking {tracking_number}.",
        )
    return rma


def rma_receive(*, rma: Rma, actor, restock: bool, note: str = "") -> Rma:
    """The goods are back at the warehouse. Restocks at most once: the stamp is taken by a conditional
    UPDATE, so a repeated or racing "received" adds nothing to stock."""
    note = _text(note, "note")
    with transaction.atomic():
        rma = _locked(rma)
        if not rma.needs_return:
            raise Conflict("A lost-parcel claim has nothing to receive.", code="no_return")
        before = _need(rma, RmaState.APPROVED, RmaState.RETURN_SHIPPED, action="received")
        now = timezone.now()
        if not Rma.objects.filter(pk=rma.pk, received_at__isnull=True).update(received_at=now):
            raise Conflict(f"{rma.number} was already received.", code="already_received")
        rma.received_at = now
        restocked = False
        if restock and rma.line.product_id is not None:
            restocked = bool(
                Rma.objects.filter(pk=rma.pk, restocked_at__isnull=True).update(restocked_at=now)
            )
            if restocked:
                from tradepost.catalog.freshness import catalog_changed
                from tradepost.catalog.models import Product

                Product.objects.filter(pk=rma.line.product_id).update(stock=F("stock") + rma.quantity)
                catalog_changed()
                rma.restocked_at = now
        message = f"Received {rma.quantity} × {rma.line.mpn}."
        _event(
            rma,
            RmaEvent.Kind.RECEIVED,
            actor,
            before=before,
            message=message,
            note=((f"Restocked {rma.quantity}. " if restocked else "Not restocked. ") + note).strip(),
        )
        rma_email_queue(rma=rma, kind="received")
    return rma


def rma_inspect(*, rma: Rma, actor, condition: str, exclusion: str = "") -> Rma:
    """Staff record the condition of the goods (or, for a lost parcel, what the tracking history shows).

    An exclusion of the warranty (wear and tear, misuse, firmware changes...) rejects a warranty claim at
    once, with the exclusion shown to the claimant.
    """
    condition = _text(condition, "condition", required=True)
    exclusion = _text(exclusion, "exclusion", limit=50)
    with transaction.atomic():
        rma = _locked(rma)
        allowed = (RmaState.RECEIVED,) if rma.needs_return else (RmaState.APPROVED,)
        before = _need(rma, *allowed, action="inspected")
        policy = order_policy(rma.order)
        label = ""
        if exclusion:
            labels = {item.key: item.label for item in policy.warranty.exclusions}
            if exclusion not in labels:
                listed = ", ".join(labels) or "none"
                raise ValidationFailed(
                    f"Not an exclusion of this order's warranty (exclusions: {listed}).",
                    field="exclusion",
                    code="unknown_exclusion",
                )
            if rma.remedy != Remedy.WARRANTY:
                raise ValidationFailed(
                    "Exclusions apply to warranty claims only.", field="exclusion", code="not_warranty"
                )
            label = labels[exclusion]
        now = timezone.now()
        rma.inspected_at, rma.condition, rma.exclusion, rma.exclusion_label = now, condition, exclusion, label
        fields = ["inspected_at", "condition", "exclusion", "exclusion_label"]
        _event(rma, RmaEvent.Kind.INSPECTED, actor, before=before, message=f"Inspected: {condition}")
        if label:
            before = rma.state
            rma.resolved_at, rma.resolution = now, Resolution.REJECT
            rma.resolution_note = f"The warranty does not cover this: {label}."
            fields += ["resolved_at", "resolution", "resolution_note"]
            _event(rma, RmaEvent.Kind.RESOLVED, actor, before=before, message=rma.resolution_note)
            rma_email_queue(rma=rma, kind="resolved")
        rma.save(update_fields=fields)
    return rma


def rma_refund_amount(rma: Rma) -> Decimal:
    """The amount rule of the remedy: the goods' share of what was paid (never original or return
    shipping), capped by what the order still holds."""
    from tradepost.payments.services import refund_owed

    order = rma.order
    goods = goods_refund(
        line_total=rma.line.line_total,
        line_quantity=rma.line.quantity,
        quantity=rma.quantity,
        goods_total=order.goods_total,
        discount_total=order.discount_total,
    )
    return min(goods, refundable(amount_paid=order.amount_paid, owed=refund_owed(order)))


def _follow_up_lines(rma: Rma, resolution: str, replacement_sku: str):
    """What goes back for a replacement (the same product, or another of no higher value) or a repair (the
    buyer's own unit: no stock taken)."""
    from tradepost.catalog.calculations import unit_price_for
    from tradepost.catalog.models import Product, ProductStatus
    from tradepost.checkout.services import FollowUpLine

    line = rma.line
    if resolution == Resolution.REPAIR:
        return [FollowUpLine(source=line, quantity=rma.quantity)]
    sku = (replacement_sku or "").strip()
    if not sku:
        product = (
            Product.objects.select_related("manufacturer", "category").filter(pk=line.product_id).first()
        )
        return [FollowUpLine(source=line, quantity=rma.quantity, product=product)]
    product = (
        Product.objects.select_related("manufacturer", "category")
        .prefetch_related("price_breaks")
        .filter(sku=sku[:64], status=ProductStatus.ACTIVE)
        .first()
    )
    if product is None:
        raise ValidationFailed("No such product on sale.", field="replacement_sku", code="not_found")
    breaks = [(b.min_quantity, b.unit_price) for b in product.price_breaks.all()]
    price = unit_price_for(breaks, rma.quantity) or (breaks[0][1] if breaks else None)
    if price is None or price > line.unit_price:
        raise ValidationFailed(
            f"{product.mpn} is worth more than the part it replaces ({line.unit_price} USD each).",
            field="replacement_sku",
            code="worth_more",
        )
    return [FollowUpLine(source=line, quantity=rma.quantity, product=product)]


def rma_resolve(
    *, rma: Rma, actor, resolution: str, amount=None, note: str = "", replacement_sku: str = ""
) -> Rma:
    """Staff settle an inspected RMA: refund (to the original payment method, due the policy's working days
    after inspection), replacement (same product or same value), repair, or reject.

    A replacement or a repair goes back as a follow-up order with nothing to pay, approved for dispatch on
    the shipping desk (a replacement takes stock). Locks the order row, so concurrent refunds of one order
    never exceed what was captured.
    """
    from tradepost.payments.services import clean_amount, refund_create

    if resolution not in Resolution.values:
        raise ValidationFailed(
            "Choose one of: " + ", ".join(Resolution.values) + ".", field="resolution", code="invalid"
        )
    note = _text(note, "note", required=resolution in (Resolution.REJECT, Resolution.REPLACEMENT))
    with transaction.atomic():
        rma = _locked(rma)
        before = _need(rma, RmaState.INSPECTED, action="resolved")
        order = rma.order = order_lock(rma.order)
        policy = order_policy(order)
        offered = {
            Remedy.WARRANTY: {r.value for r in policy.warranty.remedies},
            Remedy.MONEY_BACK: set(selectors.money_back_resolutions(policy)),
            Remedy.QUALITY_GUARANTEE: {"refund", "replacement"},
            Remedy.RETURNS: {"refund"},
        }[rma.remedy] | {Resolution.REJECT.value}
        if resolution not in offered:
            raise ValidationFailed(
                f"The {rma.get_remedy_display().lower()} offers: {', '.join(sorted(offered))}.",
                field="resolution",
                code="not_offered",
            )
        fields = ["resolved_at", "resolution", "resolution_note"]
        if resolution == Resolution.REFUND:
            due = rma_refund_amount(rma)
            value = due if amount in (None, "") else clean_amount(amount)
            if value > due:
                raise ValidationFailed(
                    f"At most {due} USD: the goods' share of what was paid, without shipping.",
                    field="amount",
                    code="too_much",
                )
            rma.refund = refund_create(
                order=order,
                amount=value,
                reason=f"{rma.number}: {rma.get_remedy_display().lower()}",
                actor=actor,
                due_from=rma.inspected_at,
            )
            fields.append("refund")
        elif resolution in (Resolution.REPLACEMENT, Resolution.REPAIR):
            from tradepost.checkout.services import checkout_place_follow_up

            what = "Replacement" if resolution == Resolution.REPLACEMENT else "Repaired part"
            other_product = (replacement_sku or "").strip() not in ("", rma.line.sku)
            if (
                other_product
                and rma.remedy == Remedy.MONEY_BACK
                and "replacement_same_value" not in {str(r) for r in policy.money_back.remedies}
            ):
                raise ValidationFailed(
                    "This store replaces money-back claims with the same product only.",
                    field="replacement_sku",
                    code="same_product_only",
                )
            rma.follow_up_order = checkout_place_follow_up(
                original=order,
                key=f"rma-{rma.number}",
                lines=_follow_up_lines(rma, resolution, replacement_sku),
                actor=actor,
                reason=f"{what} for {rma.number} (order {order.number}).",
            )
            fields.append("follow_up_order")
        rma.resolved_at, rma.resolution, rma.resolution_note = timezone.now(), resolution, note
        rma.save(update_fields=fields)
        words = rma.get_resolution_display()
        if rma.refund:
            words += f" of {rma.refund.amount} USD, due by {rma.refund.due_at:%Y-%m-%d}"
        if rma.follow_up_order:
            words += f": sent free as order {rma.follow_up_order.number}"
        _event(rma, RmaEvent.Kind.RESOLVED, actor, before=before, message=f"{words}. {note}".strip())
        rma_email_queue(rma=rma, kind="resolved")
    return rma


def rma_refund_sent(*, refund, actor) -> None:
    """Payments sent a refund; if an RMA asked for it, its timeline and claimant hear of it.
    Called inside payments' transaction, with the order locked."""
    rma = Rma.objects.select_related("order").filter(refund_id=refund.pk).first()
    if rma is None:
        return
    _event(
        rma,
        RmaEvent.Kind.REFUND_SENT,
        actor,
        before=rma.state,
        role="staff" if actor else "system",
        message=f"Refund of {refund.amount} USD sent ({refund.get_destination_display()}).",
    )
    rma_email_queue(rma=rma, kind="refund_sent")
