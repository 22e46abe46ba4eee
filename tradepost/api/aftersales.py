"""After-sales API: a shipped order's entitlements, RMAs for buyers and resellers, the reseller's end
customers, the no-account claim of an end customer (with its secret link), and the after-sales desk."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tradepost.accounts.roles import Desk
from tradepost.aftersales import selectors, services
from tradepost.aftersales.calculations import Remedy
from tradepost.aftersales.documents import rma_form_pdf
from tradepost.aftersales.models import Resolution, RmaReason, RmaState
from tradepost.api.auth import member, require_desk
from tradepost.api.cart import path_text
from tradepost.api.orders import MAX_PER_PAGE, buyer_order
from tradepost.api.schemas import In, page_of
from tradepost.core.exceptions import NotFound
from tradepost.core.http import client_ip

router = Router(tags=["after-sales"])

Reason = Literal[tuple(RmaReason.values)]  # type: ignore[valid-type]
RemedyKey = Literal[tuple(Remedy.LABELS)]  # type: ignore[valid-type]
ResolutionKey = Literal[tuple(Resolution.values)]  # type: ignore[valid-type]
StateKey = Literal[tuple(RmaState.values)]  # type: ignore[valid-type]
Text = Field(min_length=1, max_length=services.MAX_TEXT)
PDF = {
    "responses": {
        200: {
            "description": "The printable RMA / return form.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


# --- Output -----------------------------------------------------------------------------------------------


class EntitlementOut(Schema):
    remedy: str = Field(description="quality_guarantee | warranty | money_back | returns")
    label: str
    rule: str = Field(description="The policy rule the window comes from, in words.")
    open: bool
    starts_at: datetime | None = Field(description="Null until the event the window counts from.")
    ends_at: datetime | None = Field(description="Null for lifetime, or until the window starts.")
    lifetime: bool
    reasons: list[str] = Field(description="RMA reasons this remedy answers.")
    remedies: list[str] = Field(description="What the store may do: refund, replacement, repair.")


class TroubleshootingOut(Schema):
    title: str
    steps: list[str]
    required: bool = Field(description="A warranty claim must confirm troubleshooting_seen.")


class LineEntitlementsOut(Schema):
    line_id: int
    sku: str
    mpn: str
    quantity_shipped: int
    claimable: int = Field(description="Shipped units not already in an RMA.")
    shipped_at: datetime | None
    delivered_at: datetime | None
    warranty_class: str
    entitlements: list[EntitlementOut]
    troubleshooting: TroubleshootingOut | None


class RmaEventOut(Schema):
    at: datetime
    kind: str
    role: str
    message: str


class RefundOut(Schema):
    amount: Decimal
    status: str
    destination: str
    due_at: datetime
    sent_at: datetime | None


class RmaOut(Schema):
    number: str
    order: str
    line_id: int
    sku: str
    mpn: str
    quantity: int
    reason: str
    remedy: str
    window_rule: str
    window_ends_at: datetime | None
    state: StateKey
    state_label: str
    description: str
    preferred_resolution: str = Field(description="refund | replacement | repair, or empty.")
    requester: str
    end_customer_name: str
    end_customer_email: str
    requested_at: datetime
    approved_at: datetime | None
    rejection_reason: str
    return_address: str
    return_tracking_number: str
    received_at: datetime | None
    inspected_at: datetime | None
    condition: str
    exclusion: str
    exclusion_label: str
    resolved_at: datetime | None
    resolution: str
    resolution_note: str
    refund: RefundOut | None
    follow_up_order: str | None = Field(description="The free order that sends a replacement or repair.")
    form_pdf_url: str | None = Field(description="The return form, once approved and a return is needed.")
    photos: int = Field(description="How many photos the claimant attached.")
    timeline: list[RmaEventOut]


class RmaPageOut(Schema):
    items: list[RmaOut]
    count: int
    page: int
    per_page: int


class EndCustomerOut(Schema):
    id: int
    line_id: int
    name: str
    email: str
    serial: str
    created_at: datetime


class PublicRmaCreated(Schema):
    number: str
    message: str = Field(description="The private follow-up link was emailed; it is not returned here.")


def render_line(item) -> dict:
    guide = item.troubleshooting
    return {
        "line_id": item.line.pk,
        "sku": item.line.sku,
        "mpn": item.line.mpn,
        "quantity_shipped": item.line.quantity_shipped,
        "claimable": item.claimable,
        "shipped_at": item.shipped_at,
        "delivered_at": item.delivered_at,
        "warranty_class": item.warranty_class,
        "entitlements": [
            {
                "remedy": e.remedy,
                "label": e.label,
                "rule": e.rule,
                "open": e.open,
                "starts_at": e.window.starts_at,
                "ends_at": e.ends_at,
                "lifetime": e.lifetime,
                "reasons": sorted(e.reasons),
                "remedies": list(e.remedies),
            }
            for e in item.entitlements
        ],
        "troubleshooting": {
            "title": guide.title,
            "steps": guide.step_list,
            "required": item.troubleshooting_required,
        }
        if guide
        else None,
    }


_RMA_FIELDS = (
    "number", "line_id", "quantity", "reason", "remedy", "window_rule", "window_ends_at", "state",
    "description", "preferred_resolution", "requester", "end_customer_name", "end_customer_email",
    "requested_at", "approved_at",
    "rejection_reason", "return_address", "return_tracking_number", "received_at", "inspected_at",
    "condition", "exclusion", "exclusion_label", "resolved_at", "resolution", "resolution_note",
)  # fmt: skip


def render_rma(rma, *, pdf_url: str | None, staff: bool = False) -> dict:
    refund = rma.refund
    return {
        **{name: getattr(rma, name) for name in _RMA_FIELDS},
        "order": rma.order.number,
        "follow_up_order": rma.follow_up_order.number if rma.follow_up_order_id else None,
        "sku": rma.line.sku,
        "mpn": rma.line.mpn,
        "state_label": rma.get_state_display(),
        "refund": {
            "amount": refund.amount,
            "status": refund.status,
            "destination": refund.destination,
            "due_at": refund.due_at,
            "sent_at": refund.sent_at,
        }
        if refund
        else None,
        "form_pdf_url": pdf_url if rma.approved_at and rma.needs_return else None,
        "photos": len(rma.photos.all()),
        "timeline": [
            {"at": e.created_at, "kind": e.kind, "role": e.actor_role, "message": e.message}
            for e in selectors.rma_timeline(rma, staff=staff)
        ],
    }


def _pdf(rma) -> HttpResponse:
    if rma.approved_at is None or not rma.needs_return:
        raise NotFound("The return form exists once the RMA is approved.", code="form_not_ready")
    response = HttpResponse(rma_form_pdf(rma), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{rma.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Input ------------------------------------------------------------------------------------------------


class EndCustomerContactIn(In):
    name: str = Field(min_length=1, max_length=150)
    email: str = Field(min_length=3, max_length=254)
    phone: str = Field("", max_length=32)


class RmaIn(In):
    order: str = Field(min_length=1, max_length=16, description="The order number.")
    line_id: int = Field(ge=1, le=2**31 - 1)
    quantity: int = Field(ge=1, le=10_000_000)
    reason: Reason
    description: str = Text
    remedy: RemedyKey | None = Field(None, description="Null: the first open remedy covering the reason.")
    troubleshooting_seen: bool = Field(False, description="Required true for a warranty claim with steps.")
    preferred_resolution: Literal["refund", "replacement", "repair"] | None = Field(
        None, description="What the claimant would like, among what the remedy offers."
    )
    end_customer: EndCustomerContactIn | None = Field(None, description="Resellers: the customer filed for.")


class ReturnShippedIn(In):
    carrier: str = Field(min_length=1, max_length=80)
    tracking_number: str = Field(min_length=1, max_length=40)


class EndCustomerIn(In):
    line_id: int = Field(ge=1, le=2**31 - 1)
    name: str = Field(min_length=1, max_length=150)
    email: str = Field(min_length=3, max_length=254)
    serial: str = Field("", max_length=80)


class PublicRmaIn(In):
    order_number: str = Field(min_length=1, max_length=16)
    proof: str = Field(
        min_length=1, max_length=254, description="Serial number or the email the reseller gave."
    )
    quantity: int = Field(ge=1, le=10_000_000)
    reason: Reason
    description: str = Text
    phone: str = Field("", max_length=32)
    troubleshooting_seen: bool = False


class ApproveIn(In):
    return_address: str = Field("", max_length=services.MAX_TEXT, description="Empty: the policy's address.")
    note: str = Field("", max_length=services.MAX_TEXT, description="Staff only.")


class RejectIn(In):
    reason: str = Text


class ReceiveIn(In):
    restock: bool = Field(description="Put the units back in sellable stock (once per RMA).")
    note: str = Field("", max_length=services.MAX_TEXT)


class InspectIn(In):
    condition: str = Text
    exclusion: str = Field("", max_length=50, description="A warranty exclusion key; rejects the claim.")


class ResolveIn(In):
    resolution: ResolutionKey
    amount: Decimal | None = Field(None, description="Refunds: default and maximum is the goods' share paid.")
    note: str = Field("", max_length=services.MAX_TEXT)
    replacement_sku: str = Field(
        "", max_length=64, description="Replacement: empty for the same product, or a SKU of no higher value."
    )


def _claim(payload, line_id: int) -> services.Claim:
    return services.Claim(
        line_id=line_id,
        quantity=payload.quantity,
        reason=payload.reason,
        description=payload.description,
        remedy=getattr(payload, "remedy", None),
        troubleshooting_seen=payload.troubleshooting_seen,
        preferred_resolution=getattr(payload, "preferred_resolution", None) or "",
    )


def _buyer_pdf_url(number: str) -> str:
    return f"/api/v1/rmas/{number}/form.pdf"


# --- Buyers and resellers ---------------------------------------------------------------------------------


@router.get(
    "/orders/{number}/entitlements",
    response=list[LineEntitlementsOut],
    auth=member,
    summary="What each shipped line of my order is owed: remedies, windows and the rules they come from",
)
def entitlements(request, number: str):
    order = buyer_order(request, number)
    return [render_line(item) for item in selectors.order_entitlements(order, with_guides=True)]


@router.get("/rmas", response=RmaPageOut, auth=member, summary="My returns and claims")
def rma_list(
    request, page: int = Query(1, ge=1, le=100_000), per_page: int = Query(20, ge=1, le=MAX_PER_PAGE)
):
    rows, total = page_of(selectors.rmas_for_buyer(user=request.auth), page, per_page)
    items = [render_rma(rma, pdf_url=_buyer_pdf_url(rma.number)) for rma in rows]
    return {"items": items, "count": total, "page": page, "per_page": per_page}


@router.post(
    "/rmas", response={201: RmaOut}, auth=member, summary="Request a return or claim for a shipped line"
)
def rma_create(request, payload: RmaIn):
    """422 `window_closed` names each window that closed and its date; 422 `troubleshooting_required` when
    the product's troubleshooting steps must be confirmed first (see GET /orders/{number}/entitlements)."""
    order = buyer_order(request, payload.order)
    contact = payload.end_customer.dict() if payload.end_customer else None
    rma = services.rma_request(
        order=order, user=request.auth, claim=_claim(payload, payload.line_id), end_customer=contact
    )
    return Status(201, render_rma(rma, pdf_url=_buyer_pdf_url(rma.number)))


def _mine(request, number):
    return selectors.rma_for_buyer(user=request.auth, number=path_text(number))


@router.get("/rmas/{number}", response=RmaOut, auth=member, summary="One of my RMAs with its timeline")
def rma_detail(request, number: str):
    rma = _mine(request, number)
    return render_rma(rma, pdf_url=_buyer_pdf_url(rma.number))


@router.post(
    "/rmas/{number}/return-shipment", response=RmaOut, auth=member, summary="I sent the goods back: tracking"
)
def rma_return_shipped(request, number: str, payload: ReturnShippedIn):
    rma = services.rma_return_shipped(rma=_mine(request, number), actor=request.auth, **payload.dict())
    return render_rma(rma, pdf_url=_buyer_pdf_url(rma.number))


@router.post("/rmas/{number}/photos", response=RmaOut, auth=member, summary="Add photos to my open RMA")
def rma_photos(request, number: str, photos: list[UploadedFile] = File(...)):  # noqa: B008
    """Multipart `photos`: JPEG, PNG or other images, at most 5 MB each and 5 per RMA."""
    rma = services.rma_photos_add(rma=_mine(request, number), actor=request.auth, photos=photos)
    return render_rma(rma, pdf_url=_buyer_pdf_url(rma.number))


@router.get(
    "/rmas/{number}/form.pdf", auth=member, summary="The printable RMA / return form", openapi_extra=PDF
)
def rma_form(request, number: str):
    return _pdf(_mine(request, number))


@router.get(
    "/orders/{number}/end-customers",
    response=list[EndCustomerOut],
    auth=member,
    summary="Resellers: my customers",
)
def end_customer_list(request, number: str):
    order = buyer_order(request, number)
    return [_end_customer(row) for row in order.end_customers.all()]


@router.post(
    "/orders/{number}/end-customers",
    response={201: EndCustomerOut},
    auth=member,
    summary="Resellers: record who a line's goods went to, so they can claim directly",
)
def end_customer_create(request, number: str, payload: EndCustomerIn):
    order = buyer_order(request, number)
    row = services.end_customer_register(order=order, user=request.auth, **payload.dict())
    return Status(201, _end_customer(row))


def _end_customer(row) -> dict:
    return {
        "id": row.pk,
        "line_id": row.line_id,
        "name": row.name,
        "email": row.email,
        "serial": row.serial,
        "created_at": row.created_at,
    }


# --- A reseller's customer without an account -------------------------------------------------------------


@router.post(
    "/end-customer/rmas",
    response={201: PublicRmaCreated},
    auth=None,
    summary="A reseller's customer claims with order number + serial or email (no account)",
)
def public_rma_create(request, payload: PublicRmaIn):
    """Wrong order number / proof pairs count against per-order and per-IP limits (429 when used up).
    The private follow-up link goes to the email the reseller recorded, never into this response."""
    rma, _token = services.rma_request_end_customer(
        order_number=payload.order_number,
        proof=payload.proof,
        claim=_claim(payload, 0),
        phone=payload.phone,
        ip=client_ip(request),
    )
    return Status(
        201, {"number": rma.number, "message": "We emailed the private link to follow this request."}
    )


def _public_url(token: str) -> str:
    return f"/api/v1/end-customer/rmas/{token}/form.pdf"


@router.get(
    "/end-customer/rmas/{token}",
    response=RmaOut,
    auth=None,
    summary="Follow a claim by its private link token",
)
def public_rma_detail(request, token: str):
    rma = selectors.rma_for_token(token=path_text(token))
    return render_rma(rma, pdf_url=_public_url(token))


@router.post(
    "/end-customer/rmas/{token}/return-shipment",
    response=RmaOut,
    auth=None,
    summary="The end customer sent the goods back: tracking",
)
def public_rma_return_shipped(request, token: str, payload: ReturnShippedIn):
    rma = selectors.rma_for_token(token=path_text(token))
    rma = services.rma_return_shipped(rma=rma, actor=None, **payload.dict())
    return render_rma(rma, pdf_url=_public_url(token))


@router.get("/end-customer/rmas/{token}/form.pdf", auth=None, summary="The return form", openapi_extra=PDF)
def public_rma_form(request, token: str):
    return _pdf(selectors.rma_for_token(token=path_text(token)))


# --- The after-sales desk ---------------------------------------------------------------------------------


def _desk(request, number: str):
    require_desk(request, Desk.AFTERSALES)
    return selectors.rma_for_staff(number=path_text(number))


def _desk_out(rma) -> dict:
    return render_rma(rma, pdf_url=f"/api/v1/desk/rmas/{rma.number}/form.pdf", staff=True)


@router.get(
    "/desk/rmas", response=RmaPageOut, auth=member, tags=["desk"], summary="RMAs waiting for the desk"
)
def desk_rma_list(
    request,
    state: StateKey | None = None,
    page: int = Query(1, ge=1, le=100_000),
    per_page: int = Query(20, ge=1, le=MAX_PER_PAGE),
):
    require_desk(request, Desk.AFTERSALES)
    rows, total = page_of(selectors.desk_queue(state=state), page, per_page)
    return {"items": [_desk_out(rma) for rma in rows], "count": total, "page": page, "per_page": per_page}


class RefundWatchOut(Schema):
    rma: str
    order: str
    amount: Decimal
    destination: str
    status: str
    due_at: datetime
    overdue: bool
    near: bool = Field(description="Due within two working days of the store calendar.")


@router.get(
    "/desk/rma-refunds",
    response=list[RefundWatchOut],
    auth=member,
    tags=["desk"],
    summary="RMA refunds not sent yet, due first, flagged near or past due",
)
def desk_refunds(request):
    require_desk(request, Desk.AFTERSALES)
    return [
        {
            "rma": w.refund.rma.number,
            "order": w.refund.order.number,
            "amount": w.refund.amount,
            "destination": w.refund.destination,
            "status": w.refund.status,
            "due_at": w.refund.due_at,
            "overdue": w.overdue,
            "near": w.near,
        }
        for w in selectors.refunds_watch()
    ]


@router.get("/desk/rmas/{number}", response=RmaOut, auth=member, tags=["desk"], summary="One RMA, all events")
def desk_rma_detail(request, number: str):
    return _desk_out(_desk(request, number))


@router.get(
    "/desk/rmas/{number}/form.pdf", auth=member, tags=["desk"], summary="The return form", openapi_extra=PDF
)
def desk_rma_form(request, number: str):
    return _pdf(_desk(request, number))


@router.post("/desk/rmas/{number}/approve", response=RmaOut, auth=member, tags=["desk"], summary="Approve")
def desk_approve(request, number: str, payload: ApproveIn):
    return _desk_out(services.rma_approve(rma=_desk(request, number), actor=request.auth, **payload.dict()))


@router.post("/desk/rmas/{number}/reject", response=RmaOut, auth=member, tags=["desk"], summary="Reject")
def desk_reject(request, number: str, payload: RejectIn):
    return _desk_out(
        services.rma_reject(rma=_desk(request, number), actor=request.auth, reason=payload.reason)
    )


@router.post(
    "/desk/rmas/{number}/receive", response=RmaOut, auth=member, tags=["desk"], summary="Goods received"
)
def desk_receive(request, number: str, payload: ReceiveIn):
    return _desk_out(services.rma_receive(rma=_desk(request, number), actor=request.auth, **payload.dict()))


@router.post("/desk/rmas/{number}/inspect", response=RmaOut, auth=member, tags=["desk"], summary="Inspected")
def desk_inspect(request, number: str, payload: InspectIn):
    return _desk_out(services.rma_inspect(rma=_desk(request, number), actor=request.auth, **payload.dict()))


@router.post("/desk/rmas/{number}/resolve", response=RmaOut, auth=member, tags=["desk"], summary="Resolve")
def desk_resolve(request, number: str, payload: ResolveIn):
    rma = services.rma_resolve(
        rma=_desk(request, number),
        actor=request.auth,
        resolution=payload.resolution,
        amount=None if payload.amount is None else str(payload.amount),
        note=payload.note,
        replacement_sku=payload.replacement_sku,
    )
    return _desk_out(rma)
