"""Commercial invoice downloads for the fulfilment and finance desks (anyone else finds nothing: 404)."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.views.decorators.http import require_GET

from tradepost.accounts.roles import Desk, user_has_desk
from tradepost.api.invoices import pdf_response
from tradepost.core.exceptions import NotFound
from tradepost.invoices import selectors

INVOICE_DESKS = (Desk.FULFILMENT, Desk.FINANCE)


@require_GET
def invoice_download(request, number: str):
    """The stored PDF of an order's invoice; `number` is the order number (or the invoice number)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not any(user_has_desk(request.user, desk.value) for desk in INVOICE_DESKS):
        raise Http404
    try:
        invoice = selectors.invoice_for_staff(number=number)
    except NotFound:
        raise Http404 from None
    return pdf_response(invoice)
