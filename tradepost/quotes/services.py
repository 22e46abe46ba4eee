"""Quote desk state changes: the inquiry cart, the three kinds of inquiry, assignment, notes and messages,
sending, revising and declining quotations, the buyer's decline, expiry notices and production.

Each function is one transaction with its InquiryEvent; emails go out after commit. Accepting a
quotation places an order: that is `checkout.services.checkout_place_quotation`, which calls
`quotation_mark_accepted` here inside its own transaction.
"""

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tradepost.accounts.roles import Desk, user_has_desk
from tradepost.catalog.models import Category, Product, ProductStatus
from tradepost.core.exceptions import Conflict, FieldError, NotFound, ValidationFailed
from tradepost.core.money import round_money
from tradepost.core.uploads import Upload
from tradepost.core.uploads import upload_check as check_upload
from tradepost.policies.schema import QuoteKind, StorePolicy
from tradepost.policies.selectors import policy_active, policy_from_version, store_calendar
from tradepost.quotes.calculations import inquiry_due_at
from tradepost.quotes.emails import quote_email_queue
from tradepost.quotes.models import (
    Attachment,
    Inquiry,
    InquiryCart,
    InquiryCartLine,
    InquiryEvent,
    InquiryKind,
    InquiryLine,
    InquiryStatus,
    Production,
    Quotation,
    QuotationLine,
    QuotationStatus,
)
from tradepost.quotes.specs import spec_clean, template_fields

MAX_TEXT = 2000
MAX_QUANTITY = 10_000_000
MAX_CART_LINES = 200
MAX_QUOTATION_LINES = 200
MAX_PRICE = Decimal("9999999999.9999")
MAX_TOTAL = Decimal("999999999999.99")  # what a 14-digit money column holds
MAX_LEAD_DAYS = 365
# Sanity bound for dates staff type (validity, ship date), not a store promise.
MAX_AHEAD = timedelta(days=366)
# Notice before a quotation lapses; a reminder lead time, not a store promise.
EXPIRY_NOTICE = timedelta(hours=24)

# Drawings and datasheets: extension -> (content types accepted, leading bytes or None for text formats).
ALLOWED_FILES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "zip": ("application/zip", b"PK\x03\x04"),
    "dxf": ("application/dxf", None),
    "step": ("application/step", None),
    "stp": ("application/step", None),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
}
MAX_FILES = 5


def _max_bytes() -> int:
    return getattr(settings, "QUOTES_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)


# --- Input checks --------------------------------------------------------------------------------------


def _text(value, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed("Must be text.", field=field, code="invalid")
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed("This is required.", field=field, code="required")
    if len(value) > limit:
        raise ValidationFailed(f"At most {limit} characters.", field=field, code="too_long")
    if "\x00" in value:
        raise ValidationFailed("Null characters are not allowed.", field=field, code="invalid")
    return value


def _quantity(value, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise ValidationFailed(
            f"A whole number from 1 to {MAX_QUANTITY:,}.", field=field, code="invalid_quantity"
        )
    return value


def _price(value, field: str, *, required: bool = False) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationFailed("This is required.", field=field, code="required")
        return None
    try:
        price = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed("Not an amount.", field=field, code="invalid") from None
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise ValidationFailed("An amount from 0 up, in USD.", field=field, code="invalid")
    if price != price.quantize(Decimal("0.0001")):
        raise ValidationFailed("At most 4 decimal places.", field=field, code="invalid")
    return price


def _quotes_policy(policy: StorePolicy, kind: str):
    quotes = policy.quotes
    if not quotes.enabled or QuoteKind(kind) not in quotes.kinds:
        raise ValidationFailed(
            "This store does not take this kind of inquiry.", code="quotes_disabled", field="kind"
        )
    return quotes


def upload_check(upload: Upload, field: str = "files") -> tuple[str, str]:
    """Refuse a drawing or datasheet of the wrong type or size; returns (clean name, content type)."""
    return check_upload(upload, allowed=ALLOWED_FILES, max_bytes=_max_bytes(), field=field)


def _store_files(inquiry: Inquiry, uploads: list[Upload], actor, now: datetime) -> list[Attachment]:
    """Save checked uploads under MEDIA_ROOT with their rows; call inside `_files_undone_on_failure`."""
    from django.core.files.base import ContentFile

    stored = []
    for upload in uploads:
        name, content_type = upload_check(upload)
        attachment = Attachment(
            inquiry=inquiry,
            name=name,
            content_type=content_type,
            size=len(upload.data),
            uploaded_by=actor,
            created_at=now,
        )
        attachment.file.save(name, ContentFile(upload.data), save=False)
        _saved_files().append((attachment.file.storage, attachment.file.name))
        attachment.save()
        stored.append(attachment)
    return stored


_pending = threading.local()


def _saved_files() -> list:
    return _pending.__dict__.setdefault("files", [])


@contextmanager
def _files_undone_on_failure():
    """Files saved inside the block are deleted again when it fails, so a refused request leaves none."""
    _pending.files = []
    try:
        yield
    except BaseException:
        for storage, name in _pending.files:
            storage.delete(name)
        raise
    finally:
        _pending.files = []


def _checked_uploads(uploads) -> list[Upload]:
    uploads = list(uploads or [])
    if len(uploads) > MAX_FILES:
        raise ValidationFailed(f"At most {MAX_FILES} files.", field="files", code="too_many_files")
    for upload in uploads:
        upload_check(upload)
    return uploads


# --- Events ------------------------------------------------------------------------------------------------


def _role(inquiry: Inquiry, actor) -> str:
    if actor is None:
        return "system"
    return "buyer" if actor.pk == inquiry.user_id else "staff"


def _event(inquiry, kind, *, actor=None, message="", buyer_visible=True, data=None, at=None) -> InquiryEvent:
    return InquiryEvent.objects.create(
        inquiry=inquiry,
        kind=kind,
        actor=actor,
        actor_role=_role(inquiry, actor),
        message=message,
        buyer_visible=buyer_visible,
        data=data or {},
        created_at=at or timezone.now(),
    )


def _lock(inquiry: Inquiry) -> Inquiry:
    """Re-read the inquiry under a row lock (SELECT ... FOR UPDATE)."""
    try:
        return (
            Inquiry.objects.select_for_update(of=("self",))
            .select_related("policy_version", "user")
            .get(pk=inquiry.pk)
        )
    except Inquiry.DoesNotExist:
        raise NotFound("No such inquiry.", code="inquiry_not_found") from None


# --- The inquiry cart ----------------------------------------------------------------------------------


def inquiry_cart_for(*, user, create: bool = False) -> InquiryCart | None:
    cart = InquiryCart.objects.filter(user=user).first()
    if cart is None and create:
        try:
            with transaction.atomic():
                cart = InquiryCart.objects.create(user=user)
        except IntegrityError:  # a parallel request created it first
            cart = InquiryCart.objects.get(user=user)
    return cart


def _product_for_inquiry(sku) -> Product:
    product = None
    if isinstance(sku, str) and sku and "\x00" not in sku:
        product = Product.objects.filter(sku=sku).exclude(status=ProductStatus.NOT_FOR_SALE).first()
    if product is None:
        raise NotFound(f"No product with SKU {str(sku)[:64]!r}.", code="product_not_found", field="sku")
    return product


@transaction.atomic
def inquiry_cart_line_set(
    *, user, sku: str, quantity: int, target_price=None, add: bool = False
) -> InquiryCartLine:
    """Put a catalog part in the inquiry cart (or set its quantity); with `add`, add to what is there.

    Locks the cart row; safe from parallel requests.
    """
    _quotes_policy(policy_active().policy, QuoteKind.INQUIRY_CART)
    product = _product_for_inquiry(sku)
    quantity = _quantity(quantity)
    target = _price(target_price, "target_price")
    cart = inquiry_cart_for(user=user, create=True)
    InquiryCart.objects.select_for_update().filter(pk=cart.pk).first()
    line = InquiryCartLine.objects.filter(cart=cart, product=product).first()
    if line is None:
        if InquiryCartLine.objects.filter(cart=cart).count() >= MAX_CART_LINES:
            raise ValidationFailed(
                f"An inquiry takes at most {MAX_CART_LINES} parts.", field="sku", code="too_many_lines"
            )
        line = InquiryCartLine(cart=cart, product=product, quantity=0)
    line.quantity = min(line.quantity + quantity, MAX_QUANTITY) if add else quantity
    if target is not None or not add:
        line.target_price = target
    line.save()
    cart.save(update_fields=["updated_at"])
    return line


@transaction.atomic
def inquiry_cart_line_remove(*, user, sku: str) -> None:
    cart = inquiry_cart_for(user=user)
    deleted = 0
    if cart is not None and isinstance(sku, str):
        deleted, _ = InquiryCartLine.objects.filter(cart=cart, product__sku=sku).delete()
    if not deleted:
        raise NotFound("That part is not in your inquiry cart.", code="line_not_found", field="sku")


def _new_inquiry(*, user, kind: str, notes: str, **fields) -> Inquiry:
    active = policy_active()
    quotes = _quotes_policy(active.policy, kind)
    now = timezone.now()
    due = inquiry_due_at(
        received_at=now,
        hours=quotes.sla_hours,
        clock=quotes.sla_clock,
        calendar=store_calendar(active.policy),
    )
    inquiry = Inquiry.objects.create(
        user=user,
        kind=kind,
        policy_version_id=active.version_id,
        received_at=now,
        due_at=due,
        notes=notes,
        **fields,
    )
    return inquiry


def _received(inquiry: Inquiry, user, attachments: int) -> Inquiry:
    _event(
        inquiry,
        InquiryEvent.Kind.RECEIVED,
        actor=user,
        message=f"Inquiry received; a quotation is due by {inquiry.due_at:%Y-%m-%d %H:%M} UTC.",
        data={"due_at": inquiry.due_at.isoformat(), "attachments": attachments},
        at=inquiry.received_at,
    )
    quote_email_queue(inquiry=inquiry, kind="received")
    return inquiry


def inquiry_cart_submit(*, user, notes: str = "") -> Inquiry:
    """Send the whole inquiry cart as one inquiry and empty the cart; the due time starts now."""
    notes = _text(notes, "notes")
    with transaction.atomic():
        cart = inquiry_cart_for(user=user)
        if cart is not None:
            InquiryCart.objects.select_for_update().filter(pk=cart.pk).first()
        lines = list(
            InquiryCartLine.objects.filter(cart=cart).select_related("product__manufacturer")
            if cart is not None
            else []
        )
        if not lines:
            raise ValidationFailed("Your inquiry cart is empty.", field="cart", code="cart_empty")
        inquiry = _new_inquiry(user=user, kind=InquiryKind.INQUIRY_CART, notes=notes)
        InquiryLine.objects.bulk_create(
            InquiryLine(
                inquiry=inquiry,
                product=line.product,
                sku=line.product.sku,
                mpn=line.product.mpn,
                manufacturer=line.product.manufacturer.name,
                title=line.product.title,
                quantity=line.quantity,
                target_price=line.target_price,
            )
            for line in lines
        )
        InquiryCartLine.objects.filter(cart=cart).delete()
        return _received(inquiry, user, 0)


def inquiry_unlisted_create(
    *,
    user,
    part_number: str,
    manufacturer: str = "",
    quantity: int,
    target_price=None,
    notes: str = "",
    files: list[Upload] | None = None,
) -> Inquiry:
    """Ask a price for a part the catalog does not list, with datasheets or photos attached."""
    errors: list[FieldError] = []
    cleaned = {}
    for name, check in (
        ("part_number", lambda: _text(part_number, "part_number", required=True, limit=80)),
        ("manufacturer", lambda: _text(manufacturer, "manufacturer", limit=120)),
        ("quantity", lambda: _quantity(quantity)),
        ("target_price", lambda: _price(target_price, "target_price")),
        ("notes", lambda: _text(notes, "notes")),
    ):
        try:
            cleaned[name] = check()
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    uploads = []
    try:
        uploads = _checked_uploads(files)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if errors:
        raise ValidationFailed("Some fields need attention.", errors=errors)
    with _files_undone_on_failure(), transaction.atomic():
        inquiry = _new_inquiry(user=user, kind=InquiryKind.UNLISTED_PART, **cleaned)
        _store_files(inquiry, uploads, user, inquiry.received_at)
        return _received(inquiry, user, len(uploads))


def customizable_types() -> list[tuple[Category, list]]:
    """Product types that take customization requests and have a spec form, with its parsed fields."""
    rows = []
    for category in (
        Category.objects.filter(customizable=True, spec_template__isnull=False)
        .select_related("spec_template")
        .order_by("name")
    ):
        try:
            rows.append((category, template_fields(category.spec_template.fields)))
        except ValueError:
            continue  # a broken template is refused in the admin; never offered to buyers
    return rows


def customizable_type(slug) -> tuple[Category, list]:
    for category, fields in customizable_types():
        if category.slug == slug:
            return category, fields
    raise NotFound(
        "No customizable product type with that name.", code="type_not_found", field="product_type"
    )


def inquiry_customized_create(
    *,
    user,
    product_type: str,
    spec: dict,
    quantity: int,
    target_price=None,
    notes: str = "",
    files: list[Upload] | None = None,
) -> Inquiry:
    """Ask for customized goods of a product type, with its spec form filled and drawings attached."""
    category, fields = customizable_type(product_type)
    cleaned_spec, errors = spec_clean(fields, spec)
    cleaned = {}
    for name, check in (
        ("quantity", lambda: _quantity(quantity)),
        ("target_price", lambda: _price(target_price, "target_price")),
        ("notes", lambda: _text(notes, "notes")),
    ):
        try:
            cleaned[name] = check()
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    uploads = []
    try:
        uploads = _checked_uploads(files)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if errors:
        raise ValidationFailed("Some fields need attention.", errors=errors)
    with _files_undone_on_failure(), transaction.atomic():
        inquiry = _new_inquiry(
            user=user, kind=InquiryKind.CUSTOMIZED, category=category, spec=cleaned_spec, **cleaned
        )
        _store_files(inquiry, uploads, user, inquiry.received_at)
        return _received(inquiry, user, len(uploads))


def inquiry_attach(*, inquiry: Inquiry, user, files: list[Upload]) -> list[Attachment]:
    """The buyer (or sales staff) adds drawings to an open inquiry."""
    uploads = _checked_uploads(files)
    if not uploads:
        raise ValidationFailed("Choose a file.", field="files", code="required")
    with _files_undone_on_failure(), transaction.atomic():
        inquiry = _lock(inquiry)
        if not inquiry.is_open:
            raise Conflict("This inquiry is closed.", code="inquiry_closed")
        if inquiry.attachments.count() + len(uploads) > MAX_FILES * 4:
            raise ValidationFailed("This inquiry has enough files.", field="files", code="too_many_files")
        now = timezone.now()
        stored = _store_files(inquiry, uploads, user, now)
        _event(
            inquiry,
            InquiryEvent.Kind.ATTACHMENT,
            actor=user,
            message=", ".join(a.name for a in stored),
            at=now,
        )
        return stored


# --- The desk ----------------------------------------------------------------------------------------------


def _staff(actor, field: str = "actor"):
    if actor is None or not user_has_desk(actor, Desk.SALES):
        raise ValidationFailed("Only the sales desk can do this.", field=field, code="not_sales_staff")
    return actor


@transaction.atomic
def inquiry_assign(*, inquiry: Inquiry, actor, assignee) -> Inquiry:
    """Give the inquiry to a sales desk member (None: unassign)."""
    inquiry = _lock(inquiry)
    if assignee is not None:
        _staff(assignee, "assignee")
    if inquiry.assigned_to_id == (assignee.pk if assignee else None):
        return inquiry
    inquiry.assigned_to = assignee
    inquiry.save(update_fields=["assigned_to", "updated_at"])
    _event(
        inquiry,
        InquiryEvent.Kind.ASSIGNED,
        actor=actor,
        message=f"Assigned to {assignee.email}." if assignee else "Unassigned.",
        buyer_visible=False,
        data={"assignee": assignee.pk if assignee else None},
    )
    return inquiry


@transaction.atomic
def inquiry_note_add(*, inquiry: Inquiry, actor, note: str) -> InquiryEvent:
    """An internal note: staff only."""
    note = _text(note, "note", required=True)
    return _event(_lock(inquiry), InquiryEvent.Kind.NOTE, actor=actor, message=note, buyer_visible=False)


@transaction.atomic
def inquiry_message_add(*, inquiry: Inquiry, actor, message: str) -> InquiryEvent:
    """A message on the inquiry: from staff it is emailed to the buyer; the buyer can answer."""
    message = _text(message, "message", required=True)
    inquiry = _lock(inquiry)
    event = _event(inquiry, InquiryEvent.Kind.MESSAGE, actor=actor, message=message)
    if event.actor_role == "staff":
        quote_email_queue(inquiry=inquiry, kind="message", message=message)
    return event


@dataclass(frozen=True)
class LineInput:
    """One quotation line as staff compose it: a catalog SKU, or a free-text part (mpn + title)."""

    quantity: int
    unit_price: Decimal | str
    sku: str = ""
    mpn: str = ""
    manufacturer: str = ""
    title: str = ""
    lead_time_days: int = 0
    weight_grams: int = 0
    notes: str = ""


def _end_of_day(policy: StorePolicy, day: date) -> datetime:
    """The last instant of a date in the store's timezone, as UTC."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(policy.store.timezone)
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return midnight - timedelta(microseconds=1)


def _collect(errors: list[FieldError], prefix: str, name: str, check, *args, **kwargs):
    """Run one field check; its errors are collected under `<prefix>.<name>` and None is returned."""
    try:
        return check(*args, **kwargs)
    except ValidationFailed as exc:
        errors.extend(FieldError(f"{prefix}.{name}", e.message, e.code) for e in exc.errors)
        return None


def _quotation_lines(
    inquiry: Inquiry, lines: list[LineInput]
) -> tuple[list[QuotationLine], list[FieldError]]:
    errors: list[FieldError] = []
    if not lines:
        return [], [FieldError("lines", "Add at least one line.", "required")]
    if len(lines) > MAX_QUOTATION_LINES:
        return [], [FieldError("lines", f"At most {MAX_QUOTATION_LINES} lines.", "too_many_lines")]
    skus = {line.sku for line in lines if isinstance(line.sku, str) and line.sku and "\x00" not in line.sku}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus).select_related("manufacturer")}
    built = []
    for n, line in enumerate(lines):
        prefix = f"lines[{n}]"
        quantity = _collect(errors, prefix, "quantity", _quantity, line.quantity)
        price = _collect(errors, prefix, "unit_price", _price, line.unit_price, "unit_price", required=True)
        notes = _collect(errors, prefix, "notes", _text, line.notes, "notes", limit=500)
        lead = line.lead_time_days
        if isinstance(lead, bool) or not isinstance(lead, int) or not 0 <= lead <= MAX_LEAD_DAYS:
            errors.append(FieldError(f"{prefix}.lead_time_days", f"0 to {MAX_LEAD_DAYS} days.", "invalid"))
        weight = line.weight_grams
        if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 10_000_000:
            errors.append(FieldError(f"{prefix}.weight_grams", "Grams per unit, 0 or more.", "invalid"))
        sku = (line.sku or "").strip() if isinstance(line.sku, str) else ""
        product = None
        if sku:
            product = products.get(sku)
            if product is None:
                errors.append(
                    FieldError(f"{prefix}.sku", f"No product with SKU {sku[:64]!r}.", "product_not_found")
                )
                continue
            mpn, manufacturer, title = product.mpn, product.manufacturer.name, product.title
            weight = weight or product.weight_grams
        else:
            mpn = _collect(errors, prefix, "mpn", _text, line.mpn, "mpn", required=True, limit=80)
            manufacturer = _collect(errors, prefix, "manufacturer", _text, line.manufacturer, "m", limit=150)
            title = _collect(errors, prefix, "title", _text, line.title, "title", required=True, limit=255)
            if inquiry.kind == InquiryKind.CUSTOMIZED:
                sku = f"CUSTOM-{inquiry.number}-{n + 1}"
            else:
                sku = f"QUOTED-{inquiry.number}-{n + 1}"
        if errors:
            continue
        if round_money(price * quantity) > MAX_TOTAL:
            errors.append(FieldError(f"{prefix}.quantity", "This line's total is too large.", "too_large"))
            continue
        built.append(
            QuotationLine(
                product=product,
                sku=sku,
                mpn=mpn,
                manufacturer=manufacturer,
                title=title,
                quantity=quantity,
                unit_price=price,
                line_total=round_money(price * quantity),
                lead_time_days=lead,
                weight_grams=weight,
                notes=notes,
            )
        )
    return built, errors


def quotation_send(
    *,
    inquiry: Inquiry,
    actor,
    lines: list[LineInput],
    valid_until: date | None = None,
    promised_ship_date: date | None = None,
    notes: str = "",
) -> Quotation:
    """Send a quotation, or a revision: the live one before it is superseded. Emails the buyer a link.

    Valid until the end of `valid_until` in the store's timezone, by default the policy's validity days
    from now. Customized goods need a promised ship date. Locks the inquiry row.
    """
    now = timezone.now()
    with transaction.atomic():
        inquiry = _lock(inquiry)
        if not inquiry.is_open:
            raise Conflict(
                f"This inquiry is {inquiry.get_status_display().lower()}; nothing can be quoted.",
                code="inquiry_closed",
            )
        policy = policy_from_version(inquiry.policy_version)
        built, errors = _quotation_lines(inquiry, lines)
        try:
            notes = _text(notes, "notes")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        today = now.astimezone(_zone(policy)).date()
        if valid_until is None:
            valid_until_at = now + timedelta(days=policy.quotes.quotation_validity_days)
        elif not isinstance(valid_until, date) or not today <= valid_until <= today + MAX_AHEAD:
            errors.append(FieldError("valid_until", "A date from today to a year ahead.", "invalid"))
            valid_until_at = now
        else:
            valid_until_at = _end_of_day(policy, valid_until)
        if inquiry.kind == InquiryKind.CUSTOMIZED:
            if promised_ship_date is None:
                errors.append(
                    FieldError("promised_ship_date", "Customized goods need a ship date.", "required")
                )
            elif (
                not isinstance(promised_ship_date, date)
                or not today <= promised_ship_date <= today + MAX_AHEAD
            ):
                errors.append(
                    FieldError("promised_ship_date", "A date from today to a year ahead.", "invalid")
                )
        elif promised_ship_date is not None:
            errors.append(
                FieldError(
                    "promised_ship_date", "Only customized goods have a promised ship date.", "invalid"
                )
            )
        if not errors and sum(line.line_total for line in built) > MAX_TOTAL:
            errors.append(FieldError("lines", "The quotation's total is too large.", "too_large"))
        if errors:
            raise ValidationFailed("The quotation is not complete.", errors=errors)
        previous = inquiry.quotations.filter(status=QuotationStatus.SENT).first()
        if previous is not None:
            previous.status = QuotationStatus.SUPERSEDED
            previous.decided_at = now
            previous.save(update_fields=["status", "decided_at"])
        version = (inquiry.quotations.order_by("-version").values_list("version", flat=True).first() or 0) + 1
        quotation = Quotation.objects.create(
            inquiry=inquiry,
            version=version,
            valid_until=valid_until_at,
            promised_ship_date=promised_ship_date,
            notes=notes,
            goods_total=sum((line.line_total for line in built), Decimal("0.00")),
            created_by=actor,
            sent_at=now,
        )
        for line in built:
            line.quotation = quotation
        QuotationLine.objects.bulk_create(built)
        inquiry.status = InquiryStatus.QUOTED
        fields = ["status", "updated_at"]
        if inquiry.first_quoted_at is None:
            inquiry.first_quoted_at = now
            fields.append("first_quoted_at")
        inquiry.save(update_fields=fields)
        _event(
            inquiry,
            InquiryEvent.Kind.REVISED if previous else InquiryEvent.Kind.QUOTED,
            actor=actor,
            message=(
                f"Quotation v{version} sent: {quotation.goods_total} USD, valid until "
                f"{valid_until_at:%Y-%m-%d %H:%M} UTC."
                + (f" It replaces v{previous.version}." if previous else "")
            ),
            data={"quotation": quotation.pk, "version": version, "total": str(quotation.goods_total)},
            at=now,
        )
        quote_email_queue(inquiry=inquiry, kind="quotation_ready", quotation=quotation)
    return quotation


def _zone(policy: StorePolicy):
    from zoneinfo import ZoneInfo

    return ZoneInfo(policy.store.timezone)


@transaction.atomic
def inquiry_decline(*, inquiry: Inquiry, actor, reason: str) -> Inquiry:
    """The store cannot quote: the inquiry closes with a reason told to the buyer; a live quotation is
    withdrawn."""
    reason = _text(reason, "reason", required=True)
    inquiry = _lock(inquiry)
    if not inquiry.is_open:
        raise Conflict(
            f"This inquiry is already {inquiry.get_status_display().lower()}.", code="inquiry_closed"
        )
    now = timezone.now()
    inquiry.quotations.filter(status=QuotationStatus.SENT).update(
        status=QuotationStatus.WITHDRAWN, decided_at=now
    )
    inquiry.status = InquiryStatus.DECLINED
    inquiry.decline_reason = reason
    inquiry.closed_at = now
    inquiry.save(update_fields=["status", "decline_reason", "closed_at", "updated_at"])
    _event(inquiry, InquiryEvent.Kind.DECLINED, actor=actor, message=reason, at=now)
    quote_email_queue(inquiry=inquiry, kind="declined", message=reason)
    return inquiry


def _lock_quotation(quotation: Quotation) -> Quotation:
    try:
        return Quotation.objects.select_for_update(of=("self",)).get(pk=quotation.pk)
    except Quotation.DoesNotExist:
        raise NotFound("No such quotation.", code="quotation_not_found") from None


def quotation_check_orderable(quotation: Quotation, *, user, now: datetime) -> None:
    """Refuse a quotation that is not the buyer's, not live (superseded, declined, accepted) or expired."""
    if user is None or quotation.inquiry.user_id != user.pk:
        raise NotFound("No such quotation.", code="quotation_not_found")
    if quotation.status == QuotationStatus.SUPERSEDED:
        raise Conflict(
            "A newer version replaced this quotation; order from that one.", code="quotation_superseded"
        )
    if quotation.status != QuotationStatus.SENT:
        raise Conflict(
            f"This quotation is {quotation.get_status_display().lower()}.", code="quotation_not_open"
        )
    if quotation.is_expired(now):
        raise Conflict(
            f"This quotation expired on {quotation.valid_until:%Y-%m-%d %H:%M} UTC; ask us for a new one.",
            code="quotation_expired",
        )


def quotation_mark_accepted(*, quotation: Quotation, order, actor, now: datetime) -> Quotation:
    """Inside the order-placing transaction (the quotation row locked): the quotation and its inquiry
    record the order; customized goods start their production record."""
    quotation.status = QuotationStatus.ACCEPTED
    quotation.decided_at = now
    quotation.order = order
    quotation.save(update_fields=["status", "decided_at", "order"])
    inquiry = quotation.inquiry
    inquiry.status = InquiryStatus.ORDERED
    inquiry.closed_at = now
    inquiry.save(update_fields=["status", "closed_at", "updated_at"])
    if inquiry.kind == InquiryKind.CUSTOMIZED:
        Production.objects.create(
            order=order, quotation=quotation, promised_ship_date=quotation.promised_ship_date, created_at=now
        )
    _event(
        inquiry,
        InquiryEvent.Kind.ACCEPTED,
        actor=actor,
        message=f"Quotation v{quotation.version} accepted: order {order.number}.",
        data={"quotation": quotation.pk, "order": order.number},
        at=now,
    )
    return quotation


@transaction.atomic
def quotation_decline(*, quotation: Quotation, user, reason: str = "") -> Quotation:
    """The buyer declines the live quotation; the inquiry closes."""
    reason = _text(reason, "reason")
    quotation = _lock_quotation(quotation)
    inquiry = _lock(quotation.inquiry)
    quotation.inquiry = inquiry
    now = timezone.now()
    quotation_check_orderable(quotation, user=user, now=now)
    quotation.status = QuotationStatus.DECLINED
    quotation.decided_at = now
    quotation.decline_reason = reason
    quotation.save(update_fields=["status", "decided_at", "decline_reason"])
    inquiry.status = InquiryStatus.CLOSED
    inquiry.closed_at = now
    inquiry.save(update_fields=["status", "closed_at", "updated_at"])
    _event(
        inquiry,
        InquiryEvent.Kind.QUOTATION_DECLINED,
        actor=user,
        message=reason or f"Quotation v{quotation.version} declined.",
        at=now,
    )
    return quotation


def quotations_notify_expiring(*, now: datetime | None = None, limit: int = 500) -> int:
    """Email buyers whose live quotation lapses within the notice period; each quotation once.

    The conditional UPDATE (notice not yet sent) makes a rerun or a parallel run send nothing twice.
    """
    now = now or timezone.now()
    candidates = list(
        Quotation.objects.filter(
            status=QuotationStatus.SENT,
            expiry_notice_sent_at__isnull=True,
            valid_until__gt=now,
            valid_until__lte=now + EXPIRY_NOTICE,
        )
        .select_related("inquiry")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in candidates:
        with transaction.atomic():
            claimed = Quotation.objects.filter(
                pk=pk, status=QuotationStatus.SENT, expiry_notice_sent_at__isnull=True
            ).update(expiry_notice_sent_at=now)
            if not claimed:
                continue
            quotation = Quotation.objects.select_related("inquiry").get(pk=pk)
            _event(
                quotation.inquiry,
                InquiryEvent.Kind.REMINDED,
                message=f"Reminder: quotation v{quotation.version} expires on "
                f"{quotation.valid_until:%Y-%m-%d %H:%M} UTC.",
                buyer_visible=False,
                at=now,
            )
            quote_email_queue(inquiry=quotation.inquiry, kind="quotation_expiring", quotation=quotation)
            sent += 1
    return sent


# --- Production of customized goods ------------------------------------------------------------------


@transaction.atomic
def production_mark_ready(*, production: Production, actor) -> Production:
    """The customized goods are made and can be shipped; only after payment, once."""
    from tradepost.orders.events import order_event_record
    from tradepost.orders.models import OrderEvent

    try:
        production = (
            Production.objects.select_for_update(of=("self",)).select_related("order").get(pk=production.pk)
        )
    except Production.DoesNotExist:
        raise NotFound("No such production.", code="production_not_found") from None
    state = production.state
    if state == "ready":
        return production
    if state != "in_production":
        raise Conflict(
            f"Production is {production.state_label.lower()}; it cannot be marked ready.",
            code="invalid_state",
        )
    now = timezone.now()
    production.ready_at = now
    production.ready_by = actor
    production.save(update_fields=["ready_at", "ready_by"])
    order_event_record(
        order=production.order,
        kind=OrderEvent.Kind.CHANGED,
        actor=actor,
        message="Your customized goods are made and ready to ship.",
        data={"production": "ready"},
        at=now,
    )
    return production
