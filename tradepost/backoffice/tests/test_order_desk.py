"""Order desk: the fulfilment desk reviews paid orders, holds, cancels and proposes changes through pages."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tradepost.backoffice import order_views
from tradepost.catalog.models import Product
from tradepost.conftest import make_user
from tradepost.orders.models import ChangeProposal, Order, OrderStatus
from tradepost.orders.selectors import order_timeline
from tradepost.orders.services import order_approve, order_hold
from tradepost.orders.tests.factories import place, shop, staff_member
from tradepost.payments.models import Refund, Transaction
from tradepost.payments.services import payment_receipt_record

pytestmark = pytest.mark.django_db

QUEUE, ORDERS = "/desk/orders/review/", "/desk/orders/"


def detail(order) -> str:
    return f"/desk/orders/{order.number}/"


def act(order, action: str) -> str:
    return f"/desk/orders/{order.number}/{action}/"


def paid(order) -> Order:
    """Pay by PayPal (the direct store reviews every paid order)."""
    payment_receipt_record(
        order=order, amount=order.total, source=Transaction.Source.PAYPAL, external_id=f"CAP-{order.number}"
    )
    order.refresh_from_db()
    return order


def status(order) -> str:
    order.refresh_from_db()
    return order.status


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def reviewer(client):
    shop("direct")
    staff = staff_member("rita@example.com", desks=("fulfilment",))
    client.force_login(staff)
    return staff


# --- Who finds the desk -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["buyer of the order", "staff without a desk", "finance desk"])
def test_without_the_fulfilment_desk_every_order_page_is_a_404(client, buyer, who):
    shop("direct")
    order = paid(place(buyer, method="paypal"))
    if who == "buyer of the order":
        client.force_login(buyer)
    else:
        client.force_login(
            staff_member("other@example.com", desks=("finance",) if who == "finance desk" else ())
        )
    for url in (QUEUE, ORDERS, detail(order), "/desk/orders/TP-NOTHING/"):
        assert client.get(url).status_code == 404, url
    assert client.post(act(order, "approve"), {"approve-note": ""}).status_code == 404
    assert client.post(act(order, "note"), {"note-note": "sneaky"}).status_code == 404
    assert status(order) == OrderStatus.PAID and not order.events.filter(kind="note").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, buyer):
    shop("direct")
    order = paid(place(buyer, method="paypal"))
    for url in (QUEUE, ORDERS, detail(order)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/?next=/desk/")
    response = client.post(act(order, "approve"), {"approve-note": ""})
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert status(order) == OrderStatus.PAID


def test_fulfilment_staff_and_superusers_get_in_and_find_the_links_at_home(client, reviewer, buyer):
    order = paid(place(buyer, method="paypal"))
    home = page(client.get("/desk/"))
    assert 'href="/desk/orders/review/"' in home and 'href="/desk/orders/"' in home
    assert 'href="/desk/payments/"' not in home  # not at the finance desk
    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    for url in (QUEUE, ORDERS, detail(order)):
        assert client.get(url).status_code == 200


def test_actions_need_a_csrf_token(reviewer, buyer):
    order = paid(place(buyer, method="paypal"))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reviewer)
    assert strict.post(act(order, "review"), {}).status_code == 403
    assert status(order) == OrderStatus.PAID


# --- The queue and the search -----------------------------------------------------------------------------


def test_the_queue_puts_the_nearest_dispatch_deadline_first_and_flags_the_overdue(client, reviewer, buyer):
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=10), tick=False):
        late = paid(place(buyer, method="paypal", remark="Please pack in anti-static bags"))
        order_approve(order=late, actor=reviewer)
        order_hold(order=late, actor=reviewer, message="Please confirm the phone number.")
    with time_machine.travel(start - timedelta(days=1), tick=False):
        soon = paid(place(buyer, method="paypal", commercial_invoice=True))
        order_approve(order=soon, actor=reviewer)
        order_hold(order=soon, actor=reviewer, message="Checking the address.")
    fresh = paid(place(buyer, method="paypal"))  # dispatch counts from approval: no deadline yet
    unpaid = place(buyer, method="paypal")
    late.refresh_from_db(), soon.refresh_from_db()

    response = client.get(QUEUE)

    html = page(response)
    assert response.status_code == 200
    assert [o.number for o in response.context["page"]] == [late.number, soon.number, fresh.number]
    assert unpaid.number not in html
    rows = {o.number: row for o, row in zip(response.context["page"], html.split("<tr>")[2:], strict=True)}
    assert "overdue" in rows[late.number] and "overdue" not in rows[soon.number] + rows[fresh.number]
    assert late.dispatch_due_at < timezone.now() < soon.dispatch_due_at
    assert (
        "Please pack in anti-static bags" in rows[late.number] and "commercial invoice" in rows[soon.number]
    )
    assert "On hold" in rows[late.number] and "Paid" in rows[fresh.number]
    assert "Bea Buyer" in rows[fresh.number] and "buyer@example.com" in rows[fresh.number]
    assert f"{fresh.total} USD" in rows[fresh.number] and fresh.paid_at.strftime("%Y-%m-%d %H:%M") in html


def test_orders_are_found_by_number_or_buyer_email_and_filtered_by_status(
    client, reviewer, buyer, other_buyer, monkeypatch
):
    mine = [paid(place(buyer, method="paypal")) for _ in range(3)]
    theirs = place(other_buyer, method="paypal")

    found = client.get(ORDERS, {"q": mine[1].number.lower()}).context["page"]
    assert [o.number for o in found] == [mine[1].number]
    found = client.get(ORDERS, {"q": "OTHER@example"}).context["page"]
    assert [o.number for o in found] == [theirs.number]
    found = client.get(ORDERS, {"status": "awaiting_payment"}).context["page"]
    assert [o.number for o in found] == [theirs.number]
    response = client.get(ORDERS, {"status": "nonsense"})
    assert response.status_code == 200 and "Select a valid choice" in page(response)

    monkeypatch.setattr(order_views, "PAGE_SIZE", 2)
    first = client.get(ORDERS, {"q": "buyer@"})
    second = client.get(ORDERS, {"q": "buyer@", "page": 2})
    assert len(first.context["page"]) == 2 and len(second.context["page"]) == 1
    assert "?q=buyer%40&amp;page=2" in page(first) and "Page 1 of 2" in page(first)
    newest_first = [o.number for o in [*first.context["page"], *second.context["page"]]]
    assert newest_first == [o.number for o in reversed(mine)]


# --- The order page ---------------------------------------------------------------------------------------


def test_the_order_page_shows_what_staff_verify(client, reviewer, buyer):
    order = paid(
        place(
            buyer,
            {"TI-LM317T": 10, "AMS-1117-33": 5},
            method="paypal",
            remark="Ring twice",
            commercial_invoice=True,
        )
    )
    html = page(client.get(detail(order)))

    for text in (
        "TI-LM317T",
        "LM317T",
        "AMS-1117-33",
        "AMS1117-3.3",
        "Advanced Monolithic Systems",
        "Bea Buyer",
        "buyer@example.com",
        "Keizersgracht 1",
        "1015 CJ Amsterdam",
        "Netherlands",
        "PayPal",
        f"CAP-{order.number}",
        "Ring twice",
        "commercial invoice requested",
        f"version {order.policy_version.number} (direct)",
        "review required",
    ):
        assert text in html, text
    line = order.lines.get(sku="TI-LM317T")
    stock_now = Product.objects.get(sku="TI-LM317T").stock
    assert re.search(
        rf"<td>10</td>\s*<td>0</td>\s*<td>{line.unit_price}</td>\s*<td>{line.line_total}</td>\s*"
        rf"<td>{stock_now}</td>",
        html,
    )
    assert f"<dt>Paid</dt><dd>{order.total}</dd>" in html and "<dt>Balance due</dt><dd>0" in html
    assert "Overpaid" not in html
    # A paid order in a review store: start review, approve, hold, propose, note and cancel are offered.
    for action in ("review", "approve", "hold", "propose", "note", "cancel"):
        assert f'action="{act(order, action)}"' in html, action
    assert "withdraw" not in html.lower()
    assert '<option value="buyer_consent">' in html and '<option value="non_payment">' in html
    assert '<option value="buyer">' not in html


def test_the_order_page_runs_the_same_queries_for_a_long_order(client, reviewer, buyer, other_buyer):
    short = paid(place(buyer, {"TI-LM317T": 1}, method="paypal"))
    long = paid(
        place(other_buyer, {"TI-LM317T": 3, "AMS-1117-33": 4, "YAG-RC0603-10K": 100}, method="paypal")
    )
    for text in ("one", "two", "three"):
        client.post(act(long, "note"), {"note-note": text})
    client.get(detail(short))  # warm the policy cache

    counts = []
    for order in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail(order)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 20


# --- Actions ----------------------------------------------------------------------------------------------


def test_review_and_approve_are_on_the_audit_trail_with_actor_and_time(client, reviewer, buyer):
    order = paid(place(buyer, method="paypal"))

    response = client.post(act(order, "review"), {}, follow=True)
    assert response.redirect_chain == [(detail(order), 302)]
    assert messages_of(response) == [f"You are reviewing {order.number}."]
    assert status(order) == OrderStatus.IN_REVIEW
    assert f'action="{act(order, "review")}"' not in page(response)  # already in review

    response = client.post(
        act(order, "approve"), {"approve-note": "Address matches the VAT number."}, follow=True
    )
    assert status(order) == OrderStatus.APPROVED
    assert messages_of(response) == [f"{order.number} is approved for dispatch."]
    event = order.events.get(to_status="approved")
    assert event.actor == reviewer and event.internal_note == "Address matches the VAT number."
    html = page(response)
    trail = html[html.index("Audit trail") :]
    assert "Address matches the VAT number." in trail and "&lt;rita@example.com&gt;" in trail
    assert event.created_at.strftime("%Y-%m-%d %H:%M:%S") in trail
    assert "In review → Approved" in trail and '<span class="tag">staff</span>' in trail
    assert "Your order is approved for dispatch." in trail
    # Approved orders are no longer reviewed; hold and cancel remain.
    assert f'action="{act(order, "approve")}"' not in html and f'action="{act(order, "hold")}"' in html


def test_hold_needs_a_message_for_the_buyer(client, reviewer, buyer):
    order = paid(place(buyer, method="paypal"))

    response = client.post(act(order, "hold"), {"hold-message": "  ", "hold-note": "x"})
    assert response.status_code == 400
    assert "This field is required." in page(response) and "Nothing was changed" in page(response)
    assert status(order) == OrderStatus.PAID

    response = client.post(
        act(order, "hold"),
        {"hold-message": "Please confirm your phone number.", "hold-note": "Phone looks short"},
        follow=True,
    )
    assert status(order) == OrderStatus.ON_HOLD
    event = order.events.get(to_status="on_hold")
    assert (event.message, event.internal_note, event.actor) == (
        "Please confirm your phone number.",
        "Phone looks short",
        reviewer,
    )
    assert "Please confirm your phone number." in page(response)

    # Holding again is refused by the state table, as a form error.
    response = client.post(act(order, "hold"), {"hold-message": "Again"})
    assert response.status_code == 400
    assert "An order that is on hold cannot become on hold." in page(response)


def test_cancel_reasons_come_from_the_policy_and_consent_is_required(client, reviewer, buyer):
    order = paid(place(buyer, {"TI-LM317T": 10}, method="paypal"))
    stock = Product.objects.get(sku="TI-LM317T").stock

    response = client.post(act(order, "cancel"), {"cancel-reason": "buyer_consent", "cancel-consent": ""})
    assert response.status_code == 400 and "This is required." in page(response)
    response = client.post(act(order, "cancel"), {"cancel-reason": "non_payment"})
    assert response.status_code == 400 and "This order is paid; non-payment does not apply." in page(response)
    response = client.post(act(order, "cancel"), {"cancel-reason": "buyer"})
    assert response.status_code == 400 and "Select a valid choice." in page(response)
    assert status(order) == OrderStatus.PAID

    response = client.post(
        act(order, "cancel"),
        {
            "cancel-reason": "buyer_consent",
            "cancel-consent": "Buyer asked by email on 20 Nov",
            "cancel-message": "Cancelled as you asked.",
        },
        follow=True,
    )
    assert status(order) == OrderStatus.CANCELLED and order.cancel_reason == "buyer_consent"
    assert Product.objects.get(sku="TI-LM317T").stock == stock + 10
    refund = Refund.objects.get(order=order)
    assert refund.amount == order.total and refund.status == Refund.Status.PENDING
    html = page(response)
    assert (
        "Buyer&#x27;s consent: Buyer asked by email on 20 Nov" in html and "Cancelled as you asked." in html
    )
    assert f"{order.total}</td>\n        <td>Order cancelled</td>" in html
    assert f'action="{act(order, "cancel")}"' not in html


def test_a_change_is_proposed_per_line_and_can_be_withdrawn(client, reviewer, buyer):
    order = paid(place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 5}, method="paypal"))
    regulator, ams = order.lines.get(sku="TI-LM317T"), order.lines.get(sku="AMS-1117-33")
    wait = (timezone.now() + timedelta(days=10)).date().isoformat()

    response = client.post(
        act(order, "propose"),
        {
            "propose-message": "We are short of LM317T.",
            f"propose-line_{regulator.pk}_action": "reduce",
            f"propose-line_{regulator.pk}_quantity": "6",
            f"propose-line_{ams.pk}_action": "wait",
            f"propose-line_{ams.pk}_wait_until": wait,
        },
        follow=True,
    )

    proposal = ChangeProposal.objects.get(order=order)
    assert proposal.status == ChangeProposal.Status.PROPOSED and proposal.created_by == reviewer
    assert proposal.changes == [
        {"line": regulator.pk, "action": "reduce", "sku": "TI-LM317T", "quantity": 6},
        {"line": ams.pk, "action": "wait", "sku": "AMS-1117-33", "wait_until": wait},
    ]
    assert status(order) == OrderStatus.ON_HOLD
    html = page(response)
    assert "TI-LM317T: reduce 6" in html and f"AMS-1117-33: wait until {wait}" in html
    # With a proposal open, approving and proposing again are not offered; withdrawing is.
    assert f'action="{act(order, "approve")}"' not in html and f'action="{act(order, "propose")}"' not in html
    assert f'action="{act(order, "withdraw")}"' in html and f'value="{proposal.pk}"' in html

    response = client.post(act(order, "withdraw"), {"withdraw-proposal": proposal.pk}, follow=True)
    proposal.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.WITHDRAWN
    assert messages_of(response) == ["The proposal was withdrawn."]
    event = order.events.filter(kind="proposal_decided").get()
    assert event.actor == reviewer and event.message == "We withdrew the proposed change."
    response = client.post(act(order, "withdraw"), {"withdraw-proposal": proposal.pk})
    assert response.status_code == 400 and "This proposal is already withdrawn." in page(response)


def test_a_substitute_is_offered_at_a_price(client, reviewer, buyer):
    order = paid(place(buyer, {"TI-LM317T": 10}, method="paypal"))
    line = order.lines.get()
    client.post(
        act(order, "propose"),
        {
            "propose-message": "LM317T is out; AMS1117 instead?",
            f"propose-line_{line.pk}_action": "substitute",
            f"propose-line_{line.pk}_substitute_sku": "AMS-1117-33",
            f"propose-line_{line.pk}_unit_price": "0.12",
        },
    )
    proposal = ChangeProposal.objects.get(order=order)
    assert proposal.changes == [
        {
            "line": line.pk,
            "action": "substitute",
            "sku": "TI-LM317T",
            "substitute_sku": "AMS-1117-33",
            "quantity": 10,
            "unit_price": "0.12",
        }
    ]
    assert proposal.total_after < proposal.total_before


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"action": "reduce", "quantity": "10"}, "A reduced quantity is between 1 and 9."),
        ({"action": "reduce"}, "A reduced quantity is between 1 and 9."),
        ({"action": "reduce", "quantity": "abc"}, "Enter a whole number."),
        ({"action": "substitute", "substitute_sku": "NOPE-1"}, "No active product with that SKU."),
        ({"action": "wait", "wait_until": "2001-01-01"}, "A date after today."),
        ({"action": "wait", "wait_until": "soon"}, "Enter a valid date."),
        ({"action": "explode"}, "Select a valid choice."),
        (
            {"action": "substitute", "substitute_sku": "AMS-1117-33", "unit_price": "9.99"},
            "A proposal may not raise what the buyer pays; offer substitutes at the same price or less.",
        ),
        ({}, "Propose at least one change."),
    ],
)
def test_a_refused_proposal_shows_its_errors_on_the_page(client, reviewer, buyer, row, message):
    order = paid(place(buyer, {"TI-LM317T": 10}, method="paypal"))
    line = order.lines.get()
    data = {"propose-message": "Short of stock."}
    data.update({f"propose-line_{line.pk}_{key}": value for key, value in row.items()})

    response = client.post(act(order, "propose"), data)

    assert response.status_code == 400
    html = page(response)
    assert message in html
    form = response.context["forms"]["propose"]
    assert message in str(form.errors)
    assert not ChangeProposal.objects.exists() and status(order) == OrderStatus.PAID


def test_internal_notes_are_for_staff_only(client, reviewer, buyer):
    order = paid(place(buyer, method="paypal"))

    response = client.post(act(order, "note"), {"note-note": ""})
    assert response.status_code == 400 and "This field is required." in page(response)
    response = client.post(act(order, "note"), {"note-note": "Buyer called about customs."}, follow=True)

    assert messages_of(response) == ["Note added."]
    note = order.events.get(kind="note")
    assert note.actor == reviewer and not note.buyer_visible
    assert "Buyer called about customs." in page(response) and "(staff only)" in page(response)
    assert note not in order_timeline(order)  # the buyer's timeline


def test_unknown_actions_and_orders_are_404s_and_gets_are_refused(client, reviewer, buyer):
    order = paid(place(buyer, method="paypal"))
    assert client.post(act(order, "ship"), {}).status_code == 404
    assert client.post("/desk/orders/TP-NOTHING/approve/", {}).status_code == 404
    assert client.get(act(order, "approve")).status_code == 405
    assert client.post(act(order, "approve"), {"approve-note": "x" * 2001}).status_code == 400
    assert status(order) == OrderStatus.PAID


# --- Admin ------------------------------------------------------------------------------------------------


def test_the_admin_shows_orders_and_carts_read_only(client, buyer):
    shop("direct")
    order = paid(place(buyer, {"TI-LM317T": 2}, method="paypal"))
    order_hold(order=order, actor=staff_member(), message="Checking.")
    from tradepost.cart.services import cart_for, cart_line_set

    cart_line_set(cart=cart_for(user=buyer, create=True), sku="TI-LM317T", quantity=3)
    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))

    for model, pk in (
        ("orders/order", order.pk),
        ("orders/orderevent", order.events.first().pk),
        ("cart/cart", buyer.cart.pk),
    ):
        changelist = client.get(f"/admin/{model}/")
        assert changelist.status_code == 200, model
        change = client.get(f"/admin/{model}/{pk}/change/")
        assert change.status_code == 200, model
        assert 'name="_save"' not in page(change)
        assert client.get(f"/admin/{model}/add/").status_code == 403
        assert client.post(f"/admin/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    change = page(client.get(f"/admin/orders/order/{order.pk}/change/"))
    assert "TI-LM317T" in change and "Checking." in change and f"CAP-{order.number}" in change
    assert client.get("/admin/orders/order/", {"q": order.number}).context["cl"].result_count == 1
    assert (
        client.get("/admin/orders/order/", {"q": "buyer@example.com", "status__exact": "on_hold"}).status_code
        == 200
    )
    assert client.get("/admin/cart/cart/", {"q": "buyer@example.com"}).context["cl"].result_count == 1
    assert client.get("/admin/orders/changeproposal/").status_code == 200
    assert Order.objects.get().status == OrderStatus.ON_HOLD
