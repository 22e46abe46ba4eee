"""Reads of invoices for buyers and staff; a buyer reaches only their own orders' invoices (else 404)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from tradepost.core.exceptions import NotFound
from tradepost.invoices.calculations import request_deadline
from tradepost.invoices.models import Invoice, InvoiceState
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.services import order_policy
from tradepost.policies.schema import CommercialInvoice


def _invoices() -> QuerySet[Invoice]:
    # The PDF bytes are read only when downloading (services.invoice_pdf).
    return Invoice.objects.select_related("order").defer("pdf")


def _by_number(queryset: QuerySet[Invoice], number) -> Invoice:
    """`number` is the order number (TP-…) or the invoice number (CI-…)."""
    if not isinstance(number, str) or not number or "\x00" in number:
        raise NotFound("No such invoice.", code="invoice_not_found")
    invoice = queryset.filter(Q(order__number=number) | Q(number=number)).first()
    if invoice is None:
        raise NotFound("No such invoice.", code="invoice_not_found")
    return invoice


def invoice_for_buyer(*, user, number: str) -> Invoice:
    """The invoice of the buyer's own order; anyone else's, or none yet, is the same 404."""
    if user is None or not user.is_authenticated:
        raise NotFound("No such invoice.", code="invoice_not_found")
    return _by_number(_invoices().filter(order__user=user), number)


def invoice_for_staff(*, number: str) -> Invoice:
    return _by_number(_invoices(), number)


def invoice_of_order(order: Order) -> Invoice | None:
    return Invoice.objects.filter(order=order).select_related("issued_by").defer("pdf").first()


@dataclass(frozen=True)
class InvoiceStatus:
    """What an order page says about the commercial invoice, and whether the buyer can ask for it now."""

    state: str  # an InvoiceState value
    message: str
    can_request: bool
    requested: bool
    window_closes_at: datetime | None  # after the first shipment: the last moment to ask
    invoice: Invoice | None

    @property
    def label(self) -> str:
        return InvoiceState(self.state).label


def _date(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def invoice_status(*, order: Order, now: datetime | None = None) -> InvoiceStatus:
    """The order's invoice state under the policy it was bought with (one query: the invoice)."""
    invoice = invoice_of_order(order)
    requested = order.commercial_invoice_requested
    status = dict(requested=requested, window_closes_at=None, invoice=invoice, can_request=False)
    if invoice is not None:
        return InvoiceStatus(
            state=InvoiceState.ISSUED,
            message=f"Commercial invoice {invoice.number} was issued on {invoice.data['invoice_date']}.",
            **status,
        )
    if order.status == OrderStatus.CANCELLED:
        return InvoiceStatus(
            state=InvoiceState.UNAVAILABLE,
            message="This order is cancelled, so no commercial invoice is issued.",
            **status,
        )
    rules = order_policy(order).invoices
    shipped = order.first_shipped_at is not None
    if rules.commercial_invoice == CommercialInvoice.ALWAYS:
        status["can_request"] = shipped  # only for an order that shipped without one
        return InvoiceStatus(
            state=InvoiceState.AUTOMATIC,
            message="This store issues a commercial invoice with every order, when it ships.",
            **status,
        )
    days = rules.request_after_shipment_days
    if not shipped:
        later = f" or up to {days} days after it ships" if days else ""
        if requested:
            return InvoiceStatus(
                state=InvoiceState.REQUESTED,
                message="Requested: the commercial invoice is issued when the order ships.",
                **status,
            )
        status["can_request"] = True
        return InvoiceStatus(
            state=InvoiceState.NOT_REQUESTED,
            message=f"Not requested. You can ask for one now{later}.",
            **status,
        )
    if requested:  # asked in time, but it shipped without one: asking again issues it
        status["can_request"] = True
        return InvoiceStatus(
            state=InvoiceState.REQUESTED,
            message="Requested; ask again to have it issued now.",
            **status,
        )
    deadline = request_deadline(order.first_shipped_at, days)
    if deadline is None:
        return InvoiceStatus(
            state=InvoiceState.CLOSED,
            message="Not requested. This store takes invoice requests only until the order ships.",
            **status,
        )
    status["window_closes_at"] = deadline
    if (now or timezone.now()) <= deadline:
        status["can_request"] = True
        return InvoiceStatus(
            state=InvoiceState.NOT_REQUESTED,
            message=f"Not requested. You can ask for one until {_date(deadline)}; it is issued at once.",
            **status,
        )
    return InvoiceStatus(
        state=InvoiceState.CLOSED,
        message=f"Not requested. The request window closed on {_date(deadline)}.",
        **status,
    )
