"""The order state table: which status may follow which, and who may make the move."""

from tradepost.core.exceptions import Conflict
from tradepost.orders.models import OrderStatus as S


class InvalidTransition(Conflict):
    code = "invalid_transition"


# status -> statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    # COMPLETED straight from PAID only for an order with nothing to ship (a membership).
    S.PAID: frozenset({S.IN_REVIEW, S.APPROVED, S.ON_HOLD, S.CANCELLED, S.COMPLETED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.ON_HOLD, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.IN_REVIEW, S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.ON_HOLD, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Before the first parcel leaves, the buyer may cancel on their own.
BUYER_CANCELLABLE = frozenset({S.AWAITING_PAYMENT, S.PAID, S.IN_REVIEW, S.ON_HOLD, S.APPROVED})
# Paid and not yet shipped: the statuses the review desk and the shortfall proposals work on.
REVIEWABLE = frozenset({S.PAID, S.IN_REVIEW, S.ON_HOLD})
CHANGEABLE = frozenset({S.PAID, S.IN_REVIEW, S.ON_HOLD, S.APPROVED})
FINAL = frozenset({S.COMPLETED, S.CANCELLED})


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str) -> None:
    if not can_transition(current, target):
        raise InvalidTransition(
            f"An order that is {S(current).label.lower()} cannot become {S(target).label.lower()}."
        )
