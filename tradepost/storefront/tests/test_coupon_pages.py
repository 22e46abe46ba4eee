"""My coupons (wallet + redeem) and the coupon pickers at checkout."""

import pytest

from tradepost.orders.models import Order
from tradepost.orders.tests.factories import activate, fill_cart, make_address, shop
from tradepost.promotions.models import Coupon
from tradepost.promotions.tests.factories import give, make_code
from tradepost.storefront.tests.test_checkout_pages import form_data

pytestmark = pytest.mark.django_db


def test_my_coupons_redeems_a_promotion_code_and_lists_the_coupon(client, buyer):
    activate()
    client.force_login(buyer)
    _, code = make_code("promotion_code", coupon_kind="shipping", value_type="full_shipping", value="0")
    assert "No coupons yet" in client.get("/account/coupons/").content.decode()
    response = client.post("/account/coupons/", {"code": code}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "Free shipping" in html and "Available" in html
    again = client.post("/account/coupons/", {"code": code})
    assert again.status_code == 409 and "already exchanged" in again.content.decode()
    wrong = client.post("/account/coupons/", {"code": "WRONG-CODE"})
    assert wrong.status_code == 400 and "not valid" in wrong.content.decode()
    assert "My coupons" in client.get("/account/").content.decode()


@pytest.fixture
def ready(client, buyer):
    shop()
    fill_cart(buyer, {"TI-LM317T": 10})
    address = make_address(buyer)
    client.force_login(buyer)
    return address


def test_checkout_offers_coupons_and_shows_each_reduction(client, ready, buyer, other_buyer):
    product = give(buyer, value="1.00")
    shipping = give(buyer, coupon_kind="shipping", value_type="full_shipping", value="0")
    theirs = give(other_buyer, value="2.00")
    html = client.get("/checkout/").content.decode()
    assert f'value="{product.pk}"' in html and f'value="{shipping.pk}"' in html
    assert f'value="{theirs.pk}"' not in html
    review = client.post(
        "/checkout/",
        form_data(
            client, ready, action="review", product_coupon_id=product.pk, shipping_coupon_id=shipping.pk
        ),
    ).content.decode()
    assert "−$1.00" in review and "−$24.96" in review and "$3.40" in review
    data = form_data(
        client, ready, product_coupon_id=product.pk, shipping_coupon_id=shipping.pk, expected_total="3.40"
    )
    response = client.post("/checkout/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    order = Order.objects.get()
    assert (str(order.discount_total), str(order.total)) == ("25.96", "3.40")
    assert set(Coupon.objects.filter(owner=buyer).values_list("state", flat=True)) == {"used"}
    page = client.get(response["Location"]).content.decode()
    assert "$1.00 off goods" in page and "Free shipping" in page and "−$24.96" in page


def test_someone_elses_coupon_is_a_field_error(client, ready, other_buyer):
    theirs = give(other_buyer, value="2.00")
    response = client.post("/checkout/", form_data(client, ready, product_coupon_id=theirs.pk))
    assert response.status_code == 400
    assert "No such coupon in your wallet." in response.content.decode()
    assert not Order.objects.exists()


def test_a_code_redeemed_inline_at_checkout_comes_back_to_checkout(client, ready):
    _, code = make_code(value="1.50")
    assert 'name="code"' in client.get("/checkout/").content.decode()
    response = client.post("/account/coupons/?next=/checkout/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/checkout/"
    assert "$1.50 off goods" in client.get("/checkout/").content.decode()
    away = client.post("/account/coupons/?next=https://evil.example/", {"code": make_code()[1]})
    assert away["Location"] == "/account/coupons/"
