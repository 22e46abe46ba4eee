"""Shipping in the browser: checkout requotes per address with htmx; a buyer follows a parcel to delivery."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tradepost.conftest import PASSWORD, make_user
from tradepost.orders.models import Order
from tradepost.orders.tests.factories import fill_cart, make_address, place, shop, staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.shipping.models import Rate
from tradepost.shipping.services import shipment_create, tracking_events_record

pytestmark = pytest.mark.django_db(transaction=True)
UPS_LINK = "https://www.ups.com/track?tracknum="


def sign_in(page, email: str, next_url: str) -> None:
    page.goto(f"/account/login/?next={next_url}")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def offered(page) -> list[str]:
    return page.locator("#shipping label.shipping-option").evaluate_all(
        "labels => labels.map(label => label.dataset.method)"
    )


def test_choosing_another_address_changes_the_methods_and_prices_in_place(page):
    shop("components")
    # FedEx does not reach North America in this store; nobody ships to Russia.
    Rate.objects.filter(service__code="priority", zone__code="north-america").delete()
    buyer = make_user("ship.buyer@example.com", full_name="Ship Buyer")
    make_address(buyer, is_default=True)  # Amsterdam
    us = make_address(buyer, country="US", city="Austin", postal_code="78701", line1="Congress Ave 1")
    ru = make_address(buyer, country="RU", city="Moscow", postal_code="125009", line1="Tverskaya 1")
    fill_cart(buyer, {"TI-LM317T": 10})
    sign_in(page, buyer.email, "/checkout/")

    assert offered(page) == ["ups.saver", "dhl.express", "fedex.priority"]
    assert page.is_checked('input[name=shipping_method][value="ups.saver"]')
    assert page.locator("#checkout-total").inner_text() == "$29.36"
    page.evaluate("window.stillTheSamePage = true")  # gone if the browser loads a new page

    page.check('input[name=shipping_method][value="fedex.priority"]')
    expect(page.locator("#checkout-total")).to_have_text("$31.44")  # 4.40 + 27.04 to Europe

    page.check(f'input[name=address_id][value="{us.pk}"]')
    # The US has no FedEx here: the methods are requoted and the cheapest is chosen instead.
    expect(page.locator("#checkout-total")).to_have_text("$28.40")
    assert offered(page) == ["ups.saver", "dhl.express"]
    assert page.is_checked('input[name=shipping_method][value="ups.saver"]')
    assert "$24.00" in page.locator('#shipping [data-method="ups.saver"]').inner_text()
    assert "Delivered between" in page.locator('#shipping [data-method="dhl.express"]').inner_text()

    page.check(f'input[name=address_id][value="{ru.pk}"]')
    expect(page.locator("#shipping-problem")).to_have_text("We do not ship to this country yet.")
    assert offered(page) == []
    expect(page.get_by_role("button", name="Place order")).to_be_disabled()

    page.check(f'input[name=address_id][value="{us.pk}"]')
    expect(page.get_by_role("button", name="Place order")).to_be_enabled()
    assert page.evaluate("window.stillTheSamePage") is True
    page.get_by_label("Wire transfer", exact=True).check()
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r".*/account/orders/TP-[0-9A-Z]+/$"))
    order = Order.objects.get()
    assert order.shipping_method == "ups.saver" and order.ship_country == "US"
    assert str(order.total) == "28.40"


def test_the_buyer_follows_a_shipped_parcel_to_delivery(page):
    shop("components")
    buyer = make_user("track.buyer@example.com", full_name="Track Buyer")
    make_address(buyer)
    order = place(buyer, {"TI-LM317T": 10})
    staff = staff_member()
    wire_receipt_record(order=order, amount=order.total, bank_reference="BANK-1", actor=staff)
    shipment = shipment_create(
        order=order, actor=staff, carrier="ups", service="saver", tracking_number="1ZBROWSER0001"
    )

    sign_in(page, buyer.email, f"/account/orders/{order.number}/")
    assert page.locator("#order-status").inner_text() == "Shipped"
    parcel = page.locator(f"#parcel-{shipment.number}")
    link = parcel.locator("a.tracking-link")
    assert link.inner_text() == "1ZBROWSER0001"
    assert link.get_attribute("href") == f"{UPS_LINK}1ZBROWSER0001"
    assert "UPS Worldwide Saver" in parcel.inner_text() and "Delivered between" in parcel.inner_text()
    assert "No tracking news yet" in parcel.inner_text()

    now = timezone.now()

    def report(event_id: str, ago: timedelta, status: str, location: str) -> None:
        tracking_events_record(
            events=[
                {
                    "carrier": "ups",
                    "tracking_number": "1ZBROWSER0001",
                    "event_id": event_id,
                    "occurred_at": (now - ago).isoformat(),
                    "status": status,
                    "location": location,
                }
            ],
            actor=None,
        )

    report("e2", timedelta(hours=2), "in_transit", "Hong Kong")
    report("e1", timedelta(hours=5), "picked_up", "Shenzhen")  # arrives late, happened first
    page.reload()
    events = parcel.locator("li.tracking-event")
    expect(events).to_have_count(2)
    assert "In transit" in events.nth(0).inner_text() and "Hong Kong" in events.nth(0).inner_text()
    assert "Picked up" in events.nth(1).inner_text() and "Shenzhen" in events.nth(1).inner_text()
    assert page.locator("#order-status").inner_text() == "Shipped"

    report("e3", timedelta(minutes=10), "delivered", "Amsterdam")
    page.reload()
    expect(events).to_have_count(3)
    assert "Delivered" in events.nth(0).inner_text() and "Amsterdam" in events.nth(0).inner_text()
    assert page.locator("#order-status").inner_text() == "Delivered"
    assert page.locator("#order-delivered").is_visible()
    assert "Delivered" in parcel.locator("h2 .tag").inner_text()
    order.refresh_from_db()
    assert order.status == "delivered"
