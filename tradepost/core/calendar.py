"""The store's working-day calendar: public holidays and working hours in the warehouse's timezone."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from holidays import HolidayBase

_ONE_DAY = timedelta(days=1)
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


@lru_cache(maxsize=256)
def _holidays_for_year(country: str, subdivision: str | None, year: int) -> HolidayBase:
    """Return the holidays object for one country, subdivision and year, built once."""
    try:
        return holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as exc:
        # holidays signals unknown countries and subdivisions with NotImplementedError.
        place = country if subdivision is None else f"{country}/{subdivision}"
        raise ValueError(f"Unknown holiday calendar {place!r}: {exc}") from exc


@lru_cache(maxsize=256)
def _non_working_days(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Return every weekend day and holiday of the year, minus the make-up workdays."""
    calendar = _holidays_for_year(country, subdivision, year)
    day = date(year, 1, 1)
    closed = set()
    while day.year == year:
        if not calendar.is_working_day(day):
            closed.add(day)
        day += _ONE_DAY
    return frozenset(closed)


def _load_zone(name: str) -> ZoneInfo:
    """Return the zone for an IANA name, or raise ValueError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"Unknown timezone {name!r}") from exc


def _as_utc(instant: datetime) -> datetime:
    """Return an aware datetime in UTC, refusing naive ones."""
    if not isinstance(instant, datetime):
        raise TypeError(f"Expected a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"Expected a timezone-aware datetime, got naive {instant.isoformat()}")
    # Same-zone arithmetic and comparison in Python ignore fold and DST, so work in UTC only.
    return instant.astimezone(UTC)


def _first_instant_after(earlier: datetime, later: datetime, zone: ZoneInfo) -> datetime:
    """Bisect to the first UTC instant in (earlier, later] whose local offset and fold match `later`'s."""
    target = later.astimezone(zone)
    target_key = (target.utcoffset(), target.fold)
    while later - earlier > timedelta(microseconds=1):
        middle = earlier + (later - earlier) // 2
        local = middle.astimezone(zone)
        if (local.utcoffset(), local.fold) == target_key:
            later = middle
        else:
            earlier = middle
    return later


class WorkingCalendar:
    """Working days and hours of one warehouse: its country's public holidays, in its local timezone."""

    def __init__(
        self,
        *,
        country: str,
        timezone: str,
        subdivision: str | None = None,
        workday_start: time = time(9),
        workday_end: time = time(18),
    ):
        if workday_start.tzinfo is not None or workday_end.tzinfo is not None:
            raise ValueError("Working hours are local wall-clock times and must not carry a tzinfo")
        if not workday_start < workday_end:
            raise ValueError(f"Workday start {workday_start} must be before workday end {workday_end}")
        self.country = country
        self.subdivision = subdivision
        self.timezone = timezone
        self.workday_start = workday_start
        self.workday_end = workday_end
        self._zone = _load_zone(timezone)
        # Fail here rather than on the first lookup, so policy validation can rely on the constructor.
        _holidays_for_year(country, subdivision, date.today().year)

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(country={self.country!r}, subdivision={self.subdivision!r}, "
            f"timezone={self.timezone!r}, hours={self.workday_start}-{self.workday_end})"
        )

    # Days

    def is_working_day(self, day: date) -> bool:
        """Return whether the store works on this local date (weekend make-up workdays count)."""
        return day not in _non_working_days(self.country, self.subdivision, day.year)

    def holiday_name(self, day: date) -> str | None:
        """Return the public holiday's name for this local date, or None (plain weekends are None)."""
        return _holidays_for_year(self.country, self.subdivision, day.year).get(day)

    def next_working_day(self, day: date) -> date:
        """Return the first working day on or after this local date."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, instant: datetime, days: int) -> datetime:
        """Return the instant `days` working days later, in UTC.

        The instant is read in the warehouse's local time. If its local date is not a working day it
        first moves to 00:00 local on the next working day. It then steps forward `days` working days,
        keeping the local time of day, so the result never falls on a non-working day and `days=0` on a
        working day returns the instant unchanged. A time of day the clocks skip on the target date
        becomes the instant they jump; the repeated hour of a fall-back night counts as its end, which
        keeps the result monotonic in the instant.
        """
        instant = _as_utc(instant)
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"Working days must be an int, got {type(days).__name__}")
        if days < 0:
            raise ValueError(f"Working days must not be negative, got {days}")
        day = instant.astimezone(self._zone).date()
        if self.is_working_day(day):
            if days == 0:
                return instant
            wall = self._wall_time(instant)
        else:
            day = self.next_working_day(day)
            wall = time(0)
        for _ in range(days):
            day = self.next_working_day(day + _ONE_DAY)
        return self._instant(day, wall)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Return the whole working days elapsed: the largest n with add_working_days(start, n) <= end.

        It is 0 when there is none, e.g. a weekend start and an end before the next working day; an end
        before the start raises ValueError.
        """
        start = _as_utc(start)
        end = _as_utc(end)
        if end < start:
            raise ValueError(f"End {end.isoformat()} is before start {start.isoformat()}")
        day = start.astimezone(self._zone).date()
        if self.is_working_day(day):
            wall = self._wall_time(start)
        else:
            day = self.next_working_day(day)
            wall = time(0)
        last_day = end.astimezone(self._zone).date()
        count = 0
        candidate = self.next_working_day(day + _ONE_DAY)
        while candidate <= last_day:
            if self._instant(candidate, wall) > end:
                break
            count += 1
            candidate = self.next_working_day(candidate + _ONE_DAY)
        return count

    # Hours

    def add_working_hours(self, instant: datetime, hours: int | Decimal) -> datetime:
        """Return the instant, in UTC, by which `hours` working hours have elapsed since `instant`.

        Only time inside [workday_start, workday_end) of working days counts. Counting starts at the
        next opening when the instant is outside working hours; a result that lands exactly on closing
        time stays there rather than moving to the next opening. Fractional hours are rounded to the
        microsecond. Elapsed time is real time, so a DST change inside working hours shortens or
        lengthens that day.
        """
        instant = _as_utc(instant)
        remaining = self._hours_to_timedelta(hours)
        cursor = instant
        day = instant.astimezone(self._zone).date()
        while True:
            if self.is_working_day(day):
                opening = self._instant(day, self.workday_start)
                closing = self._instant(day, self.workday_end)
                cursor = max(cursor, opening)
                if cursor < closing:
                    available = closing - cursor
                    if remaining <= available:
                        return cursor + remaining
                    remaining -= available
                    cursor = closing
            day += _ONE_DAY

    # Local time helpers

    def _wall_time(self, instant: datetime) -> time:
        """Return a UTC instant's local time of day, with the repeated fall-back hour pinned to its end."""
        local = instant.astimezone(self._zone)
        if local.fold:
            # The second pass reads earlier on the clock than the first; pinning it keeps order.
            end_of_repeat = _first_instant_after(instant, instant + timedelta(days=1), self._zone)
            local = end_of_repeat.astimezone(self._zone)
        return local.time()

    def _instant(self, day: date, wall: time) -> datetime:
        """Return the UTC instant of a local date and time; skipped times become the moment of the jump."""
        local = datetime.combine(day, wall, tzinfo=self._zone)
        utc = local.astimezone(UTC)
        if utc.astimezone(self._zone).replace(tzinfo=None) == local.replace(tzinfo=None):
            return utc
        before_jump = local.replace(fold=1).astimezone(UTC)
        return _first_instant_after(before_jump, utc, self._zone)

    @staticmethod
    def _hours_to_timedelta(hours: int | Decimal) -> timedelta:
        """Return a non-negative int or Decimal number of hours as a timedelta, to the microsecond."""
        if isinstance(hours, bool) or not isinstance(hours, int | Decimal):
            raise TypeError(f"Working hours must be an int or Decimal, got {type(hours).__name__}")
        if isinstance(hours, Decimal) and not hours.is_finite():
            raise ValueError(f"Working hours must be finite, got {hours}")
        if hours < 0:
            raise ValueError(f"Working hours must not be negative, got {hours}")
        try:
            microseconds = (Decimal(hours) * _MICROSECONDS_PER_HOUR).to_integral_value(ROUND_HALF_UP)
        except InvalidOperation as exc:
            raise ValueError(f"Working hours {hours} are out of range") from exc
        return timedelta(microseconds=int(microseconds))


@lru_cache(maxsize=64)
def get_calendar(
    country: str,
    timezone: str,
    subdivision: str | None = None,
    workday_start: time = time(9),
    workday_end: time = time(18),
) -> WorkingCalendar:
    """Return the shared calendar for a country, timezone and working hours."""
    return WorkingCalendar(
        country=country,
        timezone=timezone,
        subdivision=subdivision,
        workday_start=workday_start,
        workday_end=workday_end,
    )
