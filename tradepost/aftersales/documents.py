"""The printable RMA / return form: what goes in the parcel so the warehouse knows what came back."""

from django.template.loader import render_to_string
from django.utils import timezone

from tradepost.orders.services import order_policy


def rma_form_html(rma) -> str:
    policy = order_policy(rma.order)
    return render_to_string(
        "aftersales/rma_form.html",
        {"rma": rma, "store": policy.store, "printed_at": timezone.now(), "order": rma.order},
    )


def rma_form_pdf(rma) -> bytes:
    """Render with the system fonts; nothing is fetched from anywhere (as for invoices)."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    return weasyprint.HTML(
        string=rma_form_html(rma), url_fetcher=URLFetcher(allowed_protocols=())
    ).write_pdf()
