from decimal import Decimal

import pytest
from django.core import mail

from tradepost.cart.services import cart_for
from tradepost.catalog.models import Product
from tradepost.checkout.services import OutOfStock, checkout_place, checkout_preview
from tradepost.core.exceptions import Conflict, ValidationFailed
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.tests.factories import fill_cart, make_address, place, shop

pytestmark = pytest.mark.django_db


def test_placing_takes_stock_prices_by_break_and_keeps_the_policy_version(buyer):
    shop()
    order = place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 3})
    assert order.status == OrderStatus.AWAITING_PAYMENT
    lines = {line.sku: line for line in order.lines.all()}
    assert lines["TI-LM317T"].unit_price == Decimal("0.4400") and lines["TI-LM317T"].line_total == Decimal(
        "4.40"
    )
    assert lines["AMS-1117-33"].line_total == Decimal("0.36")
    # components preset: shipping is charged (flat until the shipping issue lands)
    assert order.goods_total == Decimal("4.76")
    assert order.total == order.goods_total + order.shipping_total
    assert Product.objects.get(sku="TI-LM317T").stock == 90
    assert order.policy_version.preset == "components"
    assert not cart_for(user=buyer).lines.exists()
    assert order.events.get().kind == "placed"
    assert order.payment_due_at > order.placed_at


def test_the_same_key_returns_the_same_order(buyer):
    shop()
    first = place(buyer, key="double-click")
    fill_cart(buyer, {"TI-LM317T": 10})
    again, created = checkout_place(
        user=buyer,
        idempotency_key="double-click",
        address_id=buyer.addresses.get().pk,
        shipping_method=None,
        payment_method="wire_transfer",
    )
    assert not created and again.pk == first.pk
    assert Order.objects.count() == 1
    assert Product.objects.get(sku="TI-LM317T").stock == 90


def test_out_of_stock_places_nothing_and_keeps_the_cart(buyer):
    shop()
    fill_cart(buyer, {"TI-LM317T": 100})
    Product.objects.filter(sku="TI-LM317T").update(stock=50)
    address = make_address(buyer)
    with pytest.raises(ValidationFailed) as caught:
        checkout_place(
            user=buyer,
            idempotency_key="k",
            address_id=address.pk,
            shipping_method=None,
            payment_method="wire_transfer",
        )
    assert caught.value.errors[0].field == "cart.TI-LM317T"
    assert not Order.objects.exists()
    assert cart_for(user=buyer).lines.count() == 1


def test_stock_race_between_preview_and_place_is_refused(buyer, monkeypatch):
    shop()
    fill_cart(buyer, {"TI-LM317T": 100})
    address = make_address(buyer)
    import tradepost.checkout.services as checkout

    real = checkout.checkout_preview

    def preview_then_someone_buys(**kwargs):
        result = real(**kwargs)
        Product.objects.filter(sku="TI-LM317T").update(stock=99)
        return result

    monkeypatch.setattr(checkout, "checkout_preview", preview_then_someone_buys)
    with pytest.raises(OutOfStock):
        checkout_place(
            user=buyer,
            idempotency_key="k",
            address_id=address.pk,
            shipping_method=None,
            payment_method="wire_transfer",
        )
    # The conditional UPDATE refused; the whole transaction (with the stand-in purchase) rolled back.
    assert Product.objects.get(sku="TI-LM317T").stock == 100
    assert not Order.objects.exists()


def test_a_method_the_policy_does_not_offer_is_a_field_error(buyer):
    shop("direct")
    fill_cart(buyer, {"TI-LM317T": 1})
    address = make_address(buyer)
    with pytest.raises(ValidationFailed) as caught:
        checkout_place(
            user=buyer,
            idempotency_key="k",
            address_id=address.pk,
            shipping_method=None,
            payment_method="wire_transfer",
        )
    assert [e.field for e in caught.value.errors] == ["payment_method"]


def test_someone_elses_address_is_not_found(buyer, other_buyer):
    shop()
    fill_cart(buyer, {"TI-LM317T": 1})
    theirs = make_address(other_buyer)
    preview = checkout_preview(user=buyer, address_id=theirs.pk, payment_method="paypal")
    assert [e.field for e in preview.errors] == ["address_id"]


def test_changed_total_since_review_places_nothing(buyer):
    shop()
    fill_cart(buyer, {"TI-LM317T": 1})
    address = make_address(buyer)
    with pytest.raises(Conflict, match="Prices changed"):
        checkout_place(
            user=buyer,
            idempotency_key="k",
            address_id=address.pk,
            shipping_method=None,
            payment_method="paypal",
            expected_total=Decimal("0.01"),
        )
    assert not Order.objects.exists()


def test_direct_store_ships_free(buyer):
    shop("direct")
    order = place(buyer, {"TI-LM317T": 1}, method="paypal")
    assert order.shipping_total == 0 and order.total == Decimal("0.52")


def test_placed_email_goes_out_after_commit(buyer, django_capture_on_commit_callbacks):
    shop()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(buyer)
    assert len(mail.outbox) == 1
    assert order.number in mail.outbox[0].subject
    assert mail.outbox[0].alternatives and order.number in mail.outbox[0].body


def test_the_order_and_its_placed_email_are_recorded_in_one_transaction(buyer, monkeypatch):
    from tradepost.checkout import services
    from tradepost.notifications.models import Notification

    shop()
    stock = Product.objects.get(sku="TI-LM317T").stock

    def broken(**kwargs):
        raise RuntimeError("the outbox is unwritable")

    monkeypatch.setattr(services, "order_email_queue", broken)
    with pytest.raises(RuntimeError):
        place(buyer)
    # Nothing half-written: no order, stock back, the cart kept, no email.
    assert not Order.objects.exists() and not Notification.objects.exists()
    assert Product.objects.get(sku="TI-LM317T").stock == stock
    assert cart_for(user=buyer).lines.exists()
    monkeypatch.undo()
    order = place(buyer)
    assert order.number in Notification.objects.get(kind="orders.placed").subject


def test_a_mail_server_that_is_down_does_not_fail_a_committed_order(buyer, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    shop()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        order = place(buyer)
    assert Order.objects.filter(pk=order.pk).exists()
    # The outbox keeps the message with the error and retries it later.
    from tradepost.notifications.models import Notification

    [row] = Notification.objects.filter(kind="orders.placed")
    assert (row.state, row.attempts) == ("queued", 1) and "refused" in row.last_error.lower()
    assert "not sent" in caplog.text
