"""After-sales in the browser: a buyer files an RMA from the order page and sees it approved by the desk."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tradepost.aftersales.models import Rma
from tradepost.aftersales.tests.factories import delivered_order, staff
from tradepost.conftest import PASSWORD, make_user
from tradepost.orders.tests.factories import shop

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, email: str, next_url: str) -> None:
    page.goto(f"/account/login/?next={next_url}")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def test_buyer_files_an_rma_from_the_order_page_and_sees_the_desk_approve_it(page, browser, live_server):
    shop("components")
    buyer = make_user("rma.buyer@example.com", full_name="Rma Buyer")
    now = timezone.now()
    order = delivered_order(buyer, shipped=now - timedelta(days=6), delivered=now - timedelta(days=2))
    desk = staff("rma.desk@example.com", desks=("aftersales",))

    sign_in(page, buyer.email, f"/account/orders/{order.number}/")
    section = page.locator("#after-sales")
    expect(section).to_contain_text("Quality guarantee")
    expect(section).to_contain_text("90-day quality guarantee")
    section.get_by_role("link", name="Request a return/claim").first.click()
    page.wait_for_url(re.compile(r".*/rma/new/\?line=\d+$"))
    page.get_by_label("Quantity").fill("2")
    page.get_by_label("Reason").select_option("defective")
    page.get_by_label("Description").fill("Output stuck at 1.25 V under load.")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(re.compile(r".*/account/rmas/RMA-[0-9A-Z]+/$"))
    expect(page.locator("#rma-state")).to_have_text("Requested")
    rma = Rma.objects.get()
    assert rma.quantity == 2 and rma.reason == "defective" and rma.requested_by == buyer

    staff_context = browser.new_context(base_url=live_server.url)
    desk_page = staff_context.new_page()
    desk_page.set_default_timeout(15_000)
    sign_in(desk_page, desk.email, "/desk/aftersales/")
    desk_page.get_by_role("link", name=rma.number).click()
    desk_page.get_by_role("button", name="Approve").click()
    expect(desk_page.locator("#rma-state")).to_have_text("Approved: send the goods back")
    staff_context.close()

    page.reload()
    expect(page.locator("#rma-state")).to_have_text("Approved: send the goods back")
    expect(page.locator("#return")).to_contain_text("Print the RMA form")
    page.get_by_label("Carrier").fill("DHL")
    page.get_by_label("Tracking number").fill("JD0001234")
    page.get_by_role("button", name="I sent the parcel").click()
    expect(page.locator("#rma-state")).to_have_text("On its way back")
    expect(page.locator("#rma-timeline")).to_contain_text("Sent back with DHL")
