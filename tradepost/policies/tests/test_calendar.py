"""The store calendar is built from the policy: its warehouse country, timezone and working hours."""

from datetime import UTC, datetime

from tradepost.policies.loading import load_preset
from tradepost.policies.selectors import store_calendar


def test_components_store_counts_days_on_the_chinese_calendar():
    calendar = store_calendar(load_preset("components"))
    # Paid Wed 30 Sep 2026, 10:00 in Shanghai. 1-7 Oct are the National Day holidays and Sat 10 Oct is a
    # make-up working day, so the three working days are 8, 9 and 10 Oct.
    paid = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    assert calendar.add_working_days(paid, 3) == datetime(2026, 10, 10, 2, 0, tzinfo=UTC)


def test_working_hours_come_from_the_policy():
    policy = load_preset("direct")
    calendar = store_calendar(policy)
    start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai, opening time
    assert calendar.add_working_hours(start, 9) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 18:00 closing
    assert calendar.add_working_hours(start, 10) == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tue 10:00
