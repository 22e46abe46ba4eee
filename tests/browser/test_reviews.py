"""Reviews in the browser: a buyer reviews a delivered part from the order page, the after-sales desk
publishes it, and the product page shows it with the average rating."""

import pytest
from playwright.sync_api import expect

from tradepost.conftest import PASSWORD, make_user
from tradepost.orders.tests.factories import shop
from tradepost.reviews.tests.factories import LM317, delivered_order, moderator

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, email: str, next_url: str) -> None:
    page.goto(f"/account/login/?next={next_url}")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def test_review_from_the_order_page_to_the_product_page(page, browser, live_server):
    shop("components")
    buyer = make_user("review.buyer@example.com", full_name="Rhea Buyer")
    order = delivered_order(buyer)
    staff = moderator()

    sign_in(page, buyer.email, f"/account/orders/{order.number}/")
    expect(page.locator("a.write-review")).to_have_count(2)  # both lines arrived
    page.locator("table.order-lines tr", has_text=LM317).locator("a.write-review").click()
    page.check('input[name=rating][value="4"]')
    page.fill("#id_title", "Steady bench supply")
    page.fill("#id_comment", "Runs cool at 1 A with a small heatsink.")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/account/reviews/")
    expect(page.locator("#my-reviews")).to_contain_text("Waiting for moderation")

    desk = browser.new_context(base_url=live_server.url).new_page()
    sign_in(desk, staff.email, "/desk/reviews/")
    desk.click("#review-queue a")
    desk.click("text=Publish")
    desk.wait_for_url("**/desk/reviews/")
    expect(desk.locator("main")).to_contain_text("No reviews here.")
    desk.context.close()

    page.goto(f"/account/orders/{order.number}/")
    expect(page.locator("table.order-lines tr", has_text=LM317)).to_contain_text("Review published")
    page.goto(f"/products/{LM317}/")
    expect(page.locator("#rating-summary")).to_contain_text("4.0 of 5 · 1 review")
    expect(page.locator("#reviews")).to_contain_text("Steady bench supply")
    expect(page.locator("#reviews")).to_contain_text("Rhea B.")
