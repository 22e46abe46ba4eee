"""Commercial invoices API: the buyer asks for one, reads its state and downloads the PDF; the fulfilment
and finance desks download any order's invoice."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from tradepost.accounts.roles import Desk
from tradepost.api.auth import member
from tradepost.api.cart import path_text
from tradepost.api.orders import buyer_order, require_any_desk
from tradepost.invoices import selectors, services
from tradepost.invoices.models import InvoiceState
from tradepost.orders.selectors import order_for_staff

router = Router(tags=["invoices"])

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The invoice PDF, the same bytes on every download.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class InvoiceOut(Schema):
    number: str
    invoice_date: date = Field(description="The date printed on the invoice (store timezone).")
    issued_at: datetime
    requested_at: datetime | None = Field(description="When the buyer asked; null when always issued.")
    incoterm: str = Field(description="DDP: the seller pays duties and taxes; DAP: the buyer does.")
    currency: str
    total: Decimal
    pdf_url: str
    pdf_sha256: str = Field(description="SHA-256 of the PDF; empty until it is first downloaded.")


class InvoiceStatusOut(Schema):
    order: str = Field(description="The order number.")
    state: InvoiceState
    message: str = Field(description="The state in words, as the order page shows it.")
    requested: bool
    can_request: bool = Field(description="True when POST /orders/{number}/invoice would do something.")
    request_window_closes_at: datetime | None = Field(
        description="After the first shipment: the last moment the buyer may still ask."
    )
    invoice: InvoiceOut | None


def render_invoice(invoice, *, pdf_url: str) -> dict:
    return {
        "number": invoice.number,
        "invoice_date": invoice.data["invoice_date"],
        "issued_at": invoice.issued_at,
        "requested_at": invoice.requested_at,
        "incoterm": invoice.incoterm,
        "currency": invoice.data["currency"],
        "total": invoice.data["totals"]["total"],
        "pdf_url": pdf_url,
        "pdf_sha256": invoice.pdf_sha256,
    }


def render_status(order, *, pdf_url: str) -> dict:
    status = selectors.invoice_status(order=order)
    return {
        "order": order.number,
        "state": status.state,
        "message": status.message,
        "requested": status.requested,
        "can_request": status.can_request,
        "request_window_closes_at": status.window_closes_at,
        "invoice": render_invoice(status.invoice, pdf_url=pdf_url) if status.invoice else None,
    }


def pdf_response(invoice) -> HttpResponse:
    response = HttpResponse(services.invoice_pdf(invoice=invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _buyer_pdf_url(number: str) -> str:
    return f"/api/v1/orders/{number}/invoice.pdf"


def _desk_pdf_url(number: str) -> str:
    return f"/api/v1/desk/orders/{number}/invoice.pdf"


# --- The buyer --------------------------------------------------------------------------------------------


@router.get(
    "/orders/{number}/invoice",
    response=InvoiceStatusOut,
    auth=member,
    summary="My order's commercial invoice: its state and, once issued, its details",
)
def invoice_detail(request, number: str):
    order = buyer_order(request, number)
    return render_status(order, pdf_url=_buyer_pdf_url(order.number))


@router.post(
    "/orders/{number}/invoice",
    response={200: InvoiceStatusOut, 201: InvoiceStatusOut, 202: InvoiceStatusOut},
    auth=member,
    summary="Ask for a commercial invoice",
)
def invoice_request(request, number: str):
    """201: issued now (after the first shipment, within the store's window). 200: the order already had
    its invoice. 202: recorded (or already recorded, or the store issues one anyway); the invoice is issued
    when the order ships. 409 `invoice_request_closed` names the date the window closed; 409
    `order_cancelled` for a cancelled order. Asking twice changes nothing the second time."""
    order = buyer_order(request, number)
    had_invoice = selectors.invoice_of_order(order) is not None
    invoice = services.invoice_request(order=order, user=request.auth)
    order.refresh_from_db(fields=["commercial_invoice_requested"])
    body = render_status(order, pdf_url=_buyer_pdf_url(order.number))
    if invoice is None:
        return Status(202, body)
    return Status(200 if had_invoice else 201, body)


@router.get(
    "/orders/{number}/invoice.pdf",
    auth=member,
    summary="Download my order's commercial invoice (PDF)",
    openapi_extra=PDF_RESPONSE,
)
def invoice_download(request, number: str):
    invoice = selectors.invoice_for_buyer(user=request.auth, number=path_text(number))
    return pdf_response(invoice)


# --- The fulfilment and finance desks ---------------------------------------------------------------------


@router.get(
    "/desk/orders/{number}/invoice",
    response=InvoiceStatusOut,
    auth=member,
    tags=["desk"],
    summary="An order's commercial invoice state",
)
def desk_invoice_detail(request, number: str):
    require_any_desk(request, Desk.FULFILMENT, Desk.FINANCE)
    order = order_for_staff(number=path_text(number))
    return render_status(order, pdf_url=_desk_pdf_url(order.number))


@router.get(
    "/desk/orders/{number}/invoice.pdf",
    auth=member,
    tags=["desk"],
    summary="Download an order's commercial invoice (PDF)",
    openapi_extra=PDF_RESPONSE,
)
def desk_invoice_download(request, number: str):
    require_any_desk(request, Desk.FULFILMENT, Desk.FINANCE)
    return pdf_response(selectors.invoice_for_staff(number=path_text(number)))
