"""Review emails: the buyer hears when their review is published or refused (with the reason)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from tradepost.policies.selectors import policy_from_version

SUBJECTS = {
    "approved": "Your review of {part} is published",
    "rejected": "Your review of {part} was not published",
}


def review_email_send(*, review_id: int, kind: str) -> bool:
    """Render and send one review email; False when the review or the kind is unknown."""
    from tradepost.reviews.models import Review

    review = (
        Review.objects.select_related("user", "order_line", "order_line__order__policy_version", "product")
        .filter(pk=review_id)
        .first()
    )
    if review is None or kind not in SUBJECTS:
        return False
    policy = policy_from_version(review.order_line.order.policy_version)
    context = {
        "review": review,
        "line": review.order_line,
        "order": review.order_line.order,
        "store": policy.store,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    text = render_to_string(f"reviews/email/{kind}.txt", context)
    html = render_to_string(f"reviews/email/{kind}.html", context)
    email = EmailMultiAlternatives(
        subject=f"[{policy.store.name}] " + SUBJECTS[kind].format(part=review.order_line.mpn),
        body=text,
        to=[review.user.email],
        reply_to=[policy.store.support_email],
    )
    email.attach_alternative(html, "text/html")
    email.send()
    return True


def review_email_queue(*, review, kind: str) -> None:
    """Send after the surrounding transaction commits; a mail server that is down is logged, not raised."""
    from tradepost.reviews.tasks import send_review_email

    review_id = review.pk
    transaction.on_commit(lambda: send_review_email.delay(review_id, kind), robust=True)
