"""Membership emails: plain text and HTML from templates, sent after the change commits."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from tradepost.policies.selectors import policy_from_version

SUBJECTS = {
    "activated": "Your {name} membership is active",
    "cancelled": "Your {name} membership is cancelled",
}


def membership_email_send(*, membership_id: int, kind: str) -> bool:
    """Render and send one membership email; returns False when the membership or kind is unknown."""
    from tradepost.memberships.models import Membership

    membership = (
        Membership.objects.select_related("user", "order__policy_version", "refund")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or kind not in SUBJECTS:
        return False
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
    text = render_to_string(f"memberships/email/{kind}.txt", context)
    html = render_to_string(f"memberships/email/{kind}.html", context)
    email = EmailMultiAlternatives(
        subject=f"[{policy.store.name}] " + SUBJECTS[kind].format(name=policy.membership.name),
        body=text,
        to=[membership.user.email],
        reply_to=[policy.store.support_email],
    )
    email.attach_alternative(html, "text/html")
    email.send()
    return True


def membership_email_queue(*, membership, kind: str) -> None:
    """Send after commit (through Celery when a broker is configured); a mail server that is down is
    logged, never an error for a change that has committed."""
    from tradepost.memberships.tasks import send_membership_email

    membership_id = membership.pk
    transaction.on_commit(lambda: send_membership_email.delay(membership_id, kind), robust=True)
