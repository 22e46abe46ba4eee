"""Ticket clocks as pure functions: the targets from the policy in working hours, and the next deadline."""

from datetime import datetime

from tradepost.core.calendar import WorkingCalendar

# Statuses in which the store owes the next step, so a clock runs (see models.ACTIVE_STATUSES).
_RUNNING = ("new", "open", "escalated", "researching")


def ticket_targets(
    *, start: datetime, first_response_hours: int, resolution_hours: int, calendar: WorkingCalendar
) -> tuple[datetime, datetime]:
    """When the first reply and the resolution are due, counting only the store's working hours."""
    return (
        calendar.add_working_hours(start, first_response_hours),
        calendar.add_working_hours(start, resolution_hours),
    )


def next_due(
    *,
    status: str,
    reply_due_at: datetime | None,
    resolution_due_at: datetime | None,
    promised_at: datetime | None,
) -> datetime | None:
    """The store's next deadline: none while waiting on the buyer or done; the promise while researching;
    otherwise the earlier of a reply owed and the resolution."""
    if status not in _RUNNING:
        return None
    if status == "researching":
        return promised_at
    clocks = [c for c in (reply_due_at, resolution_due_at) if c is not None]
    return min(clocks) if clocks else None
