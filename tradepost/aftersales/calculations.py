"""Pure window and refund math for after-sales remedies: no database, no clock of its own.

A window of N days counted from an event closes at the end of the N-th calendar day after it, in the
store's timezone (shipped on the 1st with 14 days: open through the 15th, closed on the 16th). Months
are calendar months (a 31 January start with 1 month ends 28/29 February).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tradepost.core.money import round_money


class Remedy:
    """The after-sales rules an entitlement can come from (policy sections)."""

    QUALITY_GUARANTEE = "quality_guarantee"
    WARRANTY = "warranty"
    MONEY_BACK = "money_back"
    RETURNS = "returns"

    LABELS = {
        QUALITY_GUARANTEE: "Quality guarantee",
        WARRANTY: "Warranty",
        MONEY_BACK: "Money-back guarantee",
        RETURNS: "Returns",
    }


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    """The last instant of `day` in the store's timezone (a window closes when that day ends)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone) - timedelta(microseconds=1)


def window_end(
    start: datetime, zone: ZoneInfo, *, days: int | None = None, months: int | None = None
) -> datetime:
    """When a window of `days` days or `months` months counted from `start` closes."""
    local_start = start.astimezone(zone).date()
    if months is not None:
        last_day = add_months(local_start, months)
    elif days is not None:
        last_day = local_start + timedelta(days=days)
    else:
        raise ValueError("days or months")
    return end_of_local_day(last_day, zone)


@dataclass(frozen=True)
class Window:
    """One remedy for one line: from which event, until when (None: lifetime or not started yet)."""

    remedy: str
    rule: str
    starts_at: datetime | None
    ends_at: datetime | None
    lifetime: bool = False

    @property
    def started(self) -> bool:
        return self.starts_at is not None

    def is_open(self, now: datetime) -> bool:
        if self.starts_at is None or now < self.starts_at:
            return False
        return self.lifetime or (self.ends_at is not None and now <= self.ends_at)

    def closed(self, now: datetime) -> bool:
        return self.started and not self.is_open(now)


def goods_refund(
    *, line_total: Decimal, line_quantity: int, quantity: int, goods_total: Decimal, discount_total: Decimal
) -> Decimal:
    """What `quantity` units of a line cost the buyer: their share of the line, less their share of the
    order's discounts. Shipping and duties are never part of it."""
    if line_quantity <= 0 or quantity <= 0 or line_total <= 0:
        return Decimal("0.00")
    share = line_total * Decimal(min(quantity, line_quantity)) / Decimal(line_quantity)
    if discount_total > 0 and goods_total > 0:
        share -= discount_total * share / goods_total
    return max(round_money(share), Decimal("0.00"))


def refundable(*, amount_paid: Decimal, owed: Decimal) -> Decimal:
    """What may still be refunded on an order: the money held less refunds already owed."""
    return max(round_money(amount_paid - owed), Decimal("0.00"))
