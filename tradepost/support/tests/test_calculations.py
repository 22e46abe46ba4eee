"""Ticket clocks without a database: targets land inside working time; the next deadline follows status."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from tradepost.core.calendar import get_calendar
from tradepost.support.calculations import next_due, ticket_targets
from tradepost.support.models import ACTIVE_STATUSES, TicketStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = get_calendar("CN", "Asia/Shanghai", None, time(9), time(18))
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(start=instants, first=st.integers(1, 48), extra=st.integers(0, 120))
def test_targets_end_inside_working_time_and_in_order(start, first, extra):
    first_due, resolution_due = ticket_targets(
        start=start, first_response_hours=first, resolution_hours=first + extra, calendar=CALENDAR
    )
    assert start + timedelta(hours=first) <= first_due <= resolution_due
    for due in (first_due, resolution_due):
        local = due.astimezone(SHANGHAI)
        assert CALENDAR.is_working_day(local.date()) and time(9) < local.time() <= time(18)


def test_a_target_over_national_day_skips_the_holiday_week():
    # Tue 30 Sep 2025, 17:00 in Shanghai; 1-8 October are holidays, 11 October a make-up workday.
    start = datetime(2025, 9, 30, 9, 0, tzinfo=UTC)
    first_due, _ = ticket_targets(start=start, first_response_hours=8, resolution_hours=8, calendar=CALENDAR)
    assert first_due.astimezone(SHANGHAI) == datetime(2025, 10, 9, 16, 0, tzinfo=SHANGHAI)


@given(
    status=st.sampled_from(TicketStatus.values),
    reply=st.one_of(st.none(), instants),
    resolution=instants,
    promised=st.one_of(st.none(), instants),
)
def test_the_next_deadline_follows_the_status(status, reply, resolution, promised):
    due = next_due(status=status, reply_due_at=reply, resolution_due_at=resolution, promised_at=promised)
    if status not in ACTIVE_STATUSES:
        assert due is None
    elif status == "researching":
        assert due == promised
    else:
        assert due == min(c for c in (reply, resolution) if c is not None)
