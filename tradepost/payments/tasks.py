"""Background jobs for payments; idempotent."""

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_paypal_refund(refund_id: int) -> str:
    from tradepost.payments.services import refund_send_paypal

    refund = refund_send_paypal(refund_id=refund_id)
    return refund.status if refund else "missing"
