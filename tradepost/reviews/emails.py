"""Review emails: the buyer hears when their review is published or refused (with the reason).

Rendered into the notifications outbox in the moderation's transaction and sent after commit.
"""

from django.urls import reverse

from tradepost.notifications.services import notify
from tradepost.policies.selectors import policy_from_version

SUBJECTS = {
    "approved": "Your review of {part} is published",
    "rejected": "Your review of {part} was not published",
}


def review_email_queue(*, review, kind: str):
    """Record the email for the review's buyer; None for an unknown kind."""
    if kind not in SUBJECTS:
        return None
    line = review.order_line
    policy = policy_from_version(line.order.policy_version)
    return notify(
        kind=f"reviews.{kind}",
        template=f"reviews/email/{kind}",
        context={"review": review, "line": line, "order": line.order, "store": policy.store},
        subject=f"[{policy.store.name}] " + SUBJECTS[kind].format(part=line.mpn),
        user=review.user,
        reply_to=policy.store.support_email,
        link=reverse("storefront:my_reviews"),
    )
