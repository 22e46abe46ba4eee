"""RMA emails (approved, rejected, received, resolved, refund sent, end-customer link), sent after commit
to whoever filed the RMA: the buyer, or the reseller's end customer who has no account."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from tradepost.notifications.services import notification_deliver, notify
from tradepost.policies.selectors import policy_from_version

SUBJECTS = {
    "requested": "{number}: we have your request",
    "approved": "{number} approved: how to send the goods back",
    "rejected": "{number}: your request was not accepted",
    "received": "{number}: we received the goods",
    "resolved": "{number} resolved",
    "refund_sent": "{number}: your refund was sent",
}


def _rma_email(rma_id: int, kind: str, link: str = ""):
    """Render one RMA email into the notifications outbox; None for an unknown RMA or kind.

    `link` is an end customer's secret follow-up link: it is sent but never kept in the outbox."""
    from tradepost.aftersales.models import Requester, Rma

    rma = (
        Rma.objects.select_related("order", "order__user", "order__policy_version", "line", "refund")
        .filter(pk=rma_id)
        .first()
    )
    if rma is None or kind not in SUBJECTS:
        return None
    policy = policy_from_version(rma.order.policy_version)
    site = settings.SITE_URL.rstrip("/")
    end_customer = rma.requester == Requester.END_CUSTOMER
    return notify(
        kind=f"aftersales.{kind}",
        template=f"aftersales/email/{kind}",
        context={
            "rma": rma,
            "store": policy.store,
            "site_url": site,
            "link": "" if link else _link(rma, site),
        },
        private={"link": link} if link else None,
        subject=f"[{policy.store.name}] " + SUBJECTS[kind].format(number=rma.number),
        user=None if end_customer else rma.order.user,
        email=rma.contact_email,
        reply_to=policy.store.support_email,
        link="" if end_customer else reverse("storefront:rma_detail", args=[rma.number]),
    )


def rma_email_send(*, rma_id: int, kind: str, link: str = "") -> bool:
    """Render one RMA email into the outbox and send it now; False for an unknown RMA or kind."""
    row = _rma_email(rma_id, kind, link)
    if row is None:
        return False
    notification_deliver(notification_id=row.pk)
    return True


def _link(rma, site: str) -> str:
    # An end customer's secret link is known only when it is made (the "requested" email): later emails
    # remind them of it instead (empty link); buyers follow the RMA in their account.
    if rma.requester == "end_customer":
        return ""
    return site + reverse("storefront:rma_detail", args=[rma.number])


def rma_email_queue(*, rma, kind: str, link: str = "") -> None:
    """Render and record the email after commit, so it shows what the change committed (services queue it
    before their last save), then send it (through Celery when configured); a mail server that refuses it
    is recorded on the outbox row and retried from there."""
    from tradepost.aftersales.tasks import send_rma_email

    rma_id = rma.pk
    transaction.on_commit(lambda: send_rma_email.delay(rma_id, kind, link), robust=True)
