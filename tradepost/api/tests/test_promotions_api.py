import pytest

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.orders.tests.factories import fill_cart, make_address, shop
from tradepost.promotions.models import Coupon
from tradepost.promotions.tests.factories import give, make_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(buyer):
    """A buyer with a token, an address and 10 x LM317T (4.40 USD) in the cart; shipping 24.96."""
    shop()
    fill_cart(buyer, {"TI-LM317T": 10})
    return {"auth": token_for(buyer), "address": make_address(buyer)}


def body(ready, **fields) -> dict:
    return {"address_id": ready["address"].pk, "payment_method": "wire_transfer", **fields}


def test_redeem_codes_into_the_wallet(client, ready):
    _, coupon_code = make_code(value="2.00")
    _, promo = make_code("promotion_code", coupon_kind="shipping", value_type="full_shipping", value="0")
    first = post(client, "/coupons/redeem", {"code": coupon_code}, **ready["auth"])
    assert first.status_code == 201 and first.json()["kind"] == "product"
    second = post(client, "/coupons/redeem", {"code": promo}, **ready["auth"])
    assert second.status_code == 201 and second.json()["label"] == "Free shipping"
    again = post(client, "/coupons/redeem", {"code": coupon_code}, **ready["auth"])
    assert_problem(again, 409, code="code_already_redeemed")
    wrong = post(client, "/coupons/redeem", {"code": "NOPE-NOPE"}, **ready["auth"])
    assert_problem(wrong, 422, code="code_invalid")
    wallet = client.get(f"{API}/coupons", **ready["auth"]).json()
    assert sorted(c["state"] for c in wallet) == ["available", "available"]


def test_checkout_with_both_coupons(client, ready, buyer):
    product = give(buyer, value="1.00")
    shipping = give(buyer, coupon_kind="shipping", value_type="full_shipping", value="0")
    fields = body(ready, product_coupon_id=product.pk, shipping_coupon_id=shipping.pk)
    preview = post(client, "/checkout/preview", fields, **ready["auth"]).json()
    assert preview["ready"] is True, preview["errors"]
    assert preview["totals"] == {
        "goods": "4.40",
        "discount": "25.96",
        "shipping": "24.96",
        "duties": "0.00",
        "total": "3.40",
    }
    assert [(d["applies_to"], d["amount"]) for d in preview["discounts"]] == [
        ("goods", "1.00"),
        ("shipping", "24.96"),
    ]
    placed = post(client, "/checkout", fields, HTTP_IDEMPOTENCY_KEY="k1", **ready["auth"])
    assert placed.status_code == 201, placed.json()
    assert placed.json()["totals"]["total"] == "3.40"
    wallet = client.get(f"{API}/coupons", **ready["auth"]).json()
    assert {c["state"] for c in wallet} == {"used"}
    assert {c["used_by_order"] for c in wallet} == {placed.json()["number"]}


def test_another_buyers_coupon_is_never_usable(client, ready, other_buyer):
    theirs = give(other_buyer)
    preview = post(
        client, "/checkout/preview", body(ready, product_coupon_id=theirs.pk), **ready["auth"]
    ).json()
    assert [(e["field"], e["code"]) for e in preview["errors"]] == [("product_coupon_id", "not_found")]
    placed = post(
        client,
        "/checkout",
        body(ready, product_coupon_id=theirs.pk),
        HTTP_IDEMPOTENCY_KEY="k",
        **ready["auth"],
    )
    assert placed.status_code == 422
    assert [e["field"] for e in placed.json()["errors"]] == ["product_coupon_id"]
    assert Coupon.objects.get(pk=theirs.pk).state == "available"
    assert client.get(f"{API}/coupons", **ready["auth"]).json() == []
