"""Membership emails: plain text and HTML from templates, recorded in the outbox and sent after commit."""

from django.conf import settings
from django.urls import reverse

from tradepost.notifications.services import notify
from tradepost.policies.selectors import policy_from_version

SUBJECTS = {
    "activated": "Your {name} membership is active",
    "cancelled": "Your {name} membership is cancelled",
}


def _membership_email(membership_id: int, kind: str):
    """Render one membership email into the outbox; None when the membership or kind is unknown."""
    from tradepost.memberships.models import Membership

    membership = (
        Membership.objects.select_related("user", "order__policy_version", "refund")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or kind not in SUBJECTS:
        return None
    policy = policy_from_version(membership.order.policy_version)
    context = {
        "membership": membership,
        "user": membership.user,
        "coupons": list(membership.coupons.order_by("kind", "pk")),
        "store": policy.store,
        "rules": policy.membership,
        "guarantee": policy.quality_guarantee,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    return notify(
        kind=f"memberships.{kind}",
        template=f"memberships/email/{kind}",
        context=context,
        subject=f"[{policy.store.name}] " + SUBJECTS[kind].format(name=policy.membership.name),
        user=membership.user,
        reply_to=policy.store.support_email,
        link=reverse("storefront:membership"),
    )


def membership_email_queue(*, membership, kind: str) -> None:
    """Record the email in the outbox in the caller's transaction; it is sent after commit (through
    Celery when a broker is configured), and a mail server that is down is retried from the outbox."""
    _membership_email(membership.pk, kind)
