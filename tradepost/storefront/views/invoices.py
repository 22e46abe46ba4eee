"""The commercial invoice on the buyer's order page: ask for it (a plain POST form) and download the PDF.
Another buyer's order, or an order without an invoice, is 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tradepost.api.invoices import pdf_response
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.invoices import selectors, services
from tradepost.orders.selectors import order_for_buyer
from tradepost.storefront.views.cart import page_status
from tradepost.storefront.views.orders import _render_detail


@login_required
@require_POST
def invoice_request(request, number: str):
    try:
        order = order_for_buyer(user=request.user, number=number)
        invoice = services.invoice_request(order=order, user=request.user)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        return _render_detail(request, order, error=exc.message, status=page_status(exc))
    if invoice is not None:
        messages.success(request, f"Commercial invoice {invoice.number} is ready to download.")
    else:
        order.refresh_from_db(fields=["commercial_invoice_requested"])
        messages.success(request, selectors.invoice_status(order=order).message)
    return redirect(reverse("storefront:order_detail", args=[order.number]) + "#invoice")


@login_required
@require_GET
def invoice_download(request, number: str):
    try:
        invoice = selectors.invoice_for_buyer(user=request.user, number=number)
    except NotFound:
        raise Http404 from None
    return pdf_response(invoice)
