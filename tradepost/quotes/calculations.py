"""Pure quote-desk math: the SLA due time of an inquiry and the SLA figures of a set of inquiries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from tradepost.core.calendar import WorkingCalendar
from tradepost.policies.schema import SlaClock


def inquiry_due_at(*, received_at: datetime, hours: int, clock: str, calendar: WorkingCalendar) -> datetime:
    """When the quotation is due: `hours` after receipt, around the clock or in the store's working hours."""
    if SlaClock(clock) == SlaClock.WORKING_HOURS:
        return calendar.add_working_hours(received_at, hours)
    return received_at + timedelta(hours=hours)


@dataclass(frozen=True)
class SlaRow:
    received_at: datetime
    due_at: datetime
    first_quoted_at: datetime | None


@dataclass(frozen=True)
class WeekSla:
    week: date  # the Monday (UTC) of the ISO week the inquiries arrived in
    received: int
    decided: int  # quoted, or past due without a quotation: the SLA outcome is known
    within_sla: int

    @property
    def share(self) -> float | None:
        """Share of decided inquiries quoted within the SLA; None when none is decided yet."""
        return None if not self.decided else self.within_sla / self.decided


def within_sla(row: SlaRow) -> bool:
    return row.first_quoted_at is not None and row.first_quoted_at <= row.due_at


def weekly_sla(rows: Iterable[SlaRow], *, now: datetime) -> list[WeekSla]:
    """Per week of arrival, oldest first: inquiries received, with a known outcome, quoted within SLA.

    An inquiry not quoted yet and not yet due has no outcome, so it does not count either way.
    """
    weeks: dict[date, list[int]] = {}
    for row in rows:
        day = row.received_at.date()
        monday = day - timedelta(days=day.weekday())
        counts = weeks.setdefault(monday, [0, 0, 0])
        counts[0] += 1
        if row.first_quoted_at is not None or row.due_at <= now:
            counts[1] += 1
            counts[2] += within_sla(row)
    return [WeekSla(week, *counts) for week, counts in sorted(weeks.items())]


def median_time_to_quote(rows: Iterable[SlaRow]) -> timedelta | None:
    """The median of receipt-to-first-quotation times; None when nothing was quoted."""
    spans = [row.first_quoted_at - row.received_at for row in rows if row.first_quoted_at is not None]
    return median(spans) if spans else None
