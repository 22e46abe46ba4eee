"""Background jobs for after-sales; each is safe to run twice."""

from celery import shared_task

from tradepost.aftersales.emails import rma_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_rma_email(rma_id: int, kind: str, link: str = "") -> bool:
    return rma_email_send(rma_id=rma_id, kind=kind, link=link)
