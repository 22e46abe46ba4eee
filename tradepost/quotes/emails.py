"""Quote emails: plain text and HTML from templates, sent after the change commits."""

from django.conf import settings
from django.db import transaction

from tradepost.notifications.services import notification_deliver, notify
from tradepost.policies.selectors import policy_from_version

SUBJECTS = {
    "received": "Inquiry {number} received",
    "quotation_ready": "Your quotation for inquiry {number}",
    "quotation_expiring": "Your quotation for inquiry {number} expires soon",
    "declined": "Inquiry {number}: we cannot quote",
    "message": "Inquiry {number}: a message from us",
}


def quote_email_send(
    *, inquiry_id: int, kind: str, quotation_id: int | None = None, message: str = ""
) -> bool:
    """Render one inquiry email into the notifications outbox and send it now; returns False when the
    inquiry, quotation or kind is unknown."""
    from tradepost.quotes.models import Inquiry, Quotation

    inquiry = Inquiry.objects.select_related("user", "policy_version").filter(pk=inquiry_id).first()
    if inquiry is None or kind not in SUBJECTS:
        return False
    quotation = None
    if quotation_id is not None:
        quotation = (
            Quotation.objects.prefetch_related("lines").filter(pk=quotation_id, inquiry=inquiry).first()
        )
        if quotation is None:
            return False
    policy = policy_from_version(inquiry.policy_version)
    site = settings.SITE_URL.rstrip("/")
    context = {
        "inquiry": inquiry,
        "quotation": quotation,
        "lines": list(quotation.lines.all()) if quotation else [],
        "message": message,
        "store": policy.store,
        "link": f"{site}/account/inquiries/{inquiry.number}/",
        "site_url": site,
    }
    row = notify(
        kind=f"quotes.{kind}",
        template=f"quotes/email/{kind}",
        context=context,
        subject=f"[{policy.store.name}] " + SUBJECTS[kind].format(number=inquiry.number),
        user=inquiry.user,
        reply_to=policy.store.support_email,
        link=f"/account/inquiries/{inquiry.number}/",
    )
    notification_deliver(notification_id=row.pk)
    return True


def quote_email_queue(*, inquiry, kind: str, quotation=None, message: str = "") -> None:
    """Render, record in the outbox and send after the surrounding transaction commits (through Celery when
    a broker is configured); a mail server that refuses it is recorded on the outbox row and retried."""
    from tradepost.quotes.tasks import send_quote_email

    inquiry_id = inquiry.pk
    quotation_id = quotation.pk if quotation is not None else None
    transaction.on_commit(
        lambda: send_quote_email.delay(inquiry_id, kind, quotation_id, message), robust=True
    )
