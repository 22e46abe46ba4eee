from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tradepost.accounts.services import agreement_publish
from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.cart.services import cart_for, cart_line_set
from tradepost.catalog.models import Product
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.tests.factories import fill_cart, place, shop, staff_member
from tradepost.payments.models import Transaction
from tradepost.payments.services import payment_receipt_record, wire_receipt_record
from tradepost.shipping.models import Shipment, TrackingEvent

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in the Shanghai warehouse, no holiday near


def boxed(sku: str = "TI-LM317T", *, grams: int = 300, mm: tuple[int, int, int] = (200, 200, 100)):
    """Give a product a weight and a packed size (4,000 cm³: volumetric 800 g per unit at 5000)."""
    Product.objects.filter(sku=sku).update(
        weight_grams=grams, length_mm=mm[0], width_mm=mm[1], height_mm=mm[2]
    )


def quote(client, body, **extra):
    return post(client, "/shipping/quote", body, **extra)


def paid(order, staff):
    wire_receipt_record(order=order, amount=order.total, bank_reference=f"BANK-{order.number}", actor=staff)
    order.refresh_from_db()
    return order


@pytest.fixture
def desk(db):
    staff = staff_member("fulfilment@example.com", desks=("fulfilment",))
    return {"user": staff, "auth": token_for(staff)}


@pytest.fixture
def approved(buyer, desk):
    """A components order for two lines, paid (so approved), the buyer having chosen UPS."""
    shop("components")
    order = paid(place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 5}), desk["user"])
    assert order.status == OrderStatus.APPROVED and order.shipping_method == "ups.saver"
    return order


def lines_of(order):
    return {line.sku: line for line in order.lines.order_by("id")}


def ship(client, order, auth, **body):
    body = {"carrier": "ups", "service": "saver", "tracking_number": "1Z999AA10123456784", **body}
    return post(client, f"/desk/orders/{order.number}/shipments", body, **auth)


def event(number="1Z999AA10123456784", event_id="E1", status="in_transit", at=None, **extra):
    at = at or datetime.now(UTC) - timedelta(hours=2)
    return {
        "carrier": "ups",
        "tracking_number": number,
        "event_id": event_id,
        "occurred_at": at.isoformat(),
        "status": status,
        "location": "Leipzig, DE",
        "description": "Arrived at the hub",
        **extra,
    }


# --- Quote ------------------------------------------------------------------------------------------------


def test_components_quote_lets_the_buyer_pick_dhl_ups_or_fedex(client):
    shop("components")
    boxed()
    body = quote(client, {"country": "nl", "items": [{"sku": "TI-LM317T", "quantity": 4}]}).json()
    assert body["country"] == "NL" and body["incoterm"] == "DAP" and body["problem"] is None
    # 4 x 300 g actual, but 4 x 4,000 cm³ / 5000 = 3,200 g volumetric: the 4 kg band of the Europe table.
    assert body["weight_grams"] == 1200 and body["chargeable_weight_grams"] == 3200
    assert [(o["code"], o["cost"]) for o in body["options"]] == [
        ("ups.saver", "61.92"),
        ("dhl.express", "64.50"),
        ("fedex.priority", "67.08"),
    ]
    for option in body["options"]:
        assert option["free"] is False and option["incoterm"] == "DAP"
        assert option["chargeable_weight_grams"] == 3200 and option["carrier"] in {"ups", "dhl", "fedex"}
        assert option["dispatch_by"] < option["delivery_from"] <= option["delivery_by"]
    dhl = body["options"][1]
    assert (dhl["transit_min_working_days"], dhl["transit_max_working_days"]) == (3, 6)


def test_direct_quote_is_one_free_ddp_option_within_the_policy_window(client):
    shop("direct")
    boxed()
    with time_machine.travel(MONDAY, tick=False):
        body = quote(client, {"country": "US", "items": [{"sku": "TI-LM317T", "quantity": 4}]}).json()
    assert body["incoterm"] == "DDP" and body["problem"] is None
    [option] = body["options"]
    assert option["code"] == "standard" and option["carrier"] == "" and option["service"] == ""
    assert option["cost"] == "0.00" and option["free"] is True and option["incoterm"] == "DDP"
    assert (option["transit_min_working_days"], option["transit_max_working_days"]) == (6, 12)

    def day(value):
        return datetime.fromisoformat(value).astimezone(SHANGHAI).date()

    # Dispatch 1-3 working days after Monday 2 March; then 6-12 working days, weekends skipped.
    assert day(option["dispatch_by"]) == date(2026, 3, 5)
    assert day(option["delivery_from"]) == date(2026, 3, 11)
    assert day(option["delivery_by"]) == date(2026, 3, 23)


def test_wholesale_quote_offers_its_carriers_only(client):
    shop("wholesale")
    body = quote(client, {"country": "JP", "items": [{"sku": "TI-LM317T", "quantity": 1}]}).json()
    assert {o["carrier"] for o in body["options"]} == {"hongkong-post", "dhl"}
    assert all(o["cost"] != "0.00" for o in body["options"])


def test_a_country_in_no_zone_gets_no_option_and_says_why(client):
    shop("components")
    body = quote(client, {"country": "AQ", "items": [{"sku": "TI-LM317T", "quantity": 1}]}).json()
    assert body["options"] == [] and body["problem"] == "We do not ship to this country yet."
    assert body["country"] == "AQ" and body["incoterm"] == "DAP"


def test_without_items_the_callers_cart_is_quoted(client, buyer):
    shop("components")
    boxed(grams=1000, mm=(0, 0, 0))
    fill_cart(buyer, {"TI-LM317T": 2})
    auth = token_for(buyer)
    from_cart = quote(client, {"country": "DE"}, **auth).json()
    assert from_cart["weight_grams"] == 2000 and from_cart["options"]
    named = quote(client, {"country": "DE", "items": [{"sku": "TI-LM317T", "quantity": 5}]}, **auth).json()
    assert named["weight_grams"] == 5000 and named["options"][0]["cost"] > from_cart["options"][0]["cost"]
    # the storefront's session works too, without a CSRF token: a quote changes nothing
    client.force_login(buyer)
    assert quote(client, {"country": "DE"}).json()["weight_grams"] == 2000


def test_an_anonymous_visitor_quotes_their_session_cart(client):
    shop("components")
    boxed(grams=250, mm=(0, 0, 0))
    assert_problem(quote(client, {"country": "DE"}), 422, code="required", field="items")
    cart = cart_for(create=True)
    cart_line_set(cart=cart, sku="TI-LM317T", quantity=3)
    session = client.session
    session["cart_token"] = str(cart.token)
    session.save()
    assert quote(client, {"country": "DE"}).json()["weight_grams"] == 750


def test_a_token_that_does_not_work_is_refused_not_taken_as_anonymous(client):
    shop("components")
    body = {"country": "DE", "items": [{"sku": "TI-LM317T", "quantity": 1}]}
    assert_problem(quote(client, body, HTTP_AUTHORIZATION="Bearer tp_nope"), 401, code="not_authenticated")
    assert quote(client, body).status_code == 200


def test_a_signed_in_caller_must_have_accepted_the_current_agreement(client, buyer):
    shop("components")
    fill_cart(buyer, {"TI-LM317T": 1})
    auth = token_for(buyer)
    agreement_publish(title="Agreement", body="Changed", actor=None)
    assert_problem(quote(client, {"country": "DE"}, **auth), 403, code="agreement_required")
    client.force_login(buyer)
    assert_problem(quote(client, {"country": "DE"}), 403, code="agreement_required")


def test_bad_quote_input_names_the_field(client):
    shop("components")
    item = {"sku": "TI-LM317T", "quantity": 1}
    assert_problem(quote(client, {"country": "ZZ", "items": [item]}), 422, field="country")
    assert_problem(quote(client, {"country": "DEU", "items": [item]}), 422, field="country")
    assert_problem(quote(client, {"items": [item]}), 422, field="body.country")
    body = assert_problem(
        quote(client, {"country": "DE", "items": [item, {"sku": "NOPE-1", "quantity": 0}]}), 422
    )
    assert {e["field"] for e in body["errors"]} == {"items[1].sku", "items[1].quantity"}
    assert_problem(
        quote(client, {"country": "DE", "items": [{"sku": "TI-LM317T", "quantity": 10**9}]}),
        422,
        field="items[0].quantity",
    )
    assert_problem(
        quote(client, {"country": "DE", "items": [{"sku": "TI-LM317T", "quantity": "many"}]}),
        422,
        field="body.items.0.quantity",
    )
    assert_problem(quote(client, {"country": "DE", "items": [item], "zip": "1"}), 422, field="body.zip")
    Product.objects.filter(sku="TI-LM317T").update(status="not_for_sale")
    assert_problem(quote(client, {"country": "DE", "items": [item]}), 422, field="items[0].sku")


# --- The buyer's parcels ----------------------------------------------------------------------------------


def test_the_buyer_follows_their_parcels_and_nobody_else_can(client, buyer, other_buyer, approved, desk):
    lm317 = lines_of(approved)["TI-LM317T"]
    assert (
        ship(client, approved, desk["auth"], lines=[{"line_id": lm317.pk, "quantity": 4}]).status_code == 201
    )
    older = datetime.now(UTC) - timedelta(hours=5)
    result = post(
        client,
        "/shipping/tracking-events",
        {"events": [event(event_id="E2"), event(event_id="E1", status="picked_up", at=older)]},
        **desk["auth"],
    )
    assert result.status_code == 200, result.content
    mine = token_for(buyer)
    [parcel] = client.get(API + f"/orders/{approved.number}/shipments", **mine).json()
    assert parcel["number"] == f"{approved.number}-1" and parcel["order"] == approved.number
    assert parcel["carrier"] == "ups" and parcel["carrier_name"] == "UPS" and parcel["service"] == "saver"
    assert parcel["tracking_number"] == "1Z999AA10123456784"
    assert parcel["tracking_link"] == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert parcel["lines"] == [{"line_id": lm317.pk, "sku": "TI-LM317T", "mpn": "LM317T", "quantity": 4}]
    assert (
        parcel["shipped_at"]
        < parcel["estimated_delivery_earliest_at"]
        <= parcel["estimated_delivery_latest_at"]
    )
    assert parcel["delivered_at"] is None
    assert parcel["last_status"] == "in_transit" and parcel["last_status_label"] == "In transit"
    assert [(e["status"], e["status_label"]) for e in parcel["events"]] == [
        ("in_transit", "In transit"),
        ("picked_up", "Picked up"),
    ]
    assert parcel["events"][0]["location"] == "Leipzig, DE" and "note" not in parcel
    # the order itself carries the promise and a summary of its parcels
    order = client.get(API + f"/orders/{approved.number}", **mine).json()
    assert order["status"] == "partially_shipped" and order["first_shipped_at"]
    assert order["incoterm"] == "DAP" and order["shipping_carrier"] == "ups"
    assert order["shipping_service"] == "saver" and order["dispatch_due_at"]
    assert order["delivery_earliest_at"] and order["delivery_latest_at"] and order["delivered_at"] is None
    assert [s["number"] for s in order["shipments"]] == [parcel["number"]]
    # another buyer, and anyone signed out
    assert_problem(
        client.get(API + f"/orders/{approved.number}/shipments", **token_for(other_buyer)),
        404,
        code="order_not_found",
    )
    assert_problem(client.get(API + f"/orders/{approved.number}/shipments"), 401)
    assert_problem(client.get(API + "/orders/NOPE/shipments", **mine), 404)


def test_an_order_without_parcels_has_an_empty_list(client, buyer, approved):
    assert client.get(API + f"/orders/{approved.number}/shipments", **token_for(buyer)).json() == []


# --- The fulfilment desk ----------------------------------------------------------------------------------


def test_desk_ships_part_then_the_rest(client, buyer, approved, desk):
    auth = desk["auth"]
    queue = client.get(API + "/desk/shipping/queue", **auth).json()
    assert queue["total"] == 1 and queue["items"][0]["number"] == approved.number
    assert queue["items"][0]["clock"] == "on_time" and queue["items"][0]["shipping_method"] == "ups.saver"
    assert queue["items"][0]["buyer_email"] == buyer.email
    lines = lines_of(approved)
    first = ship(client, approved, auth, lines=[{"line_id": lines["TI-LM317T"].pk, "quantity": 4}])
    assert first.status_code == 201, first.content
    parcel = first.json()
    assert parcel["number"] == f"{approved.number}-1" and parcel["shipped_by"] == "fulfilment@example.com"
    assert [(line["sku"], line["quantity"]) for line in parcel["lines"]] == [("TI-LM317T", 4)]
    approved.refresh_from_db()
    assert approved.status == OrderStatus.PARTIALLY_SHIPPED and approved.first_shipped_at is not None
    first_shipped_at = approved.first_shipped_at
    assert client.get(API + "/desk/shipping/queue", **auth).json()["total"] == 1

    rest = ship(client, approved, auth, tracking_number="1Z999AA10123456785", lines=None)
    assert rest.status_code == 201, rest.content
    assert sorted((line["sku"], line["quantity"]) for line in rest.json()["lines"]) == [
        ("AMS-1117-33", 5),
        ("TI-LM317T", 6),
    ]
    approved.refresh_from_db()
    assert approved.status == OrderStatus.SHIPPED and approved.first_shipped_at == first_shipped_at
    assert {line.sku: line.quantity_shipped for line in approved.lines.all()} == {
        "TI-LM317T": 10,
        "AMS-1117-33": 5,
    }
    assert client.get(API + "/desk/shipping/queue", **auth).json()["total"] == 0
    assert_problem(ship(client, approved, auth, tracking_number="1Z999AA10123456786"), 409)
    staff_view = client.get(API + f"/desk/orders/{approved.number}", **auth).json()
    assert [s["number"] for s in staff_view["shipments"]] == [f"{approved.number}-1", f"{approved.number}-2"]


def test_shipping_errors_name_the_field_and_write_nothing(client, approved, desk):
    auth = desk["auth"]
    lines = lines_of(approved)
    lm317, ams = lines["TI-LM317T"].pk, lines["AMS-1117-33"].pk
    body = assert_problem(
        ship(
            client,
            approved,
            auth,
            lines=[{"line_id": ams, "quantity": 1}, {"line_id": lm317, "quantity": 11}],
        ),
        422,
    )
    assert [e["field"] for e in body["errors"]] == ["lines[1].quantity"]
    assert_problem(
        ship(client, approved, auth, lines=[{"line_id": 999_999, "quantity": 1}]),
        422,
        field="lines[0].line_id",
    )
    assert_problem(
        ship(client, approved, auth, lines=[{"line_id": lm317, "quantity": -1}]),
        422,
        field="lines[0].quantity",
    )
    assert_problem(
        ship(
            client,
            approved,
            auth,
            lines=[{"line_id": lm317, "quantity": 1}, {"line_id": lm317, "quantity": 2}],
        ),
        422,
        field="lines[1].line_id",
    )
    assert_problem(ship(client, approved, auth, lines=[]), 422, field="lines")
    assert_problem(ship(client, approved, auth, tracking_number=""), 422, field="tracking_number")
    assert_problem(ship(client, approved, auth, tracking_number="no!"), 422, field="tracking_number")
    assert_problem(ship(client, approved, auth, service="teleport"), 422, field="service")
    # the buyer chose UPS: another carrier needs a reason
    assert_problem(ship(client, approved, auth, carrier="dhl", service="express"), 422, field="note")
    assert_problem(
        ship(client, approved, auth, lines=[{"line_id": "x", "quantity": 1}]),
        422,
        field="body.lines.0.line_id",
    )
    assert not Shipment.objects.exists()
    approved.refresh_from_db()
    assert approved.status == OrderStatus.APPROVED and approved.first_shipped_at is None
    assert all(line.quantity_shipped == 0 for line in approved.lines.all())
    # the same tracking number twice is refused
    assert ship(client, approved, auth, lines=[{"line_id": lm317, "quantity": 1}]).status_code == 201
    assert_problem(
        ship(client, approved, auth, lines=[{"line_id": lm317, "quantity": 1}]), 409, field="tracking_number"
    )


def test_an_unpaid_order_cannot_ship(client, buyer, desk):
    shop("components")
    order = place(buyer)
    assert_problem(ship(client, order, desk["auth"]), 409, code="not_shippable")
    assert_problem(
        post(client, "/desk/orders/NOPE/shipments", {"carrier": "ups", "service": "saver"}, **desk["auth"]),
        404,
    )


def test_the_desk_endpoints_are_404_to_anyone_not_at_the_fulfilment_desk(client, buyer, approved):
    finance = token_for(staff_member("finance@example.com", desks=("finance",)))
    for auth in (token_for(buyer), finance):
        assert_problem(client.get(API + "/desk/shipping/queue", **auth), 404)
        assert_problem(client.get(API + "/desk/shipping/stale", **auth), 404)
        assert_problem(ship(client, approved, auth), 404)
    assert_problem(client.get(API + "/desk/shipping/queue"), 401)
    assert not Shipment.objects.exists()


def test_the_dispatch_clock_in_the_queue(client, buyer, desk):
    shop("direct")
    order = place(buyer, method="paypal")
    payment_receipt_record(
        order=order, amount=order.total, source=Transaction.Source.PAYPAL, external_id="CAP-1"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.dispatch_due_at is None
    item = client.get(API + "/desk/shipping/queue", **desk["auth"]).json()["items"][0]
    assert item["clock"] == "not_started" and item["shipping_method"] == "standard"
    from tradepost.orders.services import order_approve

    order_approve(order=order, actor=desk["user"], note="")
    order.refresh_from_db()
    assert client.get(API + "/desk/shipping/queue", **desk["auth"]).json()["items"][0]["clock"] == "on_time"
    with time_machine.travel(order.dispatch_due_at - timedelta(hours=2)):
        assert (
            client.get(API + "/desk/shipping/queue", **desk["auth"]).json()["items"][0]["clock"] == "due_soon"
        )
    with time_machine.travel(order.dispatch_due_at + timedelta(minutes=1)):
        assert (
            client.get(API + "/desk/shipping/queue", **desk["auth"]).json()["items"][0]["clock"] == "overdue"
        )
    assert_problem(
        client.get(API + "/desk/shipping/queue", {"per_page": 500}, **desk["auth"]),
        422,
        field="query.per_page",
    )


def test_stale_parcels_and_a_delivery_confirmed_by_staff(client, buyer, approved, desk):
    auth = desk["auth"]
    with time_machine.travel(datetime.now(UTC) - timedelta(days=10)):
        assert ship(client, approved, auth).status_code == 201
    number = f"{approved.number}-1"
    stale = client.get(API + "/desk/shipping/stale", **auth).json()
    assert stale["days"] == 7 and stale["total"] == 1
    assert stale["items"][0]["number"] == number and stale["items"][0]["order"] == approved.number
    assert client.get(API + "/desk/shipping/stale", {"days": 11}, **auth).json()["total"] == 0
    assert_problem(client.get(API + "/desk/shipping/stale", {"days": 0}, **auth), 422, field="query.days")
    assert_problem(client.get(API + "/desk/shipping/stale", {"days": 91}, **auth), 422, field="query.days")

    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert_problem(
        post(client, f"/desk/shipments/{number}/delivered", {"at": future}, **auth), 422, field="at"
    )
    assert_problem(
        post(client, "/desk/shipments/NOPE-1/delivered", {}, **auth), 404, code="shipment_not_found"
    )
    assert_problem(post(client, f"/desk/shipments/{number}/delivered", {}, **token_for(buyer)), 404)
    response = post(client, f"/desk/shipments/{number}/delivered", {"note": "Signed by R. Ito"}, **auth)
    assert response.status_code == 200, response.content
    parcel = response.json()
    assert parcel["delivered_at"] and parcel["last_status"] == "delivered"
    assert parcel["events"][0]["description"] == "Signed by R. Ito"
    approved.refresh_from_db()
    assert approved.status == OrderStatus.DELIVERED and approved.delivered_at is not None
    assert client.get(API + "/desk/shipping/stale", **auth).json()["total"] == 0
    assert_problem(
        post(client, f"/desk/shipments/{number}/delivered", {}, **auth), 409, code="already_delivered"
    )


# --- Tracking feed ----------------------------------------------------------------------------------------


def test_tracking_batches_are_idempotent_and_delivery_completes_the_order(client, approved, desk):
    auth = desk["auth"]
    assert ship(client, approved, auth).status_code == 201
    Shipment.objects.update(shipped_at=datetime.now(UTC) - timedelta(days=3))  # left three days ago
    now = datetime.now(UTC)
    batch = {
        "events": [
            event(event_id="E1", status="picked_up", at=now - timedelta(hours=30)),
            event(event_id="E2", status="in_transit", at=now - timedelta(hours=20)),
            event(event_id="E3", status="delivered", at=now - timedelta(hours=1)),
        ]
    }
    first = post(client, "/shipping/tracking-events", batch, **auth)
    assert first.status_code == 200, first.content
    assert first.json() == {
        "created": 3,
        "duplicates": 0,
        "delivered_shipments": [f"{approved.number}-1"],
        "delivered_orders": [approved.number],
    }
    approved.refresh_from_db()
    assert approved.status == OrderStatus.DELIVERED
    again = post(client, "/shipping/tracking-events", batch, **auth).json()
    assert again == {"created": 0, "duplicates": 3, "delivered_shipments": [], "delivered_orders": []}
    assert TrackingEvent.objects.count() == 3
    # one event on its own is a batch of one
    single = post(client, "/shipping/tracking-events", event(event_id="E4", status="info"), **auth).json()
    assert single["created"] == 1 and single["duplicates"] == 0
    assert (
        post(client, "/shipping/tracking-events", event(event_id="E4", status="info"), **auth).json()[
            "duplicates"
        ]
        == 1
    )


def test_a_delivered_parcel_leaves_a_partly_shipped_order_undelivered(client, approved, desk):
    lm317 = lines_of(approved)["TI-LM317T"].pk
    ship(client, approved, desk["auth"], lines=[{"line_id": lm317, "quantity": 10}])
    result = post(client, "/shipping/tracking-events", event(status="delivered"), **desk["auth"]).json()
    assert result["delivered_shipments"] == [f"{approved.number}-1"] and result["delivered_orders"] == []
    approved.refresh_from_db()
    assert approved.status == OrderStatus.PARTIALLY_SHIPPED and approved.delivered_at is None


def test_one_bad_event_in_a_batch_writes_nothing(client, approved, desk):
    auth = desk["auth"]
    ship(client, approved, auth)
    naive = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None)
    events = [
        event(event_id="E1"),
        event(event_id="E2", number="1Z000UNKNOWN"),
        event(event_id="E3", status="delivered", at=naive),
        event(event_id="E4", status="delivered", at=datetime.now(UTC) + timedelta(days=2)),
        event(event_id="E1"),
    ]
    body = assert_problem(post(client, "/shipping/tracking-events", {"events": events}, **auth), 422)
    assert {e["field"] for e in body["errors"]} == {
        "events[1].tracking_number",
        "events[2].occurred_at",
        "events[3].occurred_at",
        "events[4].event_id",
    }
    assert_problem(
        post(client, "/shipping/tracking-events", {"events": [event(status="lost_in_space")]}, **auth),
        422,
        field="body.events.0.status",
    )
    missing = event()
    del missing["occurred_at"]
    assert_problem(
        post(client, "/shipping/tracking-events", missing, **auth), 422, field="body.events.0.occurred_at"
    )
    assert_problem(
        post(client, "/shipping/tracking-events", {"events": []}, **auth), 422, field="body.events"
    )
    too_many = {"events": [event(event_id=f"E{n}") for n in range(1001)]}
    assert_problem(post(client, "/shipping/tracking-events", too_many, **auth), 422, field="body.events")
    assert not TrackingEvent.objects.exists()
    approved.refresh_from_db()
    assert approved.status == OrderStatus.SHIPPED
    assert Shipment.objects.get().last_status == ""


def test_the_tracking_feed_takes_a_fulfilment_desk_token_only(client, buyer, approved, desk):
    ship(client, approved, desk["auth"])
    one = event()
    assert_problem(post(client, "/shipping/tracking-events", one), 401, code="not_authenticated")
    assert_problem(post(client, "/shipping/tracking-events", one, HTTP_AUTHORIZATION="Bearer tp_x"), 401)
    assert_problem(post(client, "/shipping/tracking-events", one, **token_for(buyer)), 404)
    finance = staff_member("finance@example.com", desks=("finance",))
    assert_problem(post(client, "/shipping/tracking-events", one, **token_for(finance)), 404)
    client.force_login(desk["user"])  # a session is for people; the feed is for integrations
    assert_problem(post(client, "/shipping/tracking-events", one), 401)
    client.logout()
    assert not TrackingEvent.objects.exists()
    assert post(client, "/shipping/tracking-events", one, **desk["auth"]).json()["created"] == 1
    assert Order.objects.get(pk=approved.pk).status == OrderStatus.SHIPPED


def test_reading_parcels_takes_the_same_queries_however_many_there_are(client, buyer, approved, desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lines = lines_of(approved)
    mine = token_for(buyer)
    path = API + f"/orders/{approved.number}/shipments"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, **mine).status_code == 200
        # the token's last-used stamp is written now and then; it is not the parcels' cost
        return len([q for q in captured.captured_queries if "accounts_apitoken" not in q["sql"]])

    ship(client, approved, desk["auth"], lines=[{"line_id": lines["TI-LM317T"].pk, "quantity": 1}])
    post(client, "/shipping/tracking-events", event(event_id="E1"), **desk["auth"])
    one = queries()
    ship(client, approved, desk["auth"], tracking_number="1Z999AA10123456785")
    post(client, "/shipping/tracking-events", event("1Z999AA10123456785", event_id="E2"), **desk["auth"])
    assert len(client.get(path, **mine).json()) == 2
    assert queries() == one
