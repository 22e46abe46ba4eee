"""The end of an order's life: an unpaid order lapses with its own email; a delivered order completes."""

from datetime import timedelta

import pytest
from django.core import mail

from tradepost.orders import services
from tradepost.orders.models import OrderStatus
from tradepost.orders.tests.factories import place, shop

pytestmark = pytest.mark.django_db


def test_a_lapsed_order_gets_its_own_email_not_a_cancellation(buyer, django_capture_on_commit_callbacks):
    shop("components")
    order = place(buyer, {"TI-LM317T": 10})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.orders_expire_unpaid(now=order.payment_due_at + timedelta(minutes=1)) == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [buyer.email]
    assert email.subject.endswith(f"Order {order.number} lapsed unpaid")
    assert "cancelled" not in email.subject.lower()
    due = f"{order.payment_due_at:%Y-%m-%d %H:%M} UTC"
    html = email.alternatives[0][0]
    for body in (email.body, html):
        assert f"was not paid by {due}" in body
        assert "went back to stock" in body and "LM317" in body
        assert "already sent a payment" in body
        assert "refund" not in body
        assert f"/account/orders/{order.number}/" in body


def test_a_partly_paid_order_that_lapses_says_what_comes_back(buyer, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from tradepost.orders.tests.factories import staff_member
    from tradepost.payments.services import wire_receipt_record

    shop("components")
    order = place(buyer, {"TI-LM317T": 10})
    wire_receipt_record(order=order, amount=Decimal("1.00"), bank_reference="PART-1", actor=staff_member())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.orders_expire_unpaid(now=order.payment_due_at + timedelta(minutes=1))
    lapsed = [m for m in mail.outbox if "lapsed" in m.subject]
    assert len(lapsed) == 1 and "we will refund 1.00 USD" in lapsed[0].body
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "non_payment"


def test_a_buyer_who_cancels_still_gets_the_cancellation_email(buyer, django_capture_on_commit_callbacks):
    shop("components")
    order = place(buyer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.order_cancel(order=order, actor=buyer)
    assert [m.subject.split("] ")[-1] for m in mail.outbox] == [f"Order {order.number} cancelled"]


# --- Completion -------------------------------------------------------------------------------------------


def delivered(buyer, preset: str | None = "components"):
    """A paid, shipped and delivered order (wire transfer; UPS as the buyer chose)."""
    from tradepost.accounts.models import User
    from tradepost.orders.tests.factories import staff_member
    from tradepost.payments.services import wire_receipt_record
    from tradepost.shipping.services import shipment_create, shipment_mark_delivered

    if preset:  # None: the shop is open already
        shop(preset)
    staff = User.objects.filter(email="staff@example.com").first() or staff_member()
    order = place(buyer, {"TI-LM317T": 10})
    wire_receipt_record(order=order, amount=order.total, bank_reference=f"B-{order.number}", actor=staff)
    order.refresh_from_db()
    if order.status != OrderStatus.APPROVED:
        order = services.order_approve(order=order, actor=staff)
    parcel = shipment_create(
        order=order,
        actor=staff,
        carrier=order.shipping_carrier or "ups",
        service=order.shipping_service or "saver",
        tracking_number=f"1Z{order.number[3:]}",
    )
    shipment_mark_delivered(shipment=parcel, actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED and order.delivered_at
    return order, staff


def test_the_policy_gives_every_preset_days_after_delivery():
    from tradepost.policies.loading import load_preset

    for name in ("components", "wholesale", "direct"):
        assert load_preset(name).orders.complete_after_delivery_days == 30


def test_a_delivered_order_completes_on_its_own_after_the_policys_days(buyer, time_machine):
    order, _ = delivered(buyer)
    days = services.order_policy(order).orders.complete_after_delivery_days
    assert services.completes_at(order) == order.delivered_at + timedelta(days=days)
    just_before = order.delivered_at + timedelta(days=days) - timedelta(seconds=1)
    assert services.orders_complete_delivered(now=just_before) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    when = order.delivered_at + timedelta(days=days)
    assert services.orders_complete_delivered(now=when) == 1
    assert services.orders_complete_delivered(now=when + timedelta(days=1)) == 0  # once
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED and order.delivered_at and order.first_shipped_at
    event = order.events.get(to_status=OrderStatus.COMPLETED)
    assert (event.from_status, event.actor_role, event.actor) == (OrderStatus.DELIVERED, "system", None)
    assert f"{days} days after delivery" in event.message and event.created_at == when


def test_each_order_keeps_the_days_of_its_own_policy_version(buyer):
    from tradepost.policies.loading import load_preset
    from tradepost.policies.services import policy_activate

    order, staff = delivered(buyer)
    preset = load_preset("components")
    shorter = preset.model_copy(
        update={"orders": preset.orders.model_copy(update={"complete_after_delivery_days": 2})}
    )
    policy_activate(policy=shorter, source="test", actor=staff, note="complete sooner")
    # The new version does not shorten an order bought under the old one.
    assert services.orders_complete_delivered(now=order.delivered_at + timedelta(days=3)) == 0
    assert services.orders_complete_delivered(now=order.delivered_at + timedelta(days=30)) == 1


def test_staff_complete_a_delivered_order_sooner_and_nothing_else(buyer):
    from tradepost.core.exceptions import Conflict, ValidationFailed

    order, staff = delivered(buyer)
    with pytest.raises(ValidationFailed):
        services.order_complete(order=order, actor=staff, note="x" * (services.MAX_TEXT + 1))
    order = services.order_complete(order=order, actor=staff, note="Buyer confirmed receipt by phone")
    assert order.status == OrderStatus.COMPLETED
    event = order.events.get(to_status=OrderStatus.COMPLETED)
    assert event.actor == staff and event.internal_note == "Buyer confirmed receipt by phone"
    with pytest.raises(Conflict):
        services.order_complete(order=order, actor=staff)
    assert services.orders_complete_delivered(now=order.delivered_at + timedelta(days=365)) == 0
    unshipped = place(buyer)
    with pytest.raises(Conflict):
        services.order_complete(order=unshipped, actor=staff)
    unshipped.refresh_from_db()
    assert unshipped.status == OrderStatus.AWAITING_PAYMENT


def test_the_complete_command_runs_the_sweep(buyer, time_machine):
    from io import StringIO

    from django.core.management import call_command

    order, _ = delivered(buyer)
    time_machine.move_to(order.delivered_at + timedelta(days=31))
    out = StringIO()
    call_command("orders", "complete", stdout=out)
    assert "1 delivered orders completed." in out.getvalue()
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_the_desk_completes_through_the_page_and_the_api_and_nobody_else_can(client, buyer, other_buyer):
    from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for

    order, staff = delivered(buyer)
    client.force_login(staff)
    page = client.get(f"/desk/orders/{order.number}/").content.decode()
    assert 'id="action-complete"' in page and "Completes on its own on" in page
    # Not for the buyer or another buyer, through the API or the desk pages.
    for who in (buyer, other_buyer):
        assert_problem(post(client, f"/desk/orders/{order.number}/complete", {}, **token_for(who)), 404)
    client.force_login(other_buyer)
    assert client.post(f"/desk/orders/{order.number}/complete/", {}).status_code in (302, 404)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    client.force_login(staff)
    response = client.post(f"/desk/orders/{order.number}/complete/", {"complete-note": "Confirmed"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    page = client.get(f"/desk/orders/{order.number}/").content.decode()
    assert 'id="action-complete"' not in page
    # Done already: the refusal shows on the page, not as a server error; the API says 409.
    assert client.post(f"/desk/orders/{order.number}/complete/", {}).status_code == 400
    other, _ = delivered(other_buyer, preset=None)
    staff_token = token_for(staff)
    response = post(client, f"/desk/orders/{other.number}/complete", {"note": "ok"}, **staff_token)
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert_problem(post(client, f"/desk/orders/{other.number}/complete", {}, **staff_token), 409)
    assert client.get(API + f"/orders/{other.number}", **token_for(other_buyer)).json()["status"] == (
        "completed"
    )
