from decimal import Decimal

import pytest

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.catalog.models import Product
from tradepost.orders import services
from tradepost.orders.models import ChangeProposal, OrderStatus
from tradepost.orders.tests.factories import place, shop, staff_member
from tradepost.payments.services import wire_receipt_record

pytestmark = pytest.mark.django_db


def paid(order, staff):
    wire_receipt_record(order=order, amount=order.total, bank_reference=f"BANK-{order.number}", actor=staff)
    order.refresh_from_db()
    return order


def with_proposal(order, staff) -> ChangeProposal:
    line = order.lines.get()
    return services.proposal_create(
        order=order,
        actor=staff,
        message="Only 4 left in stock; may we send 4?",
        changes=[{"line": line.pk, "action": "reduce", "quantity": 4}],
    )


def test_my_orders_newest_first_paginated_and_only_mine(client, buyer, other_buyer):
    shop()
    numbers = [place(buyer).number for _ in range(3)]
    place(other_buyer)
    auth = token_for(buyer)
    first = client.get(API + "/orders", {"per_page": 2}, **auth).json()
    assert first["total"] == 3 and [o["number"] for o in first["items"]] == numbers[::-1][:2]
    second = client.get(API + "/orders", {"per_page": 2, "page": 2}, **auth).json()
    assert [o["number"] for o in second["items"]] == numbers[:1]
    assert first["items"][0]["balance_due"] == first["items"][0]["total"]
    assert_problem(client.get(API + "/orders", {"per_page": 1000}, **auth), 422, field="query.per_page")
    assert_problem(client.get(API + "/orders", {"page": 0}, **auth), 422, field="query.page")
    assert_problem(client.get(API + "/orders"), 401)


def test_an_unpaid_wire_order_shows_how_to_pay(client, buyer):
    shop()
    order = place(buyer)
    body = client.get(API + f"/orders/{order.number}", **token_for(buyer)).json()
    assert body["status"] == "awaiting_payment" and body["balance_due"] == body["total"] == "29.36"
    assert body["amount_paid"] == "0.00" and body["dispatch_due_at"] is None and body["payment_due_at"]
    assert body["totals"]["goods"] == "4.40" and body["totals"]["shipping"] == "24.96"
    assert body["lines"][0]["sku"] == "TI-LM317T" and body["lines"][0]["line_total"] == "4.40"
    instructions = body["payment_instructions"]
    assert instructions["method"] == "wire_transfer" and instructions["amount"] == "29.36"
    assert instructions["reference"] == order.number and instructions["western_union"] is None
    assert instructions["wire_transfer"]["account_number"] == "01288392190575"
    assert [(e["kind"], e["status"]) for e in body["timeline"]] == [("placed", "awaiting_payment")]
    assert body["open_proposal"] is None and body["refunds"] == [] and body["payments"] == []


def test_a_western_union_order_shows_the_receiver(client, buyer):
    shop()
    order = place(buyer, method="western_union")
    body = client.get(API + f"/orders/{order.number}", **token_for(buyer)).json()
    assert body["payment_instructions"]["western_union"]["receiver_name"] == "Components Demo Store"
    assert body["payment_instructions"]["wire_transfer"] is None


def test_paid_orders_show_payment_and_dispatch_and_hide_staff_notes(client, buyer):
    shop()
    staff = staff_member()
    order = paid(place(buyer), staff)
    services.order_note_add(order=order, actor=staff, note="Buyer called about the invoice.")
    body = client.get(API + f"/orders/{order.number}", **token_for(buyer)).json()
    assert body["status"] == "approved" and body["balance_due"] == "0.00" and body["amount_paid"] == "29.36"
    assert body["dispatch_due_at"] and body["payment_instructions"] is None
    assert "note" not in {e["kind"] for e in body["timeline"]}
    assert "Buyer called" not in str(body)
    assert all(set(event) == {"at", "kind", "message", "status", "actor_role"} for event in body["timeline"])


def test_the_buyer_cancels_and_stock_returns(client, buyer):
    shop()
    order = place(buyer)
    auth = token_for(buyer)
    response = post(client, f"/orders/{order.number}/cancel", {}, **auth)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled" and response.json()["cancel_reason"] == "buyer"
    assert Product.objects.get(sku="TI-LM317T").stock == 100
    assert_problem(post(client, f"/orders/{order.number}/cancel", {}, **auth), 409, code="not_cancellable")


def test_cancelling_a_paid_order_owes_the_money_back(client, buyer):
    shop()
    order = paid(place(buyer), staff_member())
    body = post(client, f"/orders/{order.number}/cancel", {}, **token_for(buyer)).json()
    assert body["status"] == "cancelled"
    assert [(r["amount"], r["status"], r["destination"]) for r in body["refunds"]] == [
        ("29.36", "pending", "wire_transfer")
    ]


def test_accepting_a_proposal_changes_the_order_and_refunds_the_difference(client, buyer):
    shop()
    order = paid(place(buyer), staff_member())
    proposal = with_proposal(order, staff_member("desk@example.com"))
    auth = token_for(buyer)
    shown = client.get(API + f"/orders/{order.number}", **auth).json()
    assert shown["status"] == "on_hold"
    assert shown["open_proposal"]["id"] == proposal.pk
    assert shown["open_proposal"]["changes"] == [
        {
            "line": order.lines.get().pk,
            "action": "reduce",
            "sku": "TI-LM317T",
            "quantity": 4,
            "substitute_sku": None,
            "unit_price": None,
            "wait_until": None,
        }
    ]
    path = f"/orders/{order.number}/proposals/{proposal.pk}/accept"
    body = post(client, path, {"reply": "Fine, thanks."}, **auth).json()
    assert body["status"] == "in_review" and body["open_proposal"] is None
    assert body["lines"][0]["quantity"] == 4 and body["total"] == "26.72"  # 4 x 0.52 + 24.96 shipping
    assert [r["amount"] for r in body["refunds"]] == ["2.64"]
    assert_problem(post(client, path, {}, **auth), 409, code="proposal_closed")


def test_declining_a_proposal_keeps_the_order(client, buyer):
    shop()
    order = paid(place(buyer), staff_member())
    proposal = with_proposal(order, staff_member("desk@example.com"))
    auth = token_for(buyer)
    path = f"/orders/{order.number}/proposals/{proposal.pk}/decline"
    assert_problem(post(client, path, {"reply": "x" * 2001}, **auth), 422, field="body.reply")
    body = post(client, path, {"reply": "I need all ten."}, **auth).json()
    assert (
        body["status"] == "on_hold" and body["lines"][0]["quantity"] == 10 and body["open_proposal"] is None
    )
    proposal.refresh_from_db()
    assert proposal.status == "declined" and proposal.buyer_reply == "I need all ten."
    assert_problem(post(client, f"/orders/{order.number}/proposals/999999/decline", {}, **auth), 404)


ROUTES = [
    ("get", "/orders/{number}", None),
    ("post", "/orders/{number}/cancel", {}),
    ("post", "/orders/{number}/proposals/{proposal}/accept", {}),
    ("post", "/orders/{number}/proposals/{proposal}/decline", {}),
    ("post", "/orders/{number}/payments/paypal", {}),
    ("post", "/orders/{number}/payments/paypal/capture", {"paypal_order_id": "5O190127TN364715T"}),
    ("post", "/orders/{number}/payments/western-union", {"sender_name": "Otto", "mtcn": "1234567890"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_another_buyers_order_is_404_on_every_route(client, buyer, other_buyer, method, path, body):
    shop()
    order = paid(place(buyer), staff_member())
    proposal = with_proposal(order, staff_member("desk@example.com"))
    url = path.format(number=order.number, proposal=proposal.pk)
    intruder = token_for(other_buyer)
    response = client.get(API + url, **intruder) if method == "get" else post(client, url, body, **intruder)
    assert_problem(response, 404)
    assert "TI-LM317T" not in response.content.decode()
    order.refresh_from_db()
    proposal.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD and proposal.status == "proposed"
    assert not order.payments.exists()
    # and the same answer as for an order that does not exist
    missing = url.replace(order.number, "TP-NOSUCH00")
    response = (
        client.get(API + missing, **intruder) if method == "get" else post(client, missing, body, **intruder)
    )
    assert_problem(response, 404)


def test_order_numbers_with_a_nul_are_not_found(client, buyer):
    shop()
    assert_problem(client.get(API + "/orders/TP-%00", **token_for(buyer)), 404)


def test_an_over_payment_is_shown_and_owed_back(client, buyer):
    shop()
    staff = staff_member()
    order = place(buyer)
    wire_receipt_record(order=order, amount=order.total + Decimal("5"), bank_reference="B-1", actor=staff)
    body = client.get(API + f"/orders/{order.number}", **token_for(buyer)).json()
    assert body["amount_paid"] == "34.36" and body["overpaid"] == "5.00" and body["balance_due"] == "0.00"
    assert [(r["amount"], r["status"]) for r in body["refunds"]] == [("5.00", "pending")]


def test_an_order_reads_in_a_fixed_number_of_queries(client, buyer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shop()
    staff = staff_member()
    small = place(buyer, {"TI-LM317T": 1})
    big = place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 5, "YAG-RC0603-10K": 100})
    wire_receipt_record(order=big, amount=Decimal("1.00"), bank_reference="PART-1", actor=staff)
    for n in range(3):
        services.order_note_add(order=big, actor=staff, note=f"note {n}")
    auth = token_for(buyer)
    client.get(API + "/cart", **auth)  # the token's first use also stamps last_used_at
    counts = []
    for order in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(API + f"/orders/{order.number}", **auth).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts  # 3 for auth + 8 for the order, whatever its size
