"""Background jobs for memberships; each is safe to run twice."""

from celery import shared_task

from tradepost.memberships.emails import membership_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_membership_email(membership_id: int, kind: str) -> bool:
    return membership_email_send(membership_id=membership_id, kind=kind)
