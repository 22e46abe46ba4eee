from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from tradepost.core.calendar import WorkingCalendar, get_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")

PLACES = [
    ("CN", "Asia/Shanghai"),
    ("HK", "Asia/Hong_Kong"),
    ("US", "America/New_York"),
    ("GB", "Europe/London"),
    ("DE", "Europe/Berlin"),
]

PROPERTY = settings(max_examples=200, deadline=None)


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)


def as_local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone)


# Concrete examples


def test_cn_national_day_week_is_skipped():
    cn = get_calendar("CN", "Asia/Shanghai")

    result = cn.add_working_days(local(SHANGHAI, 2026, 9, 30, 10), 1)

    assert as_local(result, SHANGHAI) == local(SHANGHAI, 2026, 10, 8, 10)
    assert result.tzinfo is UTC


def test_cn_adjusted_weekend_workdays_count_as_working():
    cn = get_calendar("CN", "Asia/Shanghai")

    assert cn.is_working_day(date(2026, 9, 20))  # Sunday, made up for National Day
    assert cn.is_working_day(date(2026, 10, 10))  # Saturday, made up for National Day
    assert not cn.is_working_day(date(2026, 10, 4))  # Sunday inside the holiday week
    assert cn.holiday_name(date(2026, 10, 10)) is None
    friday = local(SHANGHAI, 2026, 10, 9, 15)
    assert as_local(cn.add_working_days(friday, 1), SHANGHAI) == local(SHANGHAI, 2026, 10, 10, 15)


def test_cn_holiday_names():
    cn = get_calendar("CN", "Asia/Shanghai")

    assert cn.holiday_name(date(2026, 10, 1)) == "National Day"
    assert cn.holiday_name(date(2026, 10, 8)) is None
    assert cn.holiday_name(date(2026, 10, 11)) is None  # a plain Sunday is not a holiday


def test_hk_chinese_new_year_is_skipped():
    hk = get_calendar("HK", "Asia/Hong_Kong")

    result = hk.add_working_days(local(HONG_KONG, 2026, 2, 16, 11), 1)

    assert as_local(result, HONG_KONG) == local(HONG_KONG, 2026, 2, 20, 11)


def test_hk_saturday_is_a_working_day_in_the_holidays_package():
    # The holidays package gives Hong Kong a Sunday-only weekend; pin it so a change is noticed.
    hk = get_calendar("HK", "Asia/Hong_Kong")

    assert hk.is_working_day(date(2026, 10, 3))
    assert not hk.is_working_day(date(2026, 10, 4))


def test_us_thanksgiving_is_skipped():
    us = get_calendar("US", "America/New_York")

    result = us.add_working_days(local(NEW_YORK, 2026, 11, 25, 17), 1)

    assert as_local(result, NEW_YORK) == local(NEW_YORK, 2026, 11, 27, 17)
    assert us.holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"


def test_friday_evening_plus_one_is_monday_same_local_time_across_dst():
    us = get_calendar("US", "America/New_York")
    friday_evening = local(NEW_YORK, 2026, 3, 6, 20)  # EST; clocks go forward on Sunday 8 March

    result = us.add_working_days(friday_evening, 1)

    assert as_local(result, NEW_YORK) == local(NEW_YORK, 2026, 3, 9, 20)
    assert result == datetime(2026, 3, 10, 0, tzinfo=UTC)


def test_weekend_start_rolls_to_start_of_next_working_day():
    us = get_calendar("US", "America/New_York")
    saturday = local(NEW_YORK, 2026, 3, 14, 15)

    assert as_local(us.add_working_days(saturday, 0), NEW_YORK) == local(NEW_YORK, 2026, 3, 16, 0)
    assert as_local(us.add_working_days(saturday, 1), NEW_YORK) == local(NEW_YORK, 2026, 3, 17, 0)


def test_holiday_start_rolls_past_observed_days():
    gb = get_calendar("GB", "Europe/London")

    result = gb.add_working_days(local(LONDON, 2026, 12, 25, 12), 0)

    assert as_local(result, LONDON) == local(LONDON, 2026, 12, 29, 0)  # 28th is Boxing Day observed


def test_de_easter_is_skipped():
    de = get_calendar("DE", "Europe/Berlin")

    result = de.add_working_days(local(BERLIN, 2026, 4, 2, 9, 30), 1)

    assert as_local(result, BERLIN) == local(BERLIN, 2026, 4, 7, 9, 30)


def test_zero_days_on_working_day_is_identity():
    cn = get_calendar("CN", "Asia/Shanghai")
    instant = datetime(2026, 10, 8, 3, 17, 5, 123, tzinfo=UTC)

    assert cn.add_working_days(instant, 0) == instant


def test_local_date_decides_not_utc_date():
    cn = get_calendar("CN", "Asia/Shanghai")
    # 23:00 UTC on Wednesday 30 September is already Thursday 1 October, a holiday, in Shanghai.
    instant = datetime(2026, 9, 30, 23, tzinfo=UTC)

    assert as_local(cn.add_working_days(instant, 0), SHANGHAI) == local(SHANGHAI, 2026, 10, 8, 0)


def test_four_hundred_working_days_span_years():
    cn = get_calendar("CN", "Asia/Shanghai")
    start = local(SHANGHAI, 2026, 1, 5, 10)

    result = cn.add_working_days(start, 400)

    assert result.astimezone(SHANGHAI).time() == time(10)
    assert result.astimezone(SHANGHAI).date().year == 2027
    assert _oracle_working_days(cn.country, start.date(), result.astimezone(SHANGHAI).date()) == 400
    assert cn.working_days_between(start, result) == 400


def test_working_days_between_counts_whole_days_only():
    us = get_calendar("US", "America/New_York")
    monday = local(NEW_YORK, 2026, 3, 9, 10)

    assert us.working_days_between(monday, local(NEW_YORK, 2026, 3, 10, 9, 59)) == 0
    assert us.working_days_between(monday, local(NEW_YORK, 2026, 3, 10, 10)) == 1
    assert us.working_days_between(monday, local(NEW_YORK, 2026, 3, 16, 10)) == 5
    with pytest.raises(ValueError, match="before start"):
        us.working_days_between(monday, monday - timedelta(seconds=1))


def test_next_working_day():
    cn = get_calendar("CN", "Asia/Shanghai")

    assert cn.next_working_day(date(2026, 10, 8)) == date(2026, 10, 8)
    assert cn.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)


# Daylight saving: an Israeli working week (Sunday is a workday) on New York clocks puts the
# American clock changes, which happen on a Sunday, on working days.


def test_skipped_local_time_becomes_the_moment_clocks_jump():
    calendar = WorkingCalendar(country="IL", timezone="America/New_York")
    thursday = [local(NEW_YORK, 2026, 3, 5, *hm) for hm in [(1, 59), (2, 30), (3, 0), (3, 15)]]

    results = [calendar.add_working_days(instant, 1) for instant in thursday]

    assert results == [
        datetime(2026, 3, 8, 6, 59, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # 02:30 does not exist on Sunday 8 March
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 15, tzinfo=UTC),
    ]


def test_repeated_hour_stays_in_order():
    calendar = WorkingCalendar(country="IL", timezone="America/New_York")
    first_pass = local(NEW_YORK, 2026, 11, 1, 1, 30)
    second_pass = local(NEW_YORK, 2026, 11, 1, 1, 10, fold=1)
    after = local(NEW_YORK, 2026, 11, 1, 2, 5)
    # Same-zone comparison ignores fold, so compare in UTC.
    assert first_pass.astimezone(UTC) < second_pass.astimezone(UTC) < after.astimezone(UTC)

    results = [calendar.add_working_days(instant, 1) for instant in (first_pass, second_pass, after)]

    assert results == [
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),  # 01:30 EST
        datetime(2026, 11, 2, 7, 0, tzinfo=UTC),  # 02:00 EST: the second pass counts as the repeat's end
        datetime(2026, 11, 2, 7, 5, tzinfo=UTC),  # 02:05 EST
    ]
    assert calendar.add_working_days(second_pass, 0) == second_pass.astimezone(UTC)
    assert calendar.add_working_days(second_pass, 0).astimezone(NEW_YORK).fold == 1


def test_working_hours_are_real_elapsed_time_on_a_dst_day():
    calendar = WorkingCalendar(
        country="IL", timezone="America/New_York", workday_start=time(0), workday_end=time(6)
    )
    opening = local(NEW_YORK, 2026, 3, 8, 0)

    # The clocks skip 02:00-03:00, so this day has five working hours, not six.
    assert calendar.add_working_hours(opening, 5) == local(NEW_YORK, 2026, 3, 8, 6)
    assert calendar.add_working_hours(opening, 6) == local(NEW_YORK, 2026, 3, 9, 1)


# Working hours


def test_working_hours_roll_over_the_weekend():
    us = get_calendar("US", "America/New_York")

    result = us.add_working_hours(local(NEW_YORK, 2026, 3, 13, 17), 2)

    assert as_local(result, NEW_YORK) == local(NEW_YORK, 2026, 3, 16, 10)


def test_working_hours_landing_on_closing_time_stay_there():
    us = get_calendar("US", "America/New_York")

    result = us.add_working_hours(local(NEW_YORK, 2026, 3, 10, 16), 2)

    assert as_local(result, NEW_YORK) == local(NEW_YORK, 2026, 3, 10, 18)


def test_working_hours_outside_hours_start_at_next_opening():
    us = get_calendar("US", "America/New_York")

    assert as_local(us.add_working_hours(local(NEW_YORK, 2026, 3, 10, 7), 1), NEW_YORK) == local(
        NEW_YORK, 2026, 3, 10, 10
    )
    assert as_local(us.add_working_hours(local(NEW_YORK, 2026, 3, 14, 12), 1), NEW_YORK) == local(
        NEW_YORK, 2026, 3, 16, 10
    )
    assert as_local(us.add_working_hours(local(NEW_YORK, 2026, 3, 10, 18), 0), NEW_YORK) == local(
        NEW_YORK, 2026, 3, 11, 9
    )


def test_zero_working_hours_inside_hours_is_identity():
    us = get_calendar("US", "America/New_York")
    instant = local(NEW_YORK, 2026, 3, 10, 10, 15, 7)

    assert us.add_working_hours(instant, 0) == instant
    assert us.add_working_hours(instant, Decimal("0")) == instant


def test_fractional_working_hours():
    cn = get_calendar("CN", "Asia/Shanghai")

    result = cn.add_working_hours(local(SHANGHAI, 2026, 9, 30, 17), Decimal("1.5"))

    assert as_local(result, SHANGHAI) == local(SHANGHAI, 2026, 10, 8, 9, 30)


def test_working_hours_span_several_days():
    de = get_calendar("DE", "Europe/Berlin")

    result = de.add_working_hours(local(BERLIN, 2026, 3, 2, 9), 27)

    assert as_local(result, BERLIN) == local(BERLIN, 2026, 3, 4, 18)


def test_custom_working_hours():
    calendar = get_calendar("GB", "Europe/London", workday_start=time(8, 30), workday_end=time(12))

    result = calendar.add_working_hours(local(LONDON, 2026, 3, 2, 11), 2)

    assert as_local(result, LONDON) == local(LONDON, 2026, 3, 3, 9, 30)


# Bad input


def test_negative_days_are_rejected():
    with pytest.raises(ValueError, match="negative"):
        get_calendar("US", "America/New_York").add_working_days(datetime(2026, 3, 9, tzinfo=UTC), -1)


def test_negative_hours_are_rejected():
    with pytest.raises(ValueError, match="negative"):
        get_calendar("US", "America/New_York").add_working_hours(datetime(2026, 3, 9, tzinfo=UTC), -1)


def test_float_hours_are_rejected():
    with pytest.raises(TypeError):
        get_calendar("US", "America/New_York").add_working_hours(datetime(2026, 3, 9, tzinfo=UTC), 1.5)


def test_naive_datetimes_are_rejected():
    us = get_calendar("US", "America/New_York")
    naive = datetime(2026, 3, 9, 10)

    with pytest.raises(ValueError, match="naive"):
        us.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        us.add_working_hours(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        us.working_days_between(naive, datetime(2026, 3, 10, tzinfo=UTC))


def test_unknown_country_is_named():
    with pytest.raises(ValueError, match="'XX'"):
        WorkingCalendar(country="XX", timezone="UTC")


def test_unknown_subdivision_is_named():
    with pytest.raises(ValueError, match="'US/ZZ'"):
        WorkingCalendar(country="US", subdivision="ZZ", timezone="America/New_York")


@pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "../etc/passwd", ""])
def test_unknown_timezone_is_named(timezone):
    with pytest.raises(ValueError, match=f"Unknown timezone {timezone!r}"):
        WorkingCalendar(country="US", timezone=timezone)


def test_working_hours_must_be_ordered():
    with pytest.raises(ValueError, match="before workday end"):
        WorkingCalendar(country="US", timezone="UTC", workday_start=time(18), workday_end=time(9))


def test_get_calendar_is_cached():
    assert get_calendar("CN", "Asia/Shanghai") is get_calendar("CN", "Asia/Shanghai")


# Properties


@cache
def _oracle(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=range(2019, 2040))


def _oracle_working_days(country: str, after: date, through: date) -> int:
    """Count working days in (after, through] straight from the holidays package."""
    oracle = _oracle(country)
    return sum(oracle.is_working_day(after + timedelta(days=n)) for n in range(1, (through - after).days + 1))


instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
places = st.sampled_from(PLACES)
day_counts = st.integers(min_value=0, max_value=60)
hour_counts = st.one_of(
    st.integers(min_value=0, max_value=60),
    st.decimals(min_value=0, max_value=60, places=2),
)


def _calendar(place: tuple[str, str]) -> WorkingCalendar:
    return get_calendar(*place)


@PROPERTY
@given(place=places, a=instants, b=instants, days=day_counts)
@example(
    place=("US", "America/New_York"),
    a=local(NEW_YORK, 2026, 11, 1, 1, 30),
    b=local(NEW_YORK, 2026, 11, 1, 1, 10, fold=1),
    days=1,
)
def test_add_working_days_is_monotonic_in_instant(place, a, b, days):
    calendar = _calendar(place)
    a, b = sorted([a, b])

    assert calendar.add_working_days(a, days) <= calendar.add_working_days(b, days)


@PROPERTY
@given(place=places, instant=instants, days=day_counts, more=st.integers(min_value=0, max_value=30))
def test_add_working_days_is_monotonic_in_days(place, instant, days, more):
    calendar = _calendar(place)

    assert calendar.add_working_days(instant, days) <= calendar.add_working_days(instant, days + more)


@PROPERTY
@given(place=places, instant=instants, days=day_counts)
def test_add_working_days_lands_on_a_working_day_and_counts_them(place, instant, days):
    calendar = _calendar(place)
    zone = ZoneInfo(place[1])

    result = calendar.add_working_days(instant, days)

    assert result.tzinfo is UTC
    assert result >= instant
    start_day = instant.astimezone(zone).date()
    end_day = result.astimezone(zone).date()
    assert calendar.is_working_day(end_day)
    assert _oracle(place[0]).is_working_day(end_day)
    if calendar.is_working_day(start_day):
        assert _oracle_working_days(place[0], start_day, end_day) == days
    else:
        assert _oracle_working_days(place[0], start_day, end_day) == days + 1
        assert result.astimezone(zone).time() == time(0)


@PROPERTY
@given(place=places, instant=instants, days=st.integers(min_value=1, max_value=60))
def test_add_working_days_keeps_local_time_of_day(place, instant, days):
    calendar = _calendar(place)
    zone = ZoneInfo(place[1])
    assume(calendar.is_working_day(instant.astimezone(zone).date()))

    result = calendar.add_working_days(instant, days)

    # Shifts only where the target date's clocks skip or repeat that time, which 09:00-18:00 never is.
    start_time = instant.astimezone(zone).time()
    if time(4) <= start_time <= time(22):
        assert result.astimezone(zone).time() == start_time


@PROPERTY
@given(place=places, instant=instants)
def test_zero_working_days_is_identity_on_a_working_day(place, instant):
    calendar = _calendar(place)
    local_day = instant.astimezone(ZoneInfo(place[1])).date()

    result = calendar.add_working_days(instant, 0)

    if calendar.is_working_day(local_day):
        assert result == instant
    else:
        assert result > instant


@PROPERTY
@given(place=places, instant=instants, days=day_counts)
def test_working_days_between_inverts_add_working_days(place, instant, days):
    calendar = _calendar(place)
    result = calendar.add_working_days(instant, days)

    assert calendar.working_days_between(instant, result) == days
    if days > 0:
        assert calendar.working_days_between(instant, result - timedelta(microseconds=1)) == days - 1


@PROPERTY
@given(place=places, a=instants, b=instants, hours=hour_counts)
def test_add_working_hours_is_monotonic_in_instant(place, a, b, hours):
    calendar = _calendar(place)
    a, b = sorted([a, b])

    assert calendar.add_working_hours(a, hours) <= calendar.add_working_hours(b, hours)


@PROPERTY
@given(place=places, instant=instants, hours=hour_counts, more=hour_counts)
def test_add_working_hours_is_monotonic_in_hours(place, instant, hours, more):
    calendar = _calendar(place)

    assert calendar.add_working_hours(instant, hours) <= calendar.add_working_hours(instant, hours + more)


@PROPERTY
@given(place=places, instant=instants, hours=hour_counts)
def test_add_working_hours_ends_inside_working_hours(place, instant, hours):
    calendar = _calendar(place)
    zone = ZoneInfo(place[1])

    result = calendar.add_working_hours(instant, hours)
    result_local = result.astimezone(zone)

    assert result >= instant
    assert calendar.is_working_day(result_local.date())
    assert time(9) <= result_local.time() <= time(18)
    if hours > 0:
        assert result_local.time() > time(9)


@PROPERTY
@given(place=places, instant=instants, first=hour_counts, second=hour_counts)
def test_add_working_hours_is_additive(place, instant, first, second):
    calendar = _calendar(place)
    # Zero more hours from closing time moves to the next opening, so the split only holds after work.
    assume(second > 0)

    whole = calendar.add_working_hours(instant, first + second)
    split = calendar.add_working_hours(calendar.add_working_hours(instant, first), second)

    assert whole == split


@PROPERTY
@given(place=places, instant=instants)
def test_zero_working_hours_is_identity_inside_working_hours(place, instant):
    calendar = _calendar(place)
    instant_local = instant.astimezone(ZoneInfo(place[1]))
    inside = calendar.is_working_day(instant_local.date()) and time(9) <= instant_local.time() < time(18)

    result = calendar.add_working_hours(instant, 0)

    assert (result == instant) == inside


# The same properties around the American clock changes, on working days (see the DST tests above).

dst_instants = st.one_of(
    st.datetimes(min_value=datetime(2026, 3, 5), max_value=datetime(2026, 3, 10), timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(2026, 10, 29), max_value=datetime(2026, 11, 3), timezones=st.just(UTC)),
)


@PROPERTY
@given(a=dst_instants, b=dst_instants, days=st.integers(min_value=0, max_value=3))
def test_add_working_days_is_monotonic_across_clock_changes(a, b, days):
    calendar = get_calendar("IL", "America/New_York")
    a, b = sorted([a, b])

    assert calendar.add_working_days(a, days) <= calendar.add_working_days(b, days)
    assert calendar.working_days_between(a, calendar.add_working_days(a, days)) == days


@PROPERTY
@given(a=dst_instants, b=dst_instants, hours=hour_counts)
def test_add_working_hours_is_monotonic_across_clock_changes(a, b, hours):
    calendar = get_calendar("IL", "America/New_York", workday_start=time(1), workday_end=time(3))
    a, b = sorted([a, b])

    assert calendar.add_working_hours(a, hours) <= calendar.add_working_hours(b, hours)
