"""Replacements and repairs go back as orders with nothing to pay, through the shipping desk."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tradepost.aftersales import services
from tradepost.aftersales.models import Rma, RmaState
from tradepost.aftersales.tests.factories import AMS, LM317, delivered_order, set_warranty_class, shop, staff
from tradepost.api.tests.test_accounts_api import API, post, token_for
from tradepost.catalog.models import Product
from tradepost.core.exceptions import Conflict, ValidationFailed
from tradepost.orders.models import Order, OrderStatus
from tradepost.shipping.selectors import dispatch_queue

pytestmark = pytest.mark.django_db

SHIPPED = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def lost_parcel_inspected(buyer, quantity=4):
    """A components order whose parcel never arrived: the claim approved and inspected, ready to resolve."""
    shop("components")
    desk = staff()
    order = delivered_order(buyer, shipped=SHIPPED, delivered=None)
    line = order.lines.get(sku=LM317)
    claim = services.Claim(
        line_id=line.pk, quantity=quantity, reason="lost_parcel", description="Never came."
    )
    with at(SHIPPED + timedelta(days=30)):
        rma = services.rma_request(order=order, user=buyer, claim=claim)
        rma = services.rma_approve(rma=rma, actor=desk)
        rma = services.rma_inspect(rma=rma, actor=desk, condition="No tracking news for three weeks")
    return order, rma, desk


def test_a_replacement_is_a_free_order_approved_for_dispatch_that_takes_stock(buyer):
    order, rma, desk = lost_parcel_inspected(buyer)
    stock = Product.objects.get(sku=LM317).stock
    with at(SHIPPED + timedelta(days=31)):
        rma = services.rma_resolve(
            rma=rma, actor=desk, resolution="replacement", note="A new parcel goes out."
        )
    follow_up = rma.follow_up_order
    assert rma.state == RmaState.RESOLVED and follow_up is not None
    assert follow_up.user_id == order.user_id and follow_up.total == 0 and follow_up.amount_paid == 0
    assert follow_up.status == OrderStatus.APPROVED and follow_up.dispatch_due_at is not None
    assert follow_up.ship_line1 == order.ship_line1 and follow_up.shipping_method == order.shipping_method
    assert follow_up.policy_version_id == order.policy_version_id
    assert [(line.sku, line.quantity, line.unit_price) for line in follow_up.lines.all()] == [(LM317, 4, 0)]
    assert Product.objects.get(sku=LM317).stock == stock - 4
    assert follow_up in list(dispatch_queue())
    assert f"sent free as order {follow_up.number}" in rma.events.last().message
    with pytest.raises(Conflict):
        services.rma_resolve(rma=rma, actor=desk, resolution="replacement", note="again")
    assert Order.objects.filter(rma_follow_up__isnull=False).count() == 1


def test_a_replacement_of_the_same_value_must_not_be_worth_more_and_must_be_in_stock(buyer):
    _, rma, desk = lost_parcel_inspected(buyer)
    orders_before = Order.objects.count()
    for sku, code in (("NOPE-1", "not_found"), ("TI-LM317LZ", "worth_more")):
        with pytest.raises(ValidationFailed) as refused:
            services.rma_resolve(rma=rma, actor=desk, resolution="replacement", note="x", replacement_sku=sku)
        assert refused.value.errors[0].field == "replacement_sku" and refused.value.code == code
    Product.objects.filter(sku=AMS).update(stock=1)
    with pytest.raises(Conflict) as short:
        services.rma_resolve(rma=rma, actor=desk, resolution="replacement", note="x", replacement_sku=AMS)
    assert short.value.code == "out_of_stock"
    assert Order.objects.count() == orders_before and Rma.objects.get(pk=rma.pk).state == RmaState.INSPECTED
    Product.objects.filter(sku=AMS).update(stock=100)
    rma = services.rma_resolve(rma=rma, actor=desk, resolution="replacement", note="x", replacement_sku=AMS)
    assert [(line.sku, line.quantity) for line in rma.follow_up_order.lines.all()] == [(AMS, 4)]
    assert Product.objects.get(sku=AMS).stock == 96


def test_a_repaired_unit_goes_back_without_touching_stock(buyer):
    shop("wholesale")
    desk = staff()
    set_warranty_class("regulators", "cell_phones")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    line = order.lines.get(sku=LM317)
    claim = services.Claim(line_id=line.pk, quantity=1, reason="defective", description="Dead.")
    with at(DELIVERED + timedelta(days=200)):
        rma = services.rma_request(order=order, user=buyer, claim=claim)
        services.rma_approve(rma=rma, actor=desk)
        services.rma_receive(rma=rma, actor=desk, restock=False)
        rma = services.rma_inspect(rma=rma, actor=desk, condition="Regulator failed; replaced the die")
        stock = Product.objects.get(sku=LM317).stock
        rma = services.rma_resolve(rma=rma, actor=desk, resolution="repair", note="Repaired.")
    back = rma.follow_up_order.lines.get()
    assert back.product is None and back.sku == LM317 and back.quantity == 1 and back.hs_code == line.hs_code
    assert Product.objects.get(sku=LM317).stock == stock


def test_the_desk_api_resolves_with_a_replacement_and_the_buyer_sees_the_order(client, buyer):
    _, rma, desk = lost_parcel_inspected(buyer)
    response = post(
        client,
        f"/desk/rmas/{rma.number}/resolve",
        {"resolution": "replacement", "note": "On its way again.", "replacement_sku": ""},
        **token_for(desk),
    )
    assert response.status_code == 200, response.content
    number = response.json()["follow_up_order"]
    assert number and number.startswith("TP-")
    mine = client.get(f"{API}/rmas/{rma.number}", **token_for(buyer)).json()
    assert mine["follow_up_order"] == number
    assert client.get(f"{API}/orders/{number}", **token_for(buyer)).json()["total"] == "0.00"
    client.force_login(buyer)
    page = client.get(f"/account/rmas/{rma.number}/").content.decode()
    assert f'href="/account/orders/{number}/"' in page


def _wholesale_with_money_back_remedies(remedies: list[str]):
    """The wholesale store, its money-back guarantee offering only `remedies`."""
    import tomllib

    from tradepost.policies.loading import parse_policy, preset_path
    from tradepost.policies.services import policy_activate

    data = tomllib.loads(preset_path("wholesale").read_text())
    data["money_back"]["remedies"] = remedies
    policy_activate(policy=parse_policy(data, "test"), source="test")


def money_back_inspected(buyer, remedies: list[str]):
    shop("wholesale")
    _wholesale_with_money_back_remedies(remedies)
    desk = staff()
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    line = order.lines.get(sku=LM317)
    claim = services.Claim(line_id=line.pk, quantity=2, reason="changed_mind", description="Not needed.")
    with at(SHIPPED + timedelta(days=3)):
        rma = services.rma_request(order=order, user=buyer, claim=claim)
        services.rma_approve(rma=rma, actor=desk)
        services.rma_receive(rma=rma, actor=desk, restock=True)
        rma = services.rma_inspect(rma=rma, actor=desk, condition="Sealed")
    return rma, desk


def test_money_back_replacements_follow_the_policys_remedies(buyer):
    rma, desk = money_back_inspected(buyer, ["refund", "replacement_same_product"])
    with pytest.raises(ValidationFailed) as other:
        services.rma_resolve(rma=rma, actor=desk, resolution="replacement", note="x", replacement_sku=AMS)
    assert other.value.code == "same_product_only" and other.value.errors[0].field == "replacement_sku"
    rma = services.rma_resolve(rma=rma, actor=desk, resolution="replacement", note="Same part again.")
    assert [line.sku for line in rma.follow_up_order.lines.all()] == [LM317]


def test_a_money_back_guarantee_that_only_refunds_offers_no_replacement(buyer):
    rma, desk = money_back_inspected(buyer, ["refund"])
    with pytest.raises(ValidationFailed) as refused:
        services.rma_resolve(rma=rma, actor=desk, resolution="replacement", note="x")
    assert refused.value.code == "not_offered" and rma.follow_up_order is None
