"""RMA emails (approved, rejected, received, resolved, refund sent, end-customer link), sent after commit
to whoever filed the RMA: the buyer, or the reseller's end customer who has no account."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from tradepost.policies.selectors import policy_from_version

SUBJECTS = {
    "requested": "{number}: we have your request",
    "approved": "{number} approved: how to send the goods back",
    "rejected": "{number}: your request was not accepted",
    "received": "{number}: we received the goods",
    "resolved": "{number} resolved",
    "refund_sent": "{number}: your refund was sent",
}


def rma_email_send(*, rma_id: int, kind: str, link: str = "") -> bool:
    """Render and send one RMA email; False for an unknown RMA or kind."""
    from tradepost.aftersales.models import Rma

    rma = (
        Rma.objects.select_related("order", "order__user", "order__policy_version", "line", "refund")
        .filter(pk=rma_id)
        .first()
    )
    if rma is None or kind not in SUBJECTS:
        return False
    policy = policy_from_version(rma.order.policy_version)
    site = settings.SITE_URL.rstrip("/")
    context = {"rma": rma, "store": policy.store, "site_url": site, "link": link or _link(rma, site)}
    email = EmailMultiAlternatives(
        subject=f"[{policy.store.name}] " + SUBJECTS[kind].format(number=rma.number),
        body=render_to_string(f"aftersales/email/{kind}.txt", context),
        to=[rma.contact_email],
        reply_to=[policy.store.support_email],
    )
    email.attach_alternative(render_to_string(f"aftersales/email/{kind}.html", context), "text/html")
    email.send()
    return True


def _link(rma, site: str) -> str:
    # An end customer's secret link is known only when it is made (the "requested" email): later emails
    # remind them of it instead (empty link); buyers follow the RMA in their account.
    from django.urls import reverse

    if rma.requester == "end_customer":
        return ""
    return site + reverse("storefront:rma_detail", args=[rma.number])


def rma_email_queue(*, rma, kind: str, link: str = "") -> None:
    """Send after commit (through Celery when configured); a mail server that is down is only logged."""
    from tradepost.aftersales.tasks import send_rma_email

    rma_id = rma.pk
    transaction.on_commit(lambda: send_rma_email.delay(rma_id, kind, link), robust=True)
