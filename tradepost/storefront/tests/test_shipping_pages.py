"""Shipping on the buyer's pages: methods and promised dates at checkout, the promise and the parcels with
their tracking on the order page.

Time is frozen at a Monday 20:00 UTC, already Tuesday 04:00 at the Shanghai warehouse, so a date shown in
UTC instead of the store's timezone is a day early.
"""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.accounts.models import User
from tradepost.orders import services as order_services
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.tests.factories import fill_cart, make_address, place, shop, staff_member
from tradepost.payments.models import Transaction
from tradepost.payments.services import payment_receipt_record, wire_receipt_record
from tradepost.shipping.models import Rate
from tradepost.shipping.services import shipment_create, tracking_events_record

pytestmark = pytest.mark.django_db

MONDAY_EVENING_UTC = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # Tue 24 Nov 04:00 in Asia/Shanghai
UPS_LINK = "https://www.ups.com/track?tracknum="


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(MONDAY_EVENING_UTC, tick=False)


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def option(html: str, code: str) -> str:
    """The text of one shipping method's label on the checkout page."""
    found = re.search(
        rf'<label class="choice shipping-option"[^>]*data-method="{re.escape(code)}">(.*?)</label>',
        html,
        re.S,
    )
    assert found, f"{code} is not offered"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def offered(html: str) -> list[str]:
    return re.findall(r'data-method="([^"]+)"', html)


def checked_method(html: str) -> str | None:
    found = re.search(r'name="shipping_method" value="([^"]+)"[^>]* checked', html)
    return found.group(1) if found else None


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def staff():
    return User.objects.filter(email="staff@example.com").first() or staff_member()


def paid(order):
    """The whole total received: a wire transfer from the bank statement, or a PayPal capture."""
    if order.payment_method == "wire_transfer":
        wire_receipt_record(
            order=order, amount=order.total, bank_reference=f"B-{order.number}", actor=staff()
        )
    else:
        payment_receipt_record(
            order=order, amount=order.total, source=Transaction.Source.PAYPAL, external_id=f"C-{order.number}"
        )
    order.refresh_from_db()
    return order


def event(number: str, event_id: str, at: str, status: str, **extra) -> dict:
    return {
        "carrier": "ups",
        "tracking_number": number,
        "event_id": event_id,
        "occurred_at": at,
        "status": status,
        **extra,
    }


# --- Checkout --------------------------------------------------------------------------------------------


@pytest.fixture
def at_checkout(client, buyer):
    """Components store, 10 x LM317T in the cart, an address in the Netherlands; signed in."""
    shop()
    fill_cart(buyer, {"TI-LM317T": 10})
    address = make_address(buyer, is_default=True)
    client.force_login(buyer)
    return address


def test_checkout_offers_the_methods_for_the_address_with_price_dates_and_incoterm(client, at_checkout):
    html = client.get("/checkout/").content.decode()
    assert offered(html) == ["ups.saver", "dhl.express", "fedex.priority"]  # cheapest first
    assert checked_method(html) == "ups.saver"
    # Paid today (Tue 24 Nov at the warehouse): dispatch in 3-5 working days, then the carrier's transit.
    assert option(html, "ups.saver") == (
        "UPS Worldwide Saver · $24.96 Dispatched by Tue 1 Dec if paid today "
        "Delivered between Wed 2 Dec and Thu 10 Dec (3–7 working days in transit) "
        "DAP: you may have to pay import duties and taxes on arrival."
    )
    assert "$26.00" in option(html, "dhl.express")
    assert "Delivered between Wed 2 Dec and Wed 9 Dec (3–6 working days in transit)" in option(
        html, "dhl.express"
    )
    assert 'id="checkout-shipping">$24.96' in html and 'id="checkout-total">$29.36' in html
    assert 'id="free-shipping"' not in html and 'id="shipping-problem"' not in html


def test_another_address_reprices_and_falls_back_to_the_cheapest_when_the_choice_is_not_offered(
    client, buyer, at_checkout
):
    Rate.objects.filter(service__code="priority", zone__code="north-america").delete()
    us = make_address(buyer, country="US", city="Austin", postal_code="78701", line1="Congress Ave 1")
    html = client.get("/checkout/").content.decode()
    data = {
        "idempotency_key": hidden(html, "idempotency_key"),
        "expected_total": hidden(html, "expected_total"),
        "address_id": us.pk,
        "shipping_method": "fedex.priority",  # chosen for the Dutch address; FedEx does not reach the US
        "payment_method": "wire_transfer",
        "action": "review",
    }
    fragment = client.post("/checkout/", data, HTTP_HX_REQUEST="true").content.decode()
    # htmx: the totals, with the shipping methods and the place button swapped out of band.
    assert fragment.lstrip().startswith('<section id="totals"')
    assert '<fieldset class="card choices" id="shipping" hx-swap-oob="true"' in fragment
    assert '<p class="place" id="place" hx-swap-oob="true">' in fragment
    assert offered(fragment) == ["ups.saver", "dhl.express"]
    assert checked_method(fragment) == "ups.saver"
    assert "$24.00" in option(fragment, "ups.saver") and "$25.00" in option(fragment, "dhl.express")
    assert 'id="checkout-total">$28.40' in fragment and hidden(fragment, "expected_total") == "28.40"
    # Without JavaScript "Update totals" does the same on the whole page.
    page = client.post("/checkout/", data)
    html = page.content.decode()
    assert page.status_code == 200 and offered(html) == ["ups.saver", "dhl.express"]
    assert checked_method(html) == "ups.saver" and hidden(html, "idempotency_key") == data["idempotency_key"]
    # A method the address is not served by is never placed behind the buyer's back.
    refused = client.post("/checkout/", {**data, "action": "place", "expected_total": "28.40"})
    assert refused.status_code == 400 and "Choose a shipping method." in refused.content.decode()
    assert not Order.objects.exists()
    # A choice the new address also has is kept.
    kept = client.post("/checkout/", {**data, "shipping_method": "dhl.express"}).content.decode()
    assert checked_method(kept) == "dhl.express" and 'id="checkout-total">$29.40' in kept


def test_the_direct_store_shows_free_shipping_with_duties_paid(client, buyer):
    shop("direct")
    fill_cart(buyer, {"TI-LM317T": 10})
    address = make_address(buyer)
    client.force_login(buyer)
    html = client.get("/checkout/").content.decode()
    assert offered(html) == ["standard"]
    # Approved today (Tue 24 Nov): dispatch in 1-3 working days, then the policy's 6-12 working days.
    assert option(html, "standard") == (
        "Free shipping, carrier chosen by the store · Free Dispatched by Fri 27 Nov "
        "if approved today (we review every order) Delivered between Thu 3 Dec and Tue 15 Dec "
        "(6–12 working days in transit) DDP: duties and taxes paid by us, nothing to pay on arrival."
    )
    assert (
        "Shipping is free: no shipping charge appears on your order, and duties and taxes are paid by us."
        in (text(html))
    )
    assert 'id="checkout-shipping">Free</td>' in html and 'id="checkout-duties">Paid by us</td>' in html
    assert 'id="checkout-total">$4.40' in html  # the goods alone
    response = client.post(
        "/checkout/",
        {
            "idempotency_key": hidden(html, "idempotency_key"),
            "expected_total": hidden(html, "expected_total"),
            "address_id": address.pk,
            "shipping_method": "standard",
            "payment_method": "paypal",
            "action": "place",
        },
    )
    order = Order.objects.get()
    assert response.status_code == 302 and order.shipping_total == 0 and order.incoterm == "DDP"
    page = text(client.get(response["Location"]).content.decode())
    assert "Free shipping, carrier chosen by the store · Free" in page
    assert "DDP: paid by us, nothing to pay on arrival." in page


def test_an_unserved_country_says_why_and_cannot_be_placed(client, buyer):
    shop()
    fill_cart(buyer, {"TI-LM317T": 10})
    moscow = make_address(buyer, country="RU", city="Moscow", postal_code="125009", line1="Tverskaya 1")
    client.force_login(buyer)
    html = client.get("/checkout/").content.decode()
    assert offered(html) == []
    assert (
        '<p class="error" id="shipping-problem" role="alert">We do not ship to this country yet.</p>' in html
    )
    assert 'value="place" disabled aria-describedby="shipping-problem"' in html
    assert 'id="checkout-shipping">—' in html
    response = client.post(
        "/checkout/",
        {
            "idempotency_key": hidden(html, "idempotency_key"),
            "expected_total": hidden(html, "expected_total"),
            "address_id": moscow.pk,
            "shipping_method": "ups.saver",
            "payment_method": "wire_transfer",
            "action": "place",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400 and "We do not ship to this country yet." in html
    assert not Order.objects.exists()


# --- The order page --------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, buyer):
    shop()
    make_address(buyer)
    client.force_login(buyer)
    return client


def delivery(client, order) -> str:
    html = client.get(f"/account/orders/{order.number}/").content.decode()
    return text(html[html.index('id="delivery"') :])


def test_before_the_clock_starts_the_promise_is_in_working_days(signed_in, buyer):
    order = place(buyer)
    page = delivery(signed_in, order)
    assert "Shipping UPS Worldwide Saver · $24.96" in page
    assert "Dispatched within 3–5 working days of payment. Delivery Then 3–7 working days in transit." in page
    assert "DAP: you may have to pay import duties and taxes on arrival." in page


def test_the_direct_store_counts_from_approval(client, buyer):
    shop("direct")
    make_address(buyer)
    client.force_login(buyer)
    order = paid(place(buyer, method="paypal"))
    assert order.status == OrderStatus.PAID
    page = delivery(client, order)
    assert "Dispatched within 1–3 working days of approval (we review every paid order)." in page
    assert "Free shipping, carrier chosen by the store · Free" in page
    order_services.order_approve(order=order, actor=staff(), note="")
    assert "Dispatch by Fri 27 Nov 2026" in delivery(client, order)


def test_once_paid_the_page_shows_the_dispatch_deadline_and_delivery_window(signed_in, buyer):
    order = paid(place(buyer))
    page = delivery(signed_in, order)
    assert "Dispatch by Tue 1 Dec 2026 Delivery Delivered between Wed 2 Dec and Thu 10 Dec 2026" in page
    assert "Parcel" not in page


def test_parcels_tracking_and_delivery_as_the_buyer_sees_them(signed_in, buyer, time_machine):
    order = paid(place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 5}))
    lines = {line.sku: line for line in order.lines.all()}
    packer = staff_member("packer@example.com")
    first = shipment_create(
        order=order,
        actor=packer,
        carrier="ups",
        service="saver",
        tracking_number="1ZFIRST0001",
        quantities={lines["TI-LM317T"].pk: 4},
    )
    html = signed_in.get(f"/account/orders/{order.number}/").content.decode()
    assert 'id="order-status">Partially shipped' in html
    parcel = text(html[html.index(f'id="parcel-{first.number}"') :])
    assert f"Parcel {first.number} Shipped Carrier UPS Worldwide Saver" in parcel
    assert f'href="{UPS_LINK}1ZFIRST0001"' in html
    assert "Shipped Tue 24 Nov 2026 Expected Delivered between Fri 27 Nov and Thu 3 Dec 2026" in parcel
    assert (
        "LM317T Texas Instruments · SKU TI-LM317T 4" in parcel
        and "AMS1117" not in parcel.split("Tracking")[0]
    )
    assert "No tracking news yet" in parcel
    page = delivery(signed_in, order)
    # Still to ship: the rest of the line and the other line; the dispatch deadline still holds for them.
    assert "Still to ship 6 × LM317T" in page and "5 × AMS1117-3.3" in page
    assert "Dispatch by Tue 1 Dec 2026" in page

    time_machine.move_to(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    second = shipment_create(
        order=order, actor=packer, carrier="ups", service="saver", tracking_number="1ZSECOND02"
    )
    tracking_events_record(
        events=[
            event("1ZFIRST0001", "e1", "2026-11-24T10:15:00Z", "picked_up", location="Shenzhen"),
            event(
                "1ZFIRST0001",
                "e3",
                "2026-11-26T01:00:00Z",
                "customs",
                location="Amsterdam",
                description="Cleared",
            ),
            event("1ZFIRST0001", "e2", "2026-11-25T08:30:00Z", "in_transit", location="Hong Kong"),
        ],
        actor=None,
    )
    html = signed_in.get(f"/account/orders/{order.number}/").content.decode()
    assert 'id="order-status">Shipped' in html and "Still to ship" not in html and "Dispatch by" not in html
    timeline = re.findall(
        r'<li class="tracking-event status-(\w+)"><time[^>]*>([^<]+)</time>', html[html.index(first.number) :]
    )
    # Newest first, in Shanghai time.
    assert timeline[:3] == [
        ("customs", "Thu 26 Nov 2026 09:00"),
        ("in_transit", "Wed 25 Nov 2026 16:30"),
        ("picked_up", "Tue 24 Nov 2026 18:15"),
    ]
    assert "In customs · Amsterdam — Cleared" in text(html)
    assert '<span class="tag">In customs</span>' in html

    tracking_events_record(
        events=[
            event("1ZFIRST0001", "e4", "2026-11-26T06:00:00Z", "delivered", location="Amsterdam"),
            event("1ZSECOND02", "f1", "2026-11-26T11:00:00Z", "delivered", location="Amsterdam"),
        ],
        actor=None,
    )
    html = signed_in.get(f"/account/orders/{order.number}/").content.decode()
    assert 'id="order-status">Delivered' in html
    assert 'id="order-delivered">Thu 26 Nov 2026' in html  # 11:00 UTC is 19:00 in Shanghai
    assert html.count('<span class="tag status-delivered">Delivered</span>') == 2
    first_parcel = text(
        html[html.index(f'id="parcel-{first.number}"') : html.index(f'id="parcel-{second.number}"')]
    )
    assert "Delivered Thu 26 Nov 2026 14:00" in first_parcel and "Expected" not in first_parcel


def test_the_order_page_reads_parcels_in_a_fixed_number_of_queries(signed_in, buyer):
    orders = []
    for parcels in (1, 3):
        order = paid(place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 5, "YAG-RC0603-10K": 50}))
        lines = list(order.lines.all())
        for n in range(parcels):
            quantities = None if n == parcels - 1 else {lines[n].pk: lines[n].quantity}
            shipment = shipment_create(
                order=order,
                actor=staff(),
                carrier="ups",
                service="saver",
                tracking_number=f"1Z{order.pk:04d}{n:04d}",
                quantities=quantities,
            )
            tracking_events_record(
                events=[
                    event(shipment.tracking_number, f"{shipment.number}-a", "2026-11-23T19:00:00Z", "info")
                ],
                actor=None,
            )
        orders.append(order)
    signed_in.get(f"/account/orders/{orders[0].number}/")  # warm the policy cache
    counts = []
    for order in orders:
        with CaptureQueriesContext(connection) as ctx:
            assert signed_in.get(f"/account/orders/{order.number}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_another_buyers_shipped_order_is_not_found(client, signed_in, buyer, other_buyer):
    order = paid(place(buyer))
    shipment_create(order=order, actor=staff(), carrier="ups", service="saver", tracking_number="1ZMINE0001")
    client.force_login(other_buyer)
    response = client.get(f"/account/orders/{order.number}/")
    assert response.status_code == 404 and "1ZMINE0001" not in response.content.decode()


def test_a_number_no_database_can_store_is_404_on_order_and_desk_pages(client, buyer):
    from tradepost.orders.tests.factories import staff_member

    client.force_login(buyer)
    assert client.get("/account/orders/TP%00x/").status_code == 404
    client.force_login(staff_member(desks=("fulfilment",)))
    assert client.get("/desk/orders/TP%00x/").status_code == 404
    assert client.post("/desk/shipping/shipments/TP%00x-1/delivered/", {}).status_code == 404
