"""Quotes, shipments and tracking through the services, on the store's own calendar."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from tradepost.catalog.models import Product
from tradepost.core.exceptions import Conflict, ValidationFailed
from tradepost.orders import services as orders
from tradepost.orders.models import OrderEvent, OrderStatus
from tradepost.orders.tests.factories import activate, make_address, place, shop, staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.policies.selectors import policy_active, store_calendar
from tradepost.shipping.calculations import Item
from tradepost.shipping.models import Shipment, TrackingEvent, ZoneCountry
from tradepost.shipping.selectors import dispatch_queue, shipping_quote, stale_shipments
from tradepost.shipping.services import shipment_create, shipment_mark_delivered, tracking_events_record

pytestmark = pytest.mark.django_db
D = Decimal
LM317 = "TI-LM317T"
AMS = "AMS-1117-33"


def quote(country, grams=100, *, dims=(0, 0, 0)):
    return shipping_quote(policy=policy_active().policy, country=country, items=[Item(grams, *dims, 1)])


def paid(order, staff):
    wire_receipt_record(order=order, amount=order.total, bank_reference=f"BANK-{order.number}", actor=staff)
    order.refresh_from_db()
    return order


def shippable(buyer, staff, items=None, **kwargs):
    order = paid(place(buyer, items or {LM317: 10, AMS: 5}, **kwargs), staff)
    assert order.status == OrderStatus.APPROVED  # components: no review
    return order


# --- Quotes -------------------------------------------------------------------------------------------


def test_components_buyers_choose_among_the_policys_carriers_priced_by_zone_and_weight():
    shop("components")
    light, heavy = quote("NL", 400), quote("NL", 1200)
    assert [o.code for o in light.options] == ["ups.saver", "dhl.express", "fedex.priority"]
    assert "hongkong-post.air-registered" not in {o.code for o in light.options}  # not a policy carrier
    assert [o.cost for o in light.options] == [D("24.96"), D("26.00"), D("27.04")]
    assert heavy.get("dhl.express").cost == D("37.00")  # 1.5 kg band in Europe: 26 + 2 x 5.50
    assert quote("US", 400).get("dhl.express").cost == D("25.00")  # another zone, another table
    assert light.incoterm == "DAP" and all(not o.free for o in light.options)


def test_volumetric_weight_prices_a_bulky_parcel():
    shop("components")
    bulky = quote("NL", 300, dims=(400, 300, 200))  # 4.8 kg volumetric
    assert bulky.get("dhl.express").chargeable_grams == 4800
    assert bulky.get("dhl.express").cost == D("75.50")  # the 5 kg band in Europe: 26 + 9 x 5.50


def test_direct_store_ships_free_with_duties_paid_and_its_own_delivery_window():
    shop("direct")
    options = quote("DE", 800).options
    assert len(options) == 1
    option = options[0]
    assert option.code == "standard" and option.carrier == "" and option.free and option.cost == D("0.00")
    assert option.incoterm == "DDP"
    assert (option.transit_min_days, option.transit_max_days) == (6, 12)


def test_no_option_for_an_unserved_country_or_a_parcel_over_every_band():
    shop("components")
    ZoneCountry.objects.filter(country="NL").delete()
    assert quote("NL").options == [] and "do not ship" in quote("NL").problem
    assert quote("DE", 31_000).options == [] and "too heavy" in quote("DE", 31_000).problem
    assert quote("").problem == "Choose a shipping address first."


def test_wholesale_postal_air_mail_only_takes_small_parcels():
    shop("wholesale")
    assert "hongkong-post.air-registered" in {o.code for o in quote("FR", 1500).options}
    assert [o.code for o in quote("FR", 2500).options] == ["dhl.express"]


def test_checkout_preview_promises_dates_from_now_on_the_store_calendar(buyer):
    shop("components")
    with time_machine.travel(datetime(2026, 11, 20, 2, 0, tzinfo=UTC), tick=False):  # Friday, Shanghai
        from tradepost.checkout.services import checkout_preview
        from tradepost.orders.tests.factories import fill_cart

        fill_cart(buyer, {LM317: 10})
        address = make_address(buyer)
        preview = checkout_preview(user=buyer, address_id=address.pk, payment_method="wire_transfer")
    choice = preview.shipping_choice
    zone = store_calendar(policy_active().policy)._zone
    assert choice.code == "ups.saver"  # the cheapest is preselected
    # Dispatch within 3-5 working days of payment, then UPS Saver's 3-7 working days.
    assert choice.promise.dispatch_by.astimezone(zone).date().isoformat() == "2026-11-27"
    assert choice.promise.delivery_from.astimezone(zone).date().isoformat() == "2026-11-30"
    assert choice.promise.delivery_by.astimezone(zone).date().isoformat() == "2026-12-08"


# --- Promises stored on the order -----------------------------------------------------------------------


def test_payment_stores_dispatch_and_delivery_promises_that_policy_changes_do_not_move(buyer):
    staff = staff_member()
    shop("components")
    with time_machine.travel(datetime(2026, 11, 20, 2, 0, tzinfo=UTC), tick=False):
        order = place(buyer, {LM317: 10}, shipping_method="dhl.express")
        assert order.delivery_latest_at is None  # the clock has not started before payment
        order = paid(order, staff)
    zone = store_calendar(policy_active().policy)._zone
    assert (order.transit_min_working_days, order.transit_max_working_days) == (3, 6)
    assert order.dispatch_due_at.astimezone(zone).date().isoformat() == "2026-11-27"
    assert order.delivery_earliest_at.astimezone(zone).date().isoformat() == "2026-11-30"  # Wed 25 + 3
    assert order.delivery_latest_at.astimezone(zone).date().isoformat() == "2026-12-07"  # Fri 27 + 6
    activate("wholesale")  # a new policy version does not move the stored promise
    order.refresh_from_db()
    assert order.dispatch_due_at.astimezone(zone).date().isoformat() == "2026-11-27"


def test_direct_store_starts_the_clock_at_review_approval(buyer):
    staff = staff_member()
    shop("direct")
    order = place(buyer, {LM317: 10}, method="paypal")
    assert order.incoterm == "DDP" and order.shipping_total == D("0.00")
    with transaction.atomic():
        order = orders.order_lock(order)
        order.amount_paid = order.total
        orders.order_mark_paid(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.dispatch_due_at is None
    orders.order_approve(order=order, actor=staff, note="")
    order.refresh_from_db()
    assert order.dispatch_due_at is not None and order.delivery_latest_at > order.dispatch_due_at
    calendar = store_calendar(policy_active().policy)
    assert calendar.working_days_between(order.dispatch_due_at, order.delivery_latest_at) == 12


# --- Shipments ------------------------------------------------------------------------------------------


def test_a_partial_then_a_final_parcel(buyer, django_capture_on_commit_callbacks, mailoutbox):
    staff = staff_member()
    shop("components")
    order = shippable(buyer, staff, shipping_method="ups.saver")
    lm, _ams = sorted(order.lines.all(), key=lambda line: line.sku != LM317)
    with django_capture_on_commit_callbacks(execute=True):
        first = shipment_create(
            order=order, actor=staff, carrier="ups", service="saver", tracking_number="1z 999 aa1",
            quantities={lm.pk: 4},
        )  # fmt: skip
    order.refresh_from_db()
    assert first.number == f"{order.number}-1" and first.tracking_number == "1Z999AA1"
    assert order.status == OrderStatus.PARTIALLY_SHIPPED and order.first_shipped_at == first.shipped_at
    assert first.estimated_delivery_earliest_at < first.estimated_delivery_latest_at
    lm.refresh_from_db()
    assert lm.quantity_shipped == 4 and lm.quantity_to_ship == 6
    second = shipment_create(
        order=order, actor=staff, carrier="ups", service="saver", tracking_number="1Z999AA2"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and order.first_shipped_at == first.shipped_at
    assert {(line.order_line.sku, line.quantity) for line in second.lines.all()} == {(LM317, 6), (AMS, 5)}
    events = list(order.events.filter(kind__in=["status", "shipment"]).values_list("to_status", flat=True))
    assert events[-2:] == ["partially_shipped", "shipped"]
    assert any("1Z999AA1" in message.body for message in mailoutbox)
    with pytest.raises(Conflict) as nothing:
        shipment_create(order=order, actor=staff, carrier="ups", service="saver", tracking_number="1Z999AA3")
    assert nothing.value.code == "not_shippable"


def test_shipping_refuses_bad_quantities_and_numbers_without_writing(buyer):
    staff = staff_member()
    shop("components")
    order = shippable(buyer, staff, shipping_method="dhl.express")
    line = order.lines.get(sku=LM317)
    attempts = [
        ({"quantities": {line.pk: 11}, "tracking_number": "JD0001"}, f"lines.{line.pk}"),
        ({"quantities": {line.pk: 0}, "tracking_number": "JD0001"}, "lines"),
        ({"quantities": {999999: 1}, "tracking_number": "JD0001"}, "lines.999999"),
        ({"tracking_number": ""}, "tracking_number"),  # the store promises tracking
        ({"tracking_number": "bad number!"}, "tracking_number"),
    ]
    for kwargs, field in attempts:
        with pytest.raises(ValidationFailed) as refused:
            shipment_create(order=order, actor=staff, carrier="dhl", service="express", **kwargs)
        assert field in {error.field for error in refused.value.errors}, kwargs
    with pytest.raises(ValidationFailed) as unknown:
        shipment_create(order=order, actor=staff, carrier="dhl", service="teleport", tracking_number="JD0001")
    assert unknown.value.errors[0].field == "service"
    with pytest.raises(ValidationFailed) as why:  # the buyer chose DHL: another carrier needs a reason
        shipment_create(order=order, actor=staff, carrier="ups", service="saver", tracking_number="1Z0001")
    assert why.value.errors[0].field == "note"
    assert not Shipment.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.first_shipped_at is None


def test_unpaid_orders_and_reused_tracking_numbers_are_refused(buyer, other_buyer):
    staff = staff_member()
    shop("components")
    unpaid = place(buyer, {LM317: 10}, shipping_method="dhl.express")
    with pytest.raises(Conflict):
        shipment_create(order=unpaid, actor=staff, carrier="dhl", service="express", tracking_number="JD0001")
    order = shippable(buyer, staff, shipping_method="dhl.express")
    shipment_create(order=order, actor=staff, carrier="dhl", service="express", tracking_number="JD0001",
                    quantities={order.lines.first().pk: 1})  # fmt: skip
    with pytest.raises(Conflict) as reused:
        shipment_create(order=order, actor=staff, carrier="dhl", service="express", tracking_number="JD0001")
    assert reused.value.code == "duplicate_tracking_number"


# --- Tracking -------------------------------------------------------------------------------------------


def event(number, event_id, status, at, **extra):
    return {"carrier": "dhl", "tracking_number": number, "event_id": event_id, "status": status,
            "occurred_at": at, "location": "Leipzig, DE", "description": status, **extra}  # fmt: skip


def test_tracking_events_are_idempotent_and_delivery_completes_the_order(buyer):
    staff = staff_member()
    shop("components")
    order = shippable(buyer, staff, shipping_method="dhl.express")
    lm, _ams = sorted(order.lines.all(), key=lambda line: line.sku != LM317)
    one = shipment_create(order=order, actor=staff, carrier="dhl", service="express", tracking_number="JD01",
                          quantities={lm.pk: 10})  # fmt: skip
    two = shipment_create(order=order, actor=staff, carrier="dhl", service="express", tracking_number="JD02")
    Shipment.objects.update(shipped_at=timezone.now() - timedelta(days=4))  # both left four days ago
    now = timezone.now()
    batch = [
        event("JD01", "e1", "picked_up", (now - timedelta(days=2)).isoformat()),
        event("JD01", "e2", "delivered", (now - timedelta(hours=3)).isoformat()),
        event("jd 02", "e3", "in_transit", (now - timedelta(days=1)).isoformat()),
    ]
    result = tracking_events_record(events=batch, actor=staff)
    assert (result.created, result.duplicates) == (3, 0)
    assert result.delivered_shipments == [one.number] and result.delivered_orders == []
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED  # parcel two is still travelling
    again = tracking_events_record(events=batch, actor=staff)
    assert (again.created, again.duplicates) == (0, 3)
    assert TrackingEvent.objects.count() == 3
    late = tracking_events_record(events=[event("JD02", "e4", "delivered", now.isoformat())], actor=staff)
    assert late.delivered_orders == [order.number]
    order.refresh_from_db()
    two.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.delivered_at == two.delivered_at
    assert two.last_status == "delivered"
    assert order.events.filter(kind=OrderEvent.Kind.TRACKING).count() == 2


def test_an_out_of_order_event_does_not_hide_the_latest_status(buyer):
    staff = staff_member()
    shop("components")
    order = shippable(buyer, staff, shipping_method="dhl.express")
    shipment = shipment_create(
        order=order, actor=staff, carrier="dhl", service="express", tracking_number="JD01"
    )
    Shipment.objects.update(shipped_at=timezone.now() - timedelta(days=4))
    now = timezone.now()
    tracking_events_record(events=[event("JD01", "late", "customs", now.isoformat())], actor=staff)
    tracking_events_record(
        events=[event("JD01", "early", "picked_up", (now - timedelta(days=3)).isoformat())], actor=staff
    )
    shipment.refresh_from_db()
    assert shipment.last_status == "customs" and shipment.last_event_at == now


def test_a_bad_event_in_a_batch_records_nothing_and_names_the_field(buyer):
    staff = staff_member()
    shop("components")
    order = shippable(buyer, staff, shipping_method="dhl.express")
    shipment_create(order=order, actor=staff, carrier="dhl", service="express", tracking_number="JD01")
    now = timezone.now().isoformat()
    batch = [
        event("JD01", "ok", "in_transit", now),
        event("JD01", "e2", "teleported", now),
        event("JD99", "e3", "in_transit", now),
        event("JD01", "e4", "in_transit", "yesterday"),
        event("JD01", "e5", "in_transit", "2026-11-20T10:00:00"),  # no zone
        event("JD01", "ok", "in_transit", now),  # same id twice in one batch
        "not an object",
    ]
    with pytest.raises(ValidationFailed) as refused:
        tracking_events_record(events=batch, actor=staff)
    fields = {error.field for error in refused.value.errors}
    assert fields == {
        "events[1].status",
        "events[2].tracking_number",
        "events[3].occurred_at",
        "events[4].occurred_at",
        "events[5].event_id",
        "events[6]",
    }
    assert not TrackingEvent.objects.exists()
    with pytest.raises(ValidationFailed):
        tracking_events_record(events=[], actor=staff)


def test_stale_parcels_and_staff_confirmed_delivery(buyer):
    staff = staff_member()
    shop("components")
    order = shippable(buyer, staff, shipping_method="dhl.express")
    shipment = shipment_create(
        order=order, actor=staff, carrier="dhl", service="express", tracking_number="JD01"
    )
    later = timezone.now() + timedelta(days=8)
    assert list(stale_shipments(days=7, now=later)) == [shipment]
    assert list(stale_shipments(days=9, now=later)) == []
    tracking_events_record(
        events=[event("JD01", "e1", "in_transit", timezone.now().isoformat())], actor=staff
    )
    assert list(stale_shipments(days=7, now=later)) == [shipment]  # news 8 days ago is still old news
    assert list(stale_shipments(days=7, now=timezone.now() + timedelta(days=3))) == []
    shipment_mark_delivered(shipment=shipment, actor=staff, note="Buyer confirmed by phone")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert list(stale_shipments(days=7, now=later)) == []
    with pytest.raises(Conflict):
        shipment_mark_delivered(shipment=shipment, actor=staff)


def test_dispatch_queue_puts_broken_deadlines_first(buyer):
    staff = staff_member()
    shop("components")
    early = shippable(buyer, staff, shipping_method="dhl.express")
    late = shippable(buyer, staff, shipping_method="dhl.express")
    now = timezone.now()
    type(early).objects.filter(pk=early.pk).update(dispatch_due_at=now - timedelta(hours=1))
    type(late).objects.filter(pk=late.pk).update(dispatch_due_at=now + timedelta(hours=5))
    rows = [(order.number, order.clock) for order in dispatch_queue(now=now)]
    assert rows == [(early.number, "overdue"), (late.number, "due_soon")]
    shipment_create(order=early, actor=staff, carrier="dhl", service="express", tracking_number="JD01")
    assert [order.number for order in dispatch_queue(now=now)] == [late.number]


def test_weights_and_customs_data_are_kept_on_the_order(buyer):
    shop("components")
    Product.objects.filter(sku=LM317).update(weight_grams=120, hs_code="854239", country_of_origin="MY")
    order = place(buyer, {LM317: 10}, shipping_method="dhl.express")
    line = order.lines.get()
    assert (line.weight_grams, line.hs_code, line.country_of_origin.code) == (120, "854239", "MY")
    assert order.chargeable_weight_grams == 1200
    assert order.shipping_total == D("37.00")  # DHL Europe, 1.5 kg band


def test_events_from_before_the_parcel_left_and_unknown_carriers_are_refused(buyer):
    staff = staff_member()
    shop("components")
    order = shippable(buyer, staff, shipping_method="dhl.express")
    shipment = shipment_create(
        order=order, actor=staff, carrier="dhl", service="express", tracking_number="JD01"
    )
    month_ago = (shipment.shipped_at - timedelta(days=30)).isoformat()
    hour_ago = (shipment.shipped_at - timedelta(hours=1)).isoformat()  # label printed before the click
    with pytest.raises(ValidationFailed) as refused:
        tracking_events_record(
            events=[
                event("JD01", "old", "delivered", month_ago),
                {**event("JD01", "x", "info", hour_ago), "carrier": "Nope"},
            ],
            actor=staff,
        )
    assert {error.field for error in refused.value.errors} == {"events[0].occurred_at", "events[1].carrier"}
    result = tracking_events_record(
        events=[{**event("JD01", "x", "info", hour_ago), "carrier": "DHL"}], actor=staff
    )
    assert result.created == 1  # carrier codes are not case-sensitive
    with pytest.raises(ValidationFailed) as early:
        shipment_mark_delivered(shipment=shipment, actor=staff, at=shipment.shipped_at - timedelta(days=2))
    assert early.value.errors[0].field == "at"
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and order.delivered_at is None


def test_a_method_not_offered_for_the_address_falls_back_only_on_review(buyer):
    from tradepost.checkout.services import checkout_preview
    from tradepost.orders.tests.factories import fill_cart

    shop("wholesale")  # Hong Kong Post and DHL
    fill_cart(buyer, {LM317: 10})
    address = make_address(buyer)
    kept = checkout_preview(user=buyer, address_id=address.pk, shipping_method="ups.saver")
    assert kept.shipping_choice is None
    assert {e.field for e in kept.errors} >= {"shipping_method"}
    review = checkout_preview(
        user=buyer, address_id=address.pk, shipping_method="ups.saver", shipping_fallback=True
    )
    assert review.shipping_choice == review.shipping[0]
    assert "shipping_method" not in {e.field for e in review.errors}
