"""Chargeable weight, rate bands and promised dates, without a database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradepost.core.calendar import WorkingCalendar
from tradepost.shipping.calculations import (
    Item,
    Parcel,
    band_price,
    parcel_for,
    promise,
    transit_window,
)

CN = WorkingCalendar(country="CN", timezone="Asia/Shanghai")
D = Decimal


def test_volumetric_weight_wins_for_a_light_bulky_parcel():
    # 400 x 300 x 200 mm = 24,000 cm³; / 5000 = 4.8 kg, far above the 500 g it weighs.
    parcel = parcel_for([Item(weight_grams=500, length_mm=400, width_mm=300, height_mm=200, quantity=1)])
    assert parcel.volume_cm3 == D("24000")
    assert parcel.volumetric_grams(5000) == 4800
    assert parcel.chargeable_grams(5000) == 4800
    assert parcel.chargeable_grams(6000) == 4000


def test_actual_weight_wins_for_a_dense_parcel_and_unknown_sizes_add_only_weight():
    parcel = parcel_for(
        [
            Item(weight_grams=2000, length_mm=100, width_mm=100, height_mm=100, quantity=2),  # 2 l, 4 kg
            Item(weight_grams=30, length_mm=0, width_mm=50, height_mm=50, quantity=10),  # size unknown
        ]
    )
    assert parcel.weight_grams == 4300 and parcel.volume_cm3 == D("2000")
    assert parcel.chargeable_grams(5000) == 4300


def test_volumetric_grams_round_up_to_the_next_gram():
    assert Parcel(weight_grams=0, volume_cm3=D("0.001")).volumetric_grams(5000) == 1
    assert Parcel(weight_grams=0, volume_cm3=D("5")).volumetric_grams(5000) == 1
    assert Parcel(weight_grams=0, volume_cm3=D("0")).volumetric_grams(5000) == 0
    with pytest.raises(ValueError):
        Parcel(weight_grams=0, volume_cm3=D("1")).volumetric_grams(0)


@given(
    weight=st.integers(0, 100_000),
    dims=st.tuples(st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000)),
    quantity=st.integers(0, 500),
    divisor=st.integers(1, 10_000),
)
def test_chargeable_weight_is_never_below_either_weight(weight, dims, quantity, divisor):
    parcel = parcel_for([Item(weight, *dims, quantity)])
    charged = parcel.chargeable_grams(divisor)
    assert charged >= parcel.weight_grams == weight * quantity
    assert charged >= parcel.volumetric_grams(divisor)
    assert charged in (parcel.weight_grams, parcel.volumetric_grams(divisor))


def test_the_lightest_band_that_takes_the_weight_prices_it():
    bands = [(1000, D("30.00")), (500, D("25.00")), (2000, D("40.00"))]
    assert band_price(bands, 0) == D("25.00")
    assert band_price(bands, 500) == D("25.00")
    assert band_price(bands, 501) == D("30.00")
    assert band_price(bands, 2000) == D("40.00")
    assert band_price(bands, 2001) is None
    assert band_price([], 1) is None


@given(
    limits=st.lists(st.integers(1, 50_000), min_size=1, max_size=12, unique=True),
    grams=st.integers(0, 60_000),
)
def test_heavier_parcels_never_cost_less_when_bands_rise_with_weight(limits, grams):
    bands = [(limit, D(limit) / 100) for limit in limits]  # prices rise with the band limit
    price = band_price(bands, grams)
    heavier = band_price(bands, grams + 1)
    if price is None:
        assert heavier is None and grams > max(limits)
    elif heavier is not None:
        assert heavier >= price


def test_promise_counts_working_days_on_the_warehouse_calendar_across_a_weekend():
    # Friday 2026-11-20 10:00 in Shanghai; 1-3 working days: Mon 23 .. Wed 25; transit 6-12 working days.
    start = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    when = promise(
        CN, start, dispatch_min_days=1, dispatch_max_days=3, transit_min_days=6, transit_max_days=12
    )
    local = {
        name: getattr(when, name).astimezone(CN._zone)
        for name in ("dispatch_by", "delivery_from", "delivery_by")
    }
    assert local["dispatch_by"].date().isoformat() == "2026-11-25"
    assert local["delivery_from"].date().isoformat() == "2026-12-01"  # Mon 23 + 6 working days
    assert local["delivery_by"].date().isoformat() == "2026-12-11"  # Wed 25 + 12 working days
    assert local["dispatch_by"].hour == 10  # the time of day is kept


def test_promise_skips_the_national_day_golden_week():
    # Paid Tuesday 2026-09-29; 1 October onwards is a public holiday week in China.
    start = datetime(2026, 9, 29, 4, 0, tzinfo=UTC)
    when = promise(
        CN, start, dispatch_min_days=3, dispatch_max_days=5, transit_min_days=1, transit_max_days=1
    )
    dispatch_by = when.dispatch_by.astimezone(CN._zone).date()
    assert all(CN.is_working_day(day) for day in (dispatch_by,))
    assert dispatch_by > datetime(2026, 10, 7).date()  # the whole holiday week is skipped
    assert CN.working_days_between(start, when.dispatch_by) == 5


def test_transit_window_from_the_actual_shipment_time():
    shipped = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # Friday in Shanghai
    earliest, latest = transit_window(CN, shipped, min_days=3, max_days=6)
    assert earliest.astimezone(CN._zone).date().isoformat() == "2026-12-02"
    assert latest.astimezone(CN._zone).date().isoformat() == "2026-12-07"
    with pytest.raises(ValueError):
        transit_window(CN, shipped, min_days=4, max_days=3)


@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC)
    ),
    dispatch=st.tuples(st.integers(0, 10), st.integers(0, 10)).map(sorted),
    transit=st.tuples(st.integers(1, 30), st.integers(1, 30)).map(sorted),
)
def test_promises_are_ordered_and_land_on_working_days(start, dispatch, transit):
    when = promise(
        CN,
        start,
        dispatch_min_days=dispatch[0],
        dispatch_max_days=dispatch[1],
        transit_min_days=transit[0],
        transit_max_days=transit[1],
    )
    assert start <= when.dispatch_by <= when.delivery_by
    assert when.delivery_from <= when.delivery_by
    assert when.delivery_from - start >= timedelta(days=transit[0])
    for instant in (when.delivery_from, when.delivery_by):
        assert CN.is_working_day(instant.astimezone(CN._zone).date())
