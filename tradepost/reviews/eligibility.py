"""When a buyer may review an order line: the policy's `[reviews]` section and the line's delivery. Pure."""

from dataclasses import dataclass
from datetime import datetime

from tradepost.policies.schema import StorePolicy


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def review_refusal(*, policy: StorePolicy, line, delivered_at: datetime | None) -> Refusal | None:
    """Why this line cannot be reviewed under the order's policy, or None when it can.

    `delivered_at` is when the first parcel holding the line arrived (or the order's delivery time).
    """
    section = policy.reviews
    if not section.enabled:
        return Refusal("reviews_disabled", "This store does not take reviews.")
    if section.after == "delivery" and delivered_at is None:
        if line.cancelled and not line.quantity_shipped:
            return Refusal("line_cancelled", "This line was cancelled; nothing was delivered to review.")
        return Refusal("not_delivered", "You can review this part once it has been delivered.")
    return None
