"""Quotes API: the inquiry cart, inquiries of each kind with files, quotations (preview, accept into an
order, decline), the sales desk (queue, assignment, notes, messages, quotations, SLA figures) and the
production of customized goods for the dispatch desk."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.utils import timezone
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tradepost.accounts.models import User
from tradepost.accounts.roles import Desk
from tradepost.api.auth import member, require_desk
from tradepost.api.cart import path_text
from tradepost.api.orders import (
    OrderOut,
    ShippingOptionOut,
    TotalsOut,
    buyer_order_out,
    preview_out,
)
from tradepost.api.schemas import In, page_of
from tradepost.checkout.services import MAX_REMARK, checkout_place_quotation, checkout_quotation_preview
from tradepost.core.exceptions import ValidationFailed
from tradepost.quotes import selectors, services
from tradepost.quotes.models import QuotationStatus
from tradepost.quotes.services import MAX_FILES, MAX_QUANTITY, MAX_TEXT, LineInput, Upload
from tradepost.storefront.views.quotes import attachment_response

router = Router(tags=["quotes"])

MAX_PER_PAGE = 100
PRICE = {"ge": 0, "max_digits": 14, "decimal_places": 4}


# --- Output -----------------------------------------------------------------------------------------------


class InquiryCartLineOut(Schema):
    sku: str
    mpn: str
    manufacturer: str
    title: str
    quantity: int
    target_price: Decimal | None


class InquiryCartOut(Schema):
    lines: list[InquiryCartLineOut]


class InquiryLineOut(Schema):
    sku: str
    mpn: str
    manufacturer: str
    title: str
    quantity: int
    target_price: Decimal | None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    created_at: datetime
    url: str = Field(description="Download link; only the owner and the sales desk can use it.")


class QuotationLineOut(Schema):
    sku: str
    mpn: str
    manufacturer: str
    title: str
    catalog: bool = Field(description="A catalog product (false: an unlisted or customized part).")
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    lead_time_days: int
    notes: str


class QuotationOut(Schema):
    id: int
    version: int
    status: str = Field(description="sent, accepted, declined, superseded, withdrawn, or expired (derived).")
    status_label: str
    goods_total: Decimal
    valid_until: datetime
    promised_ship_date: date | None
    notes: str
    sent_at: datetime
    decided_at: datetime | None
    decline_reason: str
    order_number: str | None
    can_accept: bool
    lines: list[QuotationLineOut]


class EventOut(Schema):
    at: datetime
    kind: str
    message: str
    actor_role: str


class StaffEventOut(EventOut):
    actor: str | None
    buyer_visible: bool


class InquiryProductionOut(Schema):
    order_number: str
    state: str = Field(description="awaiting_payment, in_production, ready, shipped or cancelled")
    state_label: str
    promised_ship_date: date
    ready_at: datetime | None


class InquirySummaryOut(Schema):
    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    received_at: datetime
    due_at: datetime = Field(description="A quotation is promised by this time (the store policy's SLA).")
    overdue: bool = Field(description="Not quoted and past its due time (derived from due_at).")
    first_quoted_at: datetime | None


class InquiryOut(InquirySummaryOut):
    closed_at: datetime | None
    decline_reason: str
    part_number: str
    manufacturer: str
    quantity: int | None
    target_price: Decimal | None
    product_type: str | None
    spec: dict[str, str]
    notes: str
    lines: list[InquiryLineOut]
    attachments: list[AttachmentOut]
    quotations: list[QuotationOut] = Field(description="Newest version first.")
    production: InquiryProductionOut | None = Field(description="Customized goods once ordered.")
    timeline: list[EventOut]


class BuyerOut(Schema):
    id: int
    email: str
    full_name: str
    company: str


class StaffInquiryOut(InquiryOut):
    buyer: BuyerOut
    assigned_to: str | None
    timeline: list[StaffEventOut]


class InquiryPageOut(Schema):
    items: list[InquirySummaryOut]
    page: int
    per_page: int
    total: int


class QueueItemOut(InquirySummaryOut):
    clock: str = Field(description="overdue, nearly_due, on_time or quoted")
    buyer_email: str
    assigned_to: str | None


class QueuePageOut(Schema):
    items: list[QueueItemOut]
    page: int
    per_page: int
    total: int


class SpecFieldOut(Schema):
    key: str
    label: str
    kind: str
    required: bool
    unit: str
    min: Decimal | None
    max: Decimal | None
    choices: list[str]
    max_length: int
    help: str


class ProductTypeOut(Schema):
    slug: str
    name: str
    fields: list[SpecFieldOut]


class FieldErrorOut(Schema):
    field: str
    message: str
    code: str


class PaymentMethodOut(Schema):
    code: str
    label: str


class QuotationPreviewOut(Schema):
    ready: bool
    quotation: QuotationOut
    shipping_options: list[ShippingOptionOut]
    shipping_method: str | None
    payment_methods: list[PaymentMethodOut]
    totals: TotalsOut
    errors: list[FieldErrorOut]
    policy_version: int


class WeekOut(Schema):
    week: date = Field(description="Monday of the week the inquiries arrived (UTC).")
    received: int
    decided: int = Field(description="Quoted, or past due without a quotation.")
    within_sla: int
    share_within_sla: float | None


class SlaMetricsOut(Schema):
    weeks: list[WeekOut]
    median_hours_to_quote: float | None
    overdue_now: int
    open_now: int
    since: datetime


class ProductionOut(Schema):
    order_number: str
    inquiry_number: str
    buyer_email: str
    state: str = Field(description="awaiting_payment, in_production, ready, shipped or cancelled")
    promised_ship_date: date
    late: bool = Field(description="Not shipped and the promised date (store time) has passed.")
    ready_at: datetime | None


# --- Input ------------------------------------------------------------------------------------------------


class CartLineIn(In):
    sku: str = Field(max_length=64)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    target_price: Decimal | None = Field(None, **PRICE, description="Unit price you hope for, USD.")
    add: bool = Field(False, description="Add to the quantity already in the inquiry cart.")


class SubmitIn(In):
    notes: str = Field("", max_length=MAX_TEXT)


class UnlistedIn(In):
    part_number: str = Field(max_length=80)
    manufacturer: str = Field("", max_length=120)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    target_price: Decimal | None = Field(None, **PRICE)
    notes: str = Field("", max_length=MAX_TEXT)


class CustomizedIn(In):
    product_type: str = Field(max_length=140, description="A slug from GET /customization/types.")
    spec: dict[str, str | int | None] = Field(description="The type's spec form: field key -> value.")
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    target_price: Decimal | None = Field(None, **PRICE)
    notes: str = Field("", max_length=MAX_TEXT)


class MessageIn(In):
    message: str = Field(max_length=MAX_TEXT)


class NoteIn(In):
    note: str = Field(max_length=MAX_TEXT)


class ReasonIn(In):
    reason: str = Field("", max_length=MAX_TEXT)


class AssignIn(In):
    assignee: str | None = Field(
        None, max_length=254, description="A sales desk member's email; null unassigns."
    )


class QuotationPreviewIn(In):
    address_id: int | None = Field(None, ge=1, le=2**31 - 1)
    shipping_method: str | None = Field(None, max_length=40)
    payment_method: str | None = Field(None, max_length=40)


class AcceptIn(QuotationPreviewIn):
    remark: str = Field("", max_length=MAX_REMARK)
    commercial_invoice: bool = False
    expected_total: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class QuotationLineIn(In):
    sku: str = Field("", max_length=64, description="A catalog SKU; empty for a free-text part.")
    mpn: str = Field("", max_length=80, description="Free-text part: its part number.")
    manufacturer: str = Field("", max_length=150)
    title: str = Field("", max_length=255, description="Free-text part: what it is.")
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    unit_price: Decimal = Field(**PRICE)
    lead_time_days: int = Field(0, ge=0, le=services.MAX_LEAD_DAYS)
    weight_grams: int = Field(0, ge=0, le=10_000_000, description="Per unit, for shipping rates.")
    notes: str = Field("", max_length=500)


class QuotationIn(In):
    lines: list[QuotationLineIn] = Field(min_length=1, max_length=services.MAX_QUOTATION_LINES)
    valid_until: date | None = Field(None, description="Last day (store time); default: the policy's days.")
    promised_ship_date: date | None = Field(None, description="Customized goods: the date they ship by.")
    notes: str = Field("", max_length=MAX_TEXT)


# --- Rendering --------------------------------------------------------------------------------------------


def render_quotation(quotation, now) -> dict:
    state = quotation.display_state(now)
    return {
        "id": quotation.pk,
        "version": quotation.version,
        "status": state,
        "status_label": "Expired" if state == "expired" else quotation.get_status_display(),
        "goods_total": quotation.goods_total,
        "valid_until": quotation.valid_until,
        "promised_ship_date": quotation.promised_ship_date,
        "notes": quotation.notes,
        "sent_at": quotation.sent_at,
        "decided_at": quotation.decided_at,
        "decline_reason": quotation.decline_reason,
        "order_number": quotation.order.number if quotation.order_id else None,
        "can_accept": state == QuotationStatus.SENT,
        "lines": [
            {
                "sku": line.sku,
                "mpn": line.mpn,
                "manufacturer": line.manufacturer,
                "title": line.title,
                "catalog": line.product_id is not None,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
                "lead_time_days": line.lead_time_days,
                "notes": line.notes,
            }
            for line in quotation.lines.all()
        ],
    }


def render_summary(inquiry, now) -> dict:
    return {
        "number": inquiry.number,
        "kind": inquiry.kind,
        "kind_label": inquiry.get_kind_display(),
        "status": inquiry.status,
        "status_label": inquiry.get_status_display(),
        "received_at": inquiry.received_at,
        "due_at": inquiry.due_at,
        "overdue": inquiry.first_quoted_at is None and inquiry.is_open and inquiry.due_at < now,
        "first_quoted_at": inquiry.first_quoted_at,
    }


def _production(inquiry) -> dict | None:
    ordered = next((q for q in inquiry.quotations.all() if q.order_id), None)
    production = selectors.production_for_quotation(ordered) if ordered is not None else None
    if production is None:
        return None
    return {
        "order_number": ordered.order.number,
        "state": production.state,
        "state_label": production.state_label,
        "promised_ship_date": production.promised_ship_date,
        "ready_at": production.ready_at,
    }


def render_inquiry(inquiry, *, staff: bool = False) -> dict:
    now = timezone.now()
    prefix = "/api/v1/desk/quotes/files/" if staff else "/api/v1/inquiry-files/"
    data = {
        **render_summary(inquiry, now),
        "closed_at": inquiry.closed_at,
        "decline_reason": inquiry.decline_reason,
        "part_number": inquiry.part_number,
        "manufacturer": inquiry.manufacturer,
        "quantity": inquiry.quantity,
        "target_price": inquiry.target_price,
        "product_type": inquiry.category.slug if inquiry.category_id else None,
        "spec": inquiry.spec,
        "notes": inquiry.notes,
        "lines": list(inquiry.lines.all()),
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "created_at": a.created_at,
                "url": f"{prefix}{a.pk}",
            }
            for a in inquiry.attachments.all()
        ],
        "quotations": [render_quotation(q, now) for q in inquiry.quotations.all()],
        "production": _production(inquiry),
        "timeline": [
            {
                "at": e.created_at,
                "kind": e.kind,
                "message": e.message,
                "actor_role": e.actor_role,
                **(
                    {"actor": e.actor.email if e.actor else None, "buyer_visible": e.buyer_visible}
                    if staff
                    else {}
                ),
            }
            for e in selectors.inquiry_timeline(inquiry, staff=staff)
        ],
    }
    if staff:
        user = inquiry.user
        data["buyer"] = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "company": user.company,
        }
        data["assigned_to"] = inquiry.assigned_to.email if inquiry.assigned_to_id else None
    return data


def render_cart(user) -> dict:
    return {
        "lines": [
            {
                "sku": line.product.sku,
                "mpn": line.product.mpn,
                "manufacturer": line.product.manufacturer.name,
                "title": line.product.title,
                "quantity": line.quantity,
                "target_price": line.target_price,
            }
            for line in selectors.inquiry_cart_lines(user=user)
        ]
    }


def _uploads(files: list[UploadedFile]) -> list[Upload]:
    """Read uploads into memory, refusing too many or too large before reading them."""
    if len(files) > MAX_FILES:
        raise ValidationFailed(f"At most {MAX_FILES} files.", field="files", code="too_many_files")
    limit = getattr(settings, "QUOTES_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
    uploads = []
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise ValidationFailed(
                f"{upload.name} is larger than {limit // (1024 * 1024)} MB.",
                field="files",
                code="file_too_large",
            )
        uploads.append(
            Upload(name=upload.name or "", content_type=upload.content_type or "", data=upload.read())
        )
    return uploads


def _own(request, number: str):
    return selectors.inquiry_for_buyer(user=request.auth, number=path_text(number))


def _own_out(request, number: str) -> dict:
    return render_inquiry(_own(request, number))


# --- The inquiry cart -------------------------------------------------------------------------------------


@router.get("/inquiry-cart", response=InquiryCartOut, auth=member, summary="My inquiry cart")
def inquiry_cart(request):
    return render_cart(request.auth)


@router.put(
    "/inquiry-cart/lines", response=InquiryCartOut, auth=member, summary="Put a part in my inquiry cart"
)
def inquiry_cart_line_set(request, payload: CartLineIn):
    services.inquiry_cart_line_set(user=request.auth, **payload.dict())
    return render_cart(request.auth)


@router.delete(
    "/inquiry-cart/lines/{sku}",
    response=InquiryCartOut,
    auth=member,
    summary="Remove a part from my inquiry cart",
)
def inquiry_cart_line_remove(request, sku: str):
    services.inquiry_cart_line_remove(user=request.auth, sku=path_text(sku))
    return render_cart(request.auth)


@router.post(
    "/inquiry-cart/submit",
    response={201: InquiryOut},
    auth=member,
    summary="Send my inquiry cart for a quotation",
)
def inquiry_cart_submit(request, payload: SubmitIn):
    inquiry = services.inquiry_cart_submit(user=request.auth, notes=payload.notes)
    return Status(201, _own_out(request, inquiry.number))


# --- Inquiries --------------------------------------------------------------------------------------------


@router.get(
    "/customization/types",
    response=list[ProductTypeOut],
    auth=member,
    summary="Product types that take customized orders, with their spec forms",
)
def customization_types(request):
    return [
        {"slug": category.slug, "name": category.name, "fields": [field.model_dump() for field in fields]}
        for category, fields in services.customizable_types()
    ]


@router.post(
    "/inquiries/unlisted",
    response={201: InquiryOut},
    auth=member,
    summary="Ask a price for a part not listed",
)
def inquiry_unlisted(request, payload: UnlistedIn):
    """Attach datasheets afterwards with POST /inquiries/{number}/attachments."""
    inquiry = services.inquiry_unlisted_create(user=request.auth, **payload.dict())
    return Status(201, _own_out(request, inquiry.number))


@router.post(
    "/inquiries/customized",
    response={201: InquiryOut},
    auth=member,
    summary="Ask a price for customized goods",
)
def inquiry_customized(request, payload: CustomizedIn):
    """Errors name each spec field as `spec.<key>`.

    Attach drawings afterwards with POST /inquiries/{number}/attachments.
    """
    inquiry = services.inquiry_customized_create(user=request.auth, **payload.dict())
    return Status(201, _own_out(request, inquiry.number))


@router.get("/inquiries", response=InquiryPageOut, auth=member, summary="My inquiries, newest first")
def inquiry_list(
    request, page: int = Query(1, ge=1, le=10_000), per_page: int = Query(20, ge=1, le=MAX_PER_PAGE)
):
    rows, total = page_of(selectors.inquiries_for_buyer(user=request.auth), page, per_page)
    now = timezone.now()
    return {
        "items": [render_summary(i, now) for i in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


@router.get("/inquiries/{number}", response=InquiryOut, auth=member, summary="One of my inquiries")
def inquiry_detail(request, number: str):
    return _own_out(request, number)


@router.post(
    "/inquiries/{number}/attachments",
    response={201: list[AttachmentOut]},
    auth=member,
    summary="Attach drawings or datasheets (PDF, PNG, JPEG, ZIP, DXF, STEP, TXT, CSV)",
)
def inquiry_attach(request, number: str, files: list[UploadedFile] = File(...)):  # noqa: B008
    inquiry = _own(request, number)
    stored = services.inquiry_attach(inquiry=inquiry, user=request.auth, files=_uploads(files))
    return Status(
        201,
        [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "created_at": a.created_at,
                "url": f"/api/v1/inquiry-files/{a.pk}",
            }
            for a in stored
        ],
    )


@router.get("/inquiry-files/{attachment_id}", auth=member, summary="Download a file of my inquiry")
def inquiry_file(request, attachment_id: int):
    return attachment_response(selectors.attachment_for(user=request.auth, attachment_id=attachment_id))


@router.post(
    "/inquiries/{number}/messages", response={201: EventOut}, auth=member, summary="Write to the sales desk"
)
def inquiry_message(request, number: str, payload: MessageIn):
    event = services.inquiry_message_add(
        inquiry=_own(request, number), actor=request.auth, message=payload.message
    )
    return Status(
        201,
        {
            "at": event.created_at,
            "kind": event.kind,
            "message": event.message,
            "actor_role": event.actor_role,
        },
    )


# --- Quotations -------------------------------------------------------------------------------------------


def _quotation(request, quotation_id: int):
    return selectors.quotation_for_buyer(user=request.auth, quotation_id=quotation_id)


@router.post(
    "/quotations/{quotation_id}/preview",
    response=QuotationPreviewOut,
    auth=member,
    tags=["checkout"],
    summary="Price a quotation as an order: shipping for the address, totals, what still stops it",
)
def quotation_preview(request, quotation_id: int, payload: QuotationPreviewIn):
    quotation = _quotation(request, quotation_id)
    result = checkout_quotation_preview(user=request.auth, quotation=quotation, **payload.dict())
    return {**preview_out(result), "quotation": render_quotation(quotation, timezone.now())}


@router.post(
    "/quotations/{quotation_id}/accept",
    response={200: OrderOut, 201: OrderOut},
    auth=member,
    tags=["checkout"],
    summary="Accept a quotation: place its order at the quoted prices",
)
def quotation_accept(request, quotation_id: int, payload: AcceptIn):
    """201 with the new order; 200 with the same order when this quotation was already accepted.
    409 quotation_expired / quotation_superseded / quotation_not_open / out_of_stock."""
    order, created = checkout_place_quotation(user=request.auth, quotation_id=quotation_id, **payload.dict())
    return Status(201 if created else 200, buyer_order_out(request, order.number))


@router.post(
    "/quotations/{quotation_id}/decline", response=QuotationOut, auth=member, summary="Decline a quotation"
)
def quotation_decline(request, quotation_id: int, payload: ReasonIn):
    quotation = services.quotation_decline(
        quotation=_quotation(request, quotation_id), user=request.auth, reason=payload.reason
    )
    return render_quotation(_quotation(request, quotation.pk), timezone.now())


# --- The sales desk ---------------------------------------------------------------------------------------


def _desk_inquiry(request, number: str):
    require_desk(request, Desk.SALES)
    return selectors.inquiry_for_staff(number=path_text(number))


def _desk_out(number: str) -> dict:
    return render_inquiry(selectors.inquiry_for_staff(number=number), staff=True)


@router.get("/desk/quotes", response=QueuePageOut, auth=member, tags=["desk"], summary="The quote desk queue")
def desk_queue(
    request,
    status: Literal["open", "received", "quoted", "ordered", "declined", "closed"] = "open",
    mine: bool = False,
    page: int = Query(1, ge=1, le=10_000),
    per_page: int = Query(50, ge=1, le=MAX_PER_PAGE),
):
    """Open inquiries by due time, the overdue first; `mine`: only those assigned to me."""
    require_desk(request, Desk.SALES)
    now = timezone.now()
    rows, total = page_of(
        selectors.quote_queue(now=now, status=status, mine=request.auth if mine else None), page, per_page
    )
    items = [
        {
            **render_summary(i, now),
            "clock": i.clock,
            "buyer_email": i.user.email,
            "assigned_to": i.assigned_to.email if i.assigned_to_id else None,
        }
        for i in rows
    ]
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def render_metrics(metrics) -> dict:
    median = metrics.median_time_to_quote
    return {
        "weeks": [
            {
                "week": w.week,
                "received": w.received,
                "decided": w.decided,
                "within_sla": w.within_sla,
                "share_within_sla": w.share,
            }
            for w in metrics.weeks
        ],
        "median_hours_to_quote": round(median.total_seconds() / 3600, 2) if median is not None else None,
        "overdue_now": metrics.overdue_now,
        "open_now": metrics.open_now,
        "since": metrics.since,
    }


@router.get(
    "/desk/quotes/metrics", response=SlaMetricsOut, auth=member, tags=["desk"], summary="Quote SLA figures"
)
def desk_metrics(request, weeks: int = Query(8, ge=1, le=104)):
    """Share quoted within the SLA per week of arrival, median time to the first quotation, overdue now."""
    require_desk(request, Desk.SALES)
    return render_metrics(selectors.sla_metrics(weeks=weeks))


@router.get(
    "/desk/quotes/files/{attachment_id}", auth=member, tags=["desk"], summary="Download an inquiry's file"
)
def desk_file(request, attachment_id: int):
    require_desk(request, Desk.SALES)
    return attachment_response(selectors.attachment_for(user=request.auth, attachment_id=attachment_id))


@router.get(
    "/desk/quotes/{number}",
    response=StaffInquiryOut,
    auth=member,
    tags=["desk"],
    summary="An inquiry's full record",
)
def desk_detail(request, number: str):
    return render_inquiry(_desk_inquiry(request, number), staff=True)


@router.post(
    "/desk/quotes/{number}/assign", response=StaffInquiryOut, auth=member, tags=["desk"], summary="Assign"
)
def desk_assign(request, number: str, payload: AssignIn):
    inquiry = _desk_inquiry(request, number)
    assignee = None
    if payload.assignee:
        assignee = User.objects.filter(email__iexact=payload.assignee.strip()).first()
        if assignee is None:
            raise ValidationFailed("No such staff member.", field="assignee", code="not_found")
    services.inquiry_assign(inquiry=inquiry, actor=request.auth, assignee=assignee)
    return _desk_out(inquiry.number)


@router.post(
    "/desk/quotes/{number}/notes",
    response=StaffInquiryOut,
    auth=member,
    tags=["desk"],
    summary="Internal note",
)
def desk_note(request, number: str, payload: NoteIn):
    inquiry = _desk_inquiry(request, number)
    services.inquiry_note_add(inquiry=inquiry, actor=request.auth, note=payload.note)
    return _desk_out(inquiry.number)


@router.post(
    "/desk/quotes/{number}/messages",
    response=StaffInquiryOut,
    auth=member,
    tags=["desk"],
    summary="Message the buyer (emailed)",
)
def desk_message(request, number: str, payload: MessageIn):
    inquiry = _desk_inquiry(request, number)
    services.inquiry_message_add(inquiry=inquiry, actor=request.auth, message=payload.message)
    return _desk_out(inquiry.number)


@router.post(
    "/desk/quotes/{number}/quotations",
    response={201: StaffInquiryOut},
    auth=member,
    tags=["desk"],
    summary="Send a quotation (a revision supersedes the live one)",
)
def desk_quotation(request, number: str, payload: QuotationIn):
    inquiry = _desk_inquiry(request, number)
    services.quotation_send(
        inquiry=inquiry,
        actor=request.auth,
        lines=[LineInput(**line.dict()) for line in payload.lines],
        valid_until=payload.valid_until,
        promised_ship_date=payload.promised_ship_date,
        notes=payload.notes,
    )
    return Status(201, _desk_out(inquiry.number))


@router.post(
    "/desk/quotes/{number}/decline",
    response=StaffInquiryOut,
    auth=member,
    tags=["desk"],
    summary="Decline to quote, with a reason for the buyer",
)
def desk_decline(request, number: str, payload: ReasonIn):
    inquiry = _desk_inquiry(request, number)
    services.inquiry_decline(inquiry=inquiry, actor=request.auth, reason=payload.reason)
    return _desk_out(inquiry.number)


# --- Production of customized goods (the dispatch desk) ---------------------------------------------------


def render_production(production, today) -> dict:
    return {
        "order_number": production.order.number,
        "inquiry_number": production.quotation.inquiry.number,
        "buyer_email": production.order.user.email,
        "state": production.state,
        "promised_ship_date": production.promised_ship_date,
        "late": production.is_late(today),
        "ready_at": production.ready_at,
    }


@router.get(
    "/desk/production",
    response=list[ProductionOut],
    auth=member,
    tags=["desk"],
    summary="Customized orders not shipped yet, by promised ship date",
)
def desk_production(request):
    require_desk(request, Desk.FULFILMENT)
    today = selectors.store_today()
    return [render_production(p, today) for p in selectors.productions_for_dispatch()[:500]]


@router.post(
    "/desk/production/{number}/ready",
    response=ProductionOut,
    auth=member,
    tags=["desk"],
    summary="Customized goods made: ready to ship",
)
def desk_production_ready(request, number: str):
    require_desk(request, Desk.FULFILMENT)
    production = services.production_mark_ready(
        production=selectors.production_for_order(number=path_text(number)), actor=request.auth
    )
    production = selectors.production_for_order(number=production.order.number)
    return render_production(production, selectors.store_today())
