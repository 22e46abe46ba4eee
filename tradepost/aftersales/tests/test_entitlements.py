"""Each preset's remedies on both sides of every window edge, with frozen time (the one selector)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tradepost.aftersales.calculations import Remedy
from tradepost.aftersales.selectors import order_entitlements
from tradepost.aftersales.tests.factories import LM317, delivered_order, set_warranty_class, shop

pytestmark = pytest.mark.django_db

SHIPPED = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Hong Kong / Shanghai
DELIVERED = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def windows(order, at):
    with time_machine.travel(at, tick=False):
        line = next(item for item in order_entitlements(order) if item.line.sku == LM317)
    return {e.remedy: e for e in line.entitlements}, line


def local_days(start, days, tz):
    """The last instant of day `days` counted from start's local date, in the store's timezone."""
    zone = ZoneInfo(tz)
    day = start.astimezone(zone).date() + timedelta(days=days + 1)
    return datetime(day.year, day.month, day.day, tzinfo=zone) - timedelta(microseconds=1)


@pytest.mark.parametrize(("member", "days"), [(False, 90), (True, 100)])
def test_components_quality_guarantee_90_or_100_days_from_delivery_by_membership(buyer, member, days):
    shop("components")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED, member=member)
    found, _line = windows(order, DELIVERED + timedelta(days=days))
    qg = found[Remedy.QUALITY_GUARANTEE]
    assert set(found) == {Remedy.QUALITY_GUARANTEE}  # no warranty, money-back or returns here
    assert qg.open, qg
    assert qg.ends_at == local_days(DELIVERED, days, _tz(order))
    assert f"{days}-day" in qg.rule and "delivery" in qg.rule
    assert not windows(order, DELIVERED + timedelta(days=days + 1))[0][Remedy.QUALITY_GUARANTEE].open
    # the very edge: open at the last microsecond of the last day, closed right after
    assert windows(order, qg.ends_at)[0][Remedy.QUALITY_GUARANTEE].open
    assert not windows(order, qg.ends_at + timedelta(microseconds=1))[0][Remedy.QUALITY_GUARANTEE].open


def test_components_member_day_95_is_only_open_for_members(buyer, other_buyer):
    shop("components")
    plain = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    member = delivered_order(other_buyer, shipped=SHIPPED, delivered=DELIVERED, member=True)
    at = DELIVERED + timedelta(days=95)
    assert not windows(plain, at)[0][Remedy.QUALITY_GUARANTEE].open
    assert windows(member, at)[0][Remedy.QUALITY_GUARANTEE].open


def test_components_guarantee_waits_for_delivery_but_a_lost_parcel_counts_from_shipment(buyer):
    shop("components")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=None)
    with time_machine.travel(SHIPPED + timedelta(days=20), tick=False):
        line = next(item for item in order_entitlements(order) if item.line.sku == LM317)
    fault, lost = line.entitlements
    assert not fault.open and fault.window.starts_at is None and "delivery" in fault.not_started_because
    assert lost.open and lost.reasons == {"lost_parcel"}
    assert lost.ends_at == local_days(SHIPPED, 90, _tz(order))


def test_wholesale_money_back_day_14_open_day_15_closed_from_first_shipment(buyer):
    shop("wholesale")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    day14, _ = windows(order, SHIPPED + timedelta(days=14))
    day15, _ = windows(order, SHIPPED + timedelta(days=15))
    assert day14[Remedy.MONEY_BACK].open and not day15[Remedy.MONEY_BACK].open
    assert day14[Remedy.MONEY_BACK].ends_at == local_days(SHIPPED, 14, _tz(order))
    assert "shipping is not refunded" in day14[Remedy.MONEY_BACK].rule
    assert Remedy.QUALITY_GUARANTEE not in day14 and Remedy.RETURNS not in day14


def test_wholesale_warranty_by_class_from_delivery(buyer):
    shop("wholesale")
    set_warranty_class("regulators", "cell_phones")  # 12 months
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    last = local_days(DELIVERED, 0, _tz(order)).replace(year=2027)
    found, line = windows(order, last)
    assert found[Remedy.WARRANTY].open and found[Remedy.WARRANTY].ends_at == last
    assert (
        "Mobile phones: 12 months" in found[Remedy.WARRANTY].rule and line.warranty_class == "Mobile phones"
    )
    assert not windows(order, last + timedelta(microseconds=1))[0][Remedy.WARRANTY].open


def test_wholesale_default_class_is_three_months(buyer):
    shop("wholesale")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    found, _ = windows(order, DELIVERED)
    assert "Everything else: 3 months" in found[Remedy.WARRANTY].rule
    end = found[Remedy.WARRANTY].ends_at
    assert end == local_days(DELIVERED, 0, _tz(order)).replace(month=6)
    assert windows(order, end)[0][Remedy.WARRANTY].open
    assert not windows(order, end + timedelta(seconds=1))[0][Remedy.WARRANTY].open


def test_wholesale_lifetime_accessories_never_close(buyer):
    shop("wholesale")
    set_warranty_class("regulators", "cell_phone_accessories")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    found, _ = windows(order, DELIVERED + timedelta(days=365 * 30))
    warranty = found[Remedy.WARRANTY]
    assert warranty.open and warranty.lifetime and warranty.ends_at is None
    assert "lifetime" in warranty.rule
    assert not windows(order, DELIVERED - timedelta(days=1))[0][
        Remedy.WARRANTY
    ].open  # not delivered yet then


def test_direct_returns_60_days_from_delivery(buyer):
    shop("direct")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    day60, _ = windows(order, DELIVERED + timedelta(days=60))
    day61, _ = windows(order, DELIVERED + timedelta(days=61))
    assert set(day60) == {Remedy.RETURNS}
    assert day60[Remedy.RETURNS].open and not day61[Remedy.RETURNS].open
    assert day60[Remedy.RETURNS].ends_at == local_days(DELIVERED, 60, _tz(order))


def test_only_shipped_lines_have_entitlements(buyer):
    from tradepost.aftersales.tests.factories import paid_order, ship

    shop("components")
    order = paid_order(buyer, at=SHIPPED - timedelta(days=1))
    lm = order.lines.get(sku=LM317)
    ship(order, at=SHIPPED, quantities={lm.pk: 4})
    items = order_entitlements(order)
    assert [(item.line.sku, item.claimable) for item in items] == [(LM317, 4)]


def _tz(order) -> str:
    from tradepost.orders.services import order_policy

    return order_policy(order).store.timezone
