"""Background jobs for reviews; each is safe to run twice."""

from celery import shared_task

from tradepost.reviews.emails import review_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_review_email(review_id: int, kind: str) -> bool:
    return review_email_send(review_id=review_id, kind=kind)
