"""Background jobs for quotes; each calls a service and is safe to run twice."""

from celery import shared_task

from tradepost.quotes.emails import quote_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_quote_email(inquiry_id: int, kind: str, quotation_id: int | None = None, message: str = "") -> bool:
    return quote_email_send(inquiry_id=inquiry_id, kind=kind, quotation_id=quotation_id, message=message)


@shared_task
def notify_expiring_quotations() -> int:
    from tradepost.quotes.services import quotations_notify_expiring

    return quotations_notify_expiring()
