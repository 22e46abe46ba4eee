"""SLA due times (clock and working hours, frozen time across weekends and holidays) and SLA figures."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from tradepost.conftest import make_user
from tradepost.policies.loading import load_preset
from tradepost.policies.schema import SlaClock
from tradepost.policies.selectors import store_calendar
from tradepost.policies.services import policy_activate
from tradepost.quotes.calculations import (
    SlaRow,
    inquiry_due_at,
    median_time_to_quote,
    weekly_sla,
    within_sla,
)
from tradepost.quotes.tests.factories import quote_shop, unlisted_inquiry

COMPONENTS = load_preset("components")
CALENDAR = store_calendar(COMPONENTS)  # CN holidays, Asia/Shanghai, 09:00-18:00
SHANGHAI = CALENDAR._zone


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def working_hours_policy():
    quotes = COMPONENTS.quotes.model_copy(update={"sla_clock": SlaClock.WORKING_HOURS})
    return COMPONENTS.model_copy(update={"quotes": quotes})


def test_the_components_preset_quotes_within_12_clock_hours():
    assert COMPONENTS.quotes.sla_hours == 12 and COMPONENTS.quotes.sla_clock == "clock_hours"
    friday_evening = local(2026, 12, 4, 17, 0)
    due = inquiry_due_at(received_at=friday_evening, hours=12, clock="clock_hours", calendar=CALENDAR)
    assert due == local(2026, 12, 5, 5, 0)  # Saturday: clock hours ignore the weekend


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Friday 17:00: one hour on Friday, nine on Monday, two on Tuesday.
        (local(2026, 12, 4, 17, 0), local(2026, 12, 8, 11, 0)),
        # Saturday: counting starts at Monday's opening; 9 h Monday, 3 h Tuesday.
        (local(2026, 12, 5, 10, 0), local(2026, 12, 8, 12, 0)),
        # Before National Day: 3 h on 30 September, then the holiday week, then a full 8 October.
        (local(2026, 9, 30, 15, 0), local(2026, 10, 8, 18, 0)),
        # Inside the holiday: nothing counts until 8 October opens (a Saturday make-up workday follows).
        (local(2026, 10, 3, 11, 0), local(2026, 10, 9, 12, 0)),
    ],
)
def test_working_hour_due_times_skip_weekends_and_holidays(received, due):
    assert inquiry_due_at(received_at=received, hours=12, clock="working_hours", calendar=CALENDAR) == due


@pytest.mark.django_db
def test_an_inquiry_keeps_the_due_time_of_its_policy_under_frozen_time(buyer):
    quote_shop()
    policy_activate(policy=working_hours_policy(), source="test")
    with time_machine.travel(local(2026, 9, 30, 15, 0), tick=False):
        inquiry = unlisted_inquiry(buyer)
    assert inquiry.due_at == local(2026, 10, 8, 18, 0)
    # A later policy (clock hours again) does not move it.
    policy_activate(policy=load_preset("components"), source="test")
    inquiry.refresh_from_db()
    assert inquiry.due_at == local(2026, 10, 8, 18, 0)
    with time_machine.travel(local(2026, 12, 4, 17, 0), tick=False):
        later = unlisted_inquiry(make_user("late@example.com"))
    assert later.due_at == local(2026, 12, 5, 5, 0)


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(received=instants, hours=st.integers(min_value=1, max_value=72))
def test_clock_hours_are_exact_and_working_hours_end_inside_working_time(received, hours):
    clock = inquiry_due_at(received_at=received, hours=hours, clock="clock_hours", calendar=CALENDAR)
    assert clock - received == timedelta(hours=hours)
    due = inquiry_due_at(received_at=received, hours=hours, clock="working_hours", calendar=CALENDAR)
    assert due >= clock  # working hours never come sooner than the same number of clock hours
    at = due.astimezone(SHANGHAI)
    assert CALENDAR.is_working_day(at.date())
    assert time(9) < at.time() <= time(18)


def row(received, due_hours, quoted_hours=None):
    received = datetime(2026, 11, 2, tzinfo=UTC) + received
    return SlaRow(
        received,
        received + timedelta(hours=due_hours),
        None if quoted_hours is None else received + timedelta(hours=quoted_hours),
    )


def test_weekly_sla_counts_only_decided_inquiries():
    now = datetime(2026, 11, 10, 12, tzinfo=UTC)
    rows = [
        row(timedelta(hours=1), 12, 3),  # week 1, within
        row(timedelta(hours=2), 12, 20),  # week 1, late
        row(timedelta(hours=3), 12),  # week 1, overdue: decided, missed
        row(timedelta(days=8, hours=6), 12),  # week 2, not due yet: undecided
        row(timedelta(days=7, hours=1), 12, 1),  # week 2, within
    ]
    weeks = weekly_sla(rows, now=now)
    assert [(w.week.isoformat(), w.received, w.decided, w.within_sla) for w in weeks] == [
        ("2026-11-02", 3, 3, 1),
        ("2026-11-09", 2, 1, 1),
    ]
    assert weeks[0].share == pytest.approx(1 / 3) and weeks[1].share == 1.0
    assert median_time_to_quote(rows) == timedelta(hours=3)
    assert median_time_to_quote([row(timedelta(0), 12)]) is None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60 * 24 * 30),
            st.integers(min_value=1, max_value=48),
            st.one_of(st.none(), st.integers(min_value=0, max_value=96)),
        ),
        max_size=40,
    )
)
def test_weekly_figures_add_up(spec):
    now = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [row(timedelta(minutes=m), due, quoted) for m, due, quoted in spec]
    weeks = weekly_sla(rows, now=now)
    assert sum(w.received for w in weeks) == len(rows)
    assert sum(w.within_sla for w in weeks) == sum(within_sla(r) for r in rows)
    for week in weeks:
        assert week.within_sla <= week.decided <= week.received
        assert week.share is None or 0 <= week.share <= 1
