"""The RMA flow in the language of the use case: given a preset and a clock, when someone acts, then what
they see and what is stored."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tradepost.accounts.models import AccountType
from tradepost.aftersales import services
from tradepost.aftersales.calculations import Remedy
from tradepost.aftersales.models import RmaEvent, RmaState, TroubleshootingGuide
from tradepost.aftersales.selectors import order_entitlements
from tradepost.aftersales.tests.factories import (
    AMS,
    LM317,
    delivered_order,
    set_warranty_class,
    shop,
    staff,
)
from tradepost.catalog.models import Category, Product
from tradepost.conftest import make_user
from tradepost.core.exceptions import Conflict, NotFound, PermissionDenied, RateLimited, ValidationFailed
from tradepost.orders.services import order_policy
from tradepost.payments.models import Refund
from tradepost.payments.services import refund_mark_sent
from tradepost.policies.selectors import store_calendar

pytestmark = pytest.mark.django_db

SHIPPED = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def claim(order, sku=LM317, quantity=1, reason="defective", **kwargs):
    line = order.lines.get(sku=sku)
    return services.Claim(
        line_id=line.pk, quantity=quantity, reason=reason, description="It does not work.", **kwargs
    )


def at(moment):
    return time_machine.travel(moment, tick=False)


def test_components_buyer_claims_a_defect_within_the_guarantee_and_is_refused_after(buyer):
    shop("components")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    with at(DELIVERED + timedelta(days=91)), pytest.raises(ValidationFailed) as late:
        services.rma_request(order=order, user=buyer, claim=claim(order))
    assert late.value.errors[0].field == "reason" and late.value.code == "window_closed"
    assert "quality guarantee" in late.value.message and "closed on 2026-06-07" in late.value.message
    with at(DELIVERED + timedelta(days=10)):
        rma = services.rma_request(order=order, user=buyer, claim=claim(order, quantity=3))
    assert rma.state == RmaState.REQUESTED and rma.remedy == Remedy.QUALITY_GUARANTEE
    assert rma.number.startswith("RMA-") and "90-day" in rma.window_rule
    event = rma.events.get()
    assert event.actor == buyer and event.actor_role == "buyer" and event.kind == RmaEvent.Kind.REQUESTED


def test_changed_mind_is_not_covered_by_the_components_guarantee(buyer):
    shop("components")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    with at(DELIVERED + timedelta(days=1)), pytest.raises(ValidationFailed) as refused:
        services.rma_request(order=order, user=buyer, claim=claim(order, reason="changed_mind"))
    assert refused.value.code == "not_covered"


def test_units_cannot_be_claimed_twice_and_other_buyers_find_nothing(buyer, other_buyer):
    shop("components")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    with at(DELIVERED + timedelta(days=1)):
        services.rma_request(order=order, user=buyer, claim=claim(order, quantity=8))
        with pytest.raises(ValidationFailed) as too_many:
            services.rma_request(order=order, user=buyer, claim=claim(order, quantity=3))
        assert too_many.value.errors[0].field == "quantity" and "At most 2" in too_many.value.message
        with pytest.raises(NotFound):
            services.rma_request(order=order, user=other_buyer, claim=claim(order))
        with pytest.raises(ValidationFailed) as bad:
            services.rma_request(order=order, user=buyer, claim=claim(order, quantity=0, reason="bogus"))
    assert {e.field for e in bad.value.errors} == {"quantity", "reason"}


def test_wholesale_money_back_flow_refunds_goods_only_due_ten_working_days_after_inspection(
    buyer, django_capture_on_commit_callbacks, mailoutbox
):
    shop("wholesale")
    desk = staff()
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    assert order.shipping_total > 0
    stock = Product.objects.get(sku=LM317).stock
    with at(SHIPPED + timedelta(days=14)), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationFailed) as no_repair:  # money-back offers refund or replacement
            services.rma_request(
                order=order,
                user=buyer,
                claim=claim(order, quantity=10, reason="changed_mind", preferred_resolution="repair"),
            )
        assert no_repair.value.errors[0].field == "preferred_resolution"
        rma = services.rma_request(
            order=order,
            user=buyer,
            claim=claim(order, quantity=10, reason="changed_mind", preferred_resolution="refund"),
        )
    assert rma.remedy == Remedy.MONEY_BACK and rma.preferred_resolution == "refund"
    with at(SHIPPED + timedelta(days=15)), django_capture_on_commit_callbacks(execute=True):
        rma = services.rma_approve(rma=rma, actor=desk)
        assert "Kwai Chung" in rma.return_address  # the wholesale policy's return address
        rma = services.rma_return_shipped(
            rma=rma, actor=buyer, carrier="Hong Kong Post", tracking_number="rr 1234 hk"
        )
        assert rma.return_tracking_number == "RR1234HK"
    inspected = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)  # a Friday
    with at(inspected), django_capture_on_commit_callbacks(execute=True):
        rma = services.rma_receive(rma=rma, actor=desk, restock=True)
        with pytest.raises(Conflict):
            services.rma_receive(rma=rma, actor=desk, restock=True)
        rma = services.rma_inspect(rma=rma, actor=desk, condition="Sealed, as new")
        with pytest.raises(ValidationFailed) as over:
            services.rma_resolve(rma=rma, actor=desk, resolution="refund", amount=str(order.total))
        assert over.value.errors[0].field == "amount"
        rma = services.rma_resolve(rma=rma, actor=desk, resolution="refund")
    assert Product.objects.get(sku=LM317).stock == stock + 10  # restocked once
    line = order.lines.get(sku=LM317)
    assert rma.refund.amount == line.line_total < order.total - order.shipping_total
    policy = order_policy(order)
    calendar = store_calendar(policy)
    assert rma.refund.due_at == calendar.add_working_days(inspected, policy.refunds.max_working_days)
    # Ten working days from Friday 20 March: Hong Kong works Saturdays, so Sundays alone are skipped.
    assert calendar.working_days_between(inspected, rma.refund.due_at) == policy.refunds.max_working_days
    assert rma.refund.due_at.astimezone(ZoneInfo(policy.store.timezone)).date() == date(2026, 4, 1)
    assert rma.state == RmaState.RESOLVED
    kinds = list(rma.events.values_list("kind", "actor_role"))
    assert kinds == [
        ("requested", "buyer"),
        ("approved", "staff"),
        ("return_shipped", "buyer"),
        ("received", "staff"),
        ("inspected", "staff"),
        ("resolved", "staff"),
    ]
    subjects = [m.subject for m in mailoutbox]
    for word in ("we have your request", "approved", "received the goods", "resolved"):
        assert any(word in s for s in subjects), (word, subjects)


def test_a_repeated_receive_never_restocks_twice(buyer):
    shop("direct")
    desk = staff()
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    stock = Product.objects.get(sku=AMS).stock
    with at(DELIVERED + timedelta(days=3)):
        rma = services.rma_request(
            order=order, user=buyer, claim=claim(order, sku=AMS, quantity=2, reason="changed_mind")
        )
        services.rma_approve(rma=rma, actor=desk)
        services.rma_receive(rma=rma, actor=desk, restock=True)
        for _ in range(3):
            with pytest.raises(Conflict):
                services.rma_receive(rma=rma, actor=desk, restock=True)
    assert Product.objects.get(sku=AMS).stock == stock + 2


def test_wholesale_warranty_exclusion_rejects_the_claim_with_the_reason(
    buyer, django_capture_on_commit_callbacks, mailoutbox
):
    shop("wholesale")
    desk = staff()
    set_warranty_class("regulators", "cell_phones")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    with at(DELIVERED + timedelta(days=200)):
        rma = services.rma_request(order=order, user=buyer, claim=claim(order))
        assert rma.remedy == Remedy.WARRANTY
        services.rma_approve(rma=rma, actor=desk)
        services.rma_receive(rma=rma, actor=desk, restock=False)
        with pytest.raises(ValidationFailed) as unknown:
            services.rma_inspect(rma=rma, actor=desk, condition="x", exclusion="water")
        assert "software_modification" in unknown.value.message
        with django_capture_on_commit_callbacks(execute=True):
            rma = services.rma_inspect(
                rma=rma, actor=desk, condition="Other firmware flashed", exclusion="software_modification"
            )
    assert rma.state == RmaState.RESOLVED and rma.resolution == "reject" and rma.refund is None
    assert "Changes to the software" in rma.resolution_note
    assert any("Changes to the software" in m.body for m in mailoutbox)


def test_troubleshooting_steps_come_before_a_warranty_claim(buyer):
    shop("wholesale")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    TroubleshootingGuide.objects.create(
        category=Category.objects.get(slug="ics"), title="Regulator checks", steps="Check input\nCheck heat"
    )
    with at(DELIVERED + timedelta(days=30)):
        item = next(i for i in order_entitlements(order, with_guides=True) if i.line.sku == LM317)
        assert (
            item.troubleshooting.step_list == ["Check input", "Check heat"] and item.troubleshooting_required
        )
        with pytest.raises(ValidationFailed) as first:
            services.rma_request(order=order, user=buyer, claim=claim(order))
        assert first.value.errors[0].field == "troubleshooting_seen"
        rma = services.rma_request(order=order, user=buyer, claim=claim(order, troubleshooting_seen=True))
    assert rma.troubleshooting_seen_at is not None


def test_lost_parcel_claim_needs_no_return_and_is_refunded(buyer):
    shop("components")
    desk = staff()
    order = delivered_order(buyer, shipped=SHIPPED, delivered=None)
    with at(SHIPPED + timedelta(days=30)):
        rma = services.rma_request(
            order=order, user=buyer, claim=claim(order, quantity=10, reason="lost_parcel")
        )
        rma = services.rma_approve(rma=rma, actor=desk)
        assert rma.return_address == ""
        with pytest.raises(Conflict):
            services.rma_return_shipped(rma=rma, actor=buyer, carrier="DHL", tracking_number="JD1234")
        rma = services.rma_inspect(rma=rma, actor=desk, condition="No tracking news since it left")
        rma = services.rma_resolve(rma=rma, actor=desk, resolution="refund")
    assert rma.refund.amount == order.lines.get(sku=LM317).line_total


def test_wrong_states_are_refused(buyer):
    shop("components")
    desk = staff()
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    with at(DELIVERED + timedelta(days=1)):
        rma = services.rma_request(order=order, user=buyer, claim=claim(order))
        with pytest.raises(Conflict):
            services.rma_receive(rma=rma, actor=desk, restock=True)
        with pytest.raises(ValidationFailed):
            services.rma_reject(rma=rma, actor=desk, reason=" ")
        rma = services.rma_reject(rma=rma, actor=desk, reason="Photos show a burnt board from wrong wiring.")
        with pytest.raises(Conflict):
            services.rma_approve(rma=rma, actor=desk)
    assert rma.state == RmaState.REJECTED
    # a rejected request frees its units again
    assert next(i for i in order_entitlements(order) if i.line.sku == LM317).claimable == 10


def _reseller_order():
    shop("wholesale")
    reseller = make_user("shop@example.com", full_name="Rita Reseller", account_type=AccountType.RESELLER)
    order = delivered_order(reseller, shipped=SHIPPED, delivered=DELIVERED)
    return reseller, order


def test_reseller_files_for_an_end_customer_with_their_contact(buyer):
    reseller, order = _reseller_order()
    with at(DELIVERED + timedelta(days=2)):
        rma = services.rma_request(
            order=order,
            user=reseller,
            claim=claim(order, reason="changed_mind"),
            end_customer={"name": "Eve End", "email": "eve@example.net", "phone": ""},
        )
        assert rma.requester == "reseller" and rma.end_customer_email == "eve@example.net"
        assert rma.events.get().actor_role == "reseller"
        with pytest.raises(PermissionDenied):
            other = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
            services.rma_request(
                order=other,
                user=buyer,
                claim=claim(other),
                end_customer={"name": "X", "email": "x@example.net"},
            )


def test_end_customer_without_account_claims_with_serial_or_email_and_guessing_is_throttled(
    settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.THROTTLE_RMA_LOOKUP_PER_ORDER = (3, 900)
    reseller, order = _reseller_order()
    line = order.lines.get(sku=LM317)
    services.end_customer_register(
        order=order, user=reseller, line_id=line.pk, name="Eve End", email="eve@example.net", serial="sn-001"
    )
    with at(DELIVERED + timedelta(days=40)), django_capture_on_commit_callbacks(execute=True):
        rma, token = services.rma_request_end_customer(
            order_number=order.number.lower(), proof="SN-001", claim=claim(order), ip="198.51.100.7"
        )
    assert rma.requester == "end_customer" and rma.line == line and rma.remedy == Remedy.WARRANTY
    assert rma.access_token_hash == services.token_hash(token) and token not in rma.access_token_hash
    assert rma.events.get().actor_role == "end_customer"
    assert mailoutbox[-1].to == ["eve@example.net"] and token in mailoutbox[-1].body
    with at(DELIVERED + timedelta(days=40)):
        _, _again = services.rma_request_end_customer(
            order_number=order.number,
            proof="EVE@example.net",
            claim=claim(order, reason="defective"),
            ip="198.51.100.7",
        )
        for _ in range(3):
            with pytest.raises(ValidationFailed) as wrong:
                services.rma_request_end_customer(
                    order_number=order.number, proof="SN-999", claim=claim(order), ip="203.0.113.1"
                )
            assert wrong.value.errors[0].field == "proof"
        with pytest.raises(RateLimited):  # even the right serial, once the order's guesses are used up
            services.rma_request_end_customer(
                order_number=order.number, proof="SN-001", claim=claim(order), ip="203.0.113.9"
            )


def test_direct_claims_are_refused_where_the_policy_has_no_warranty(buyer):
    shop("components")
    reseller = make_user("shop@example.com", full_name="Rita Reseller", account_type=AccountType.RESELLER)
    order = delivered_order(reseller, shipped=SHIPPED, delivered=DELIVERED)
    services.end_customer_register(
        order=order, user=reseller, line_id=order.lines.get(sku=LM317).pk, name="Eve", email="eve@example.net"
    )
    with pytest.raises(PermissionDenied):
        services.rma_request_end_customer(
            order_number=order.number, proof="eve@example.net", claim=claim(order)
        )
    with pytest.raises(NotFound):  # not their order
        services.end_customer_register(order=order, user=buyer, line_id=1, name="x", email="x@example.net")
    own = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    with pytest.raises(PermissionDenied):  # a plain buyer has no end customers
        services.end_customer_register(
            order=own, user=buyer, line_id=own.lines.first().pk, name="x", email="x@example.net"
        )


def test_a_sent_refund_shows_on_the_rma_and_is_emailed(buyer, django_capture_on_commit_callbacks, mailoutbox):
    shop("components")
    desk = staff()
    from tradepost.aftersales.tests.factories import paid_order, ship

    order = paid_order(buyer, at=SHIPPED - timedelta(days=1))
    from tradepost.shipping.services import shipment_mark_delivered

    parcel = ship(order, at=SHIPPED)
    with at(DELIVERED):
        shipment_mark_delivered(shipment=parcel, actor=desk, at=DELIVERED)
    from tradepost.orders.models import Order

    Order.objects.filter(pk=order.pk).update(payment_method="wire_transfer")
    order.refresh_from_db()
    with at(DELIVERED + timedelta(days=2)):
        rma = services.rma_request(order=order, user=buyer, claim=claim(order, sku=AMS, quantity=5))
        services.rma_approve(rma=rma, actor=desk)
        services.rma_receive(rma=rma, actor=desk, restock=False)
        services.rma_inspect(rma=rma, actor=desk, condition="Dead on arrival")
        rma = services.rma_resolve(rma=rma, actor=desk, resolution="refund")
    refund = Refund.objects.get(pk=rma.refund_id)
    if refund.destination != "wire_transfer":
        Refund.objects.filter(pk=refund.pk).update(destination="wire_transfer")
        refund.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        refund_mark_sent(refund=refund, actor=desk, reference="OUT-77")
    assert rma.events.filter(kind="refund_sent", actor=desk).exists()
    assert any("refund was sent" in m.subject for m in mailoutbox)
    assert Decimal(rma.refund.amount) > 0


def test_the_wholesale_demo_leaves_an_rma_for_the_desk():
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", "--preset", "wholesale", "--parts", "40", stdout=StringIO())
    rma = services.Rma.objects.get()
    assert rma.state == RmaState.REQUESTED and rma.remedy == Remedy.MONEY_BACK
    call_command("demo", "--preset", "wholesale", "--parts", "40", stdout=StringIO())
    assert services.Rma.objects.count() == 1
