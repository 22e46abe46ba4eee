import pytest

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.orders import services
from tradepost.orders.models import ChangeProposal, Order, OrderStatus
from tradepost.orders.tests.factories import place, shop, staff_member
from tradepost.payments.models import Payment, Refund, Transaction
from tradepost.payments.services import payment_receipt_record, western_union_submit

pytestmark = pytest.mark.django_db


def paid_by_paypal(order, capture="CAP-1"):
    payment_receipt_record(
        order=order, amount=order.total, source=Transaction.Source.PAYPAL, external_id=capture
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def review_store(buyer):
    """The direct preset reviews every paid order before dispatch."""
    shop("direct")
    return {
        "order": paid_by_paypal(place(buyer, method="paypal")),
        "fulfilment": token_for(staff_member("fulfilment@example.com", desks=("fulfilment",))),
        "finance": token_for(staff_member("finance@example.com", desks=("finance",))),
    }


def test_review_queue_review_hold_and_approve(client, review_store):
    order, staff = review_store["order"], review_store["fulfilment"]
    queue = client.get(API + "/desk/orders/review", **staff).json()
    assert queue["total"] == 1 and queue["items"][0]["number"] == order.number
    assert queue["items"][0]["buyer_email"] == "buyer@example.com" and queue["items"][0]["status"] == "paid"
    body = post(client, f"/desk/orders/{order.number}/review", {}, **staff).json()
    assert body["status"] == "in_review"
    assert_problem(post(client, f"/desk/orders/{order.number}/hold", {}, **staff), 422, field="body.message")
    assert_problem(
        post(client, f"/desk/orders/{order.number}/hold", {"message": "  "}, **staff), 422, field="message"
    )
    body = post(
        client,
        f"/desk/orders/{order.number}/hold",
        {"message": "Please confirm the phone number.", "note": "looks like a typo"},
        **staff,
    ).json()
    assert body["status"] == "on_hold"
    body = post(client, f"/desk/orders/{order.number}/approve", {"note": "phone confirmed"}, **staff).json()
    assert body["status"] == "approved" and body["dispatch_due_at"] and body["approved_at"]
    assert client.get(API + "/desk/orders/review", **staff).json()["total"] == 0
    assert_problem(
        post(client, f"/desk/orders/{order.number}/review", {}, **staff), 409, code="invalid_transition"
    )


def test_staff_see_the_full_audit_trail(client, buyer, review_store):
    order, staff = review_store["order"], review_store["fulfilment"]
    response = post(client, f"/desk/orders/{order.number}/notes", {"note": "Called the buyer."}, **staff)
    assert response.status_code == 201
    assert (
        response.json()["internal_note"] == "Called the buyer." and response.json()["buyer_visible"] is False
    )
    assert_problem(
        post(client, f"/desk/orders/{order.number}/notes", {"note": ""}, **staff), 422, field="note"
    )
    body = client.get(API + f"/desk/orders/{order.number}", **staff).json()
    assert body["buyer"]["email"] == "buyer@example.com"
    assert [t["external_id"] for t in body["transactions"]] == ["CAP-1"]
    note = next(e for e in body["timeline"] if e["kind"] == "note")
    assert note["actor"] == "fulfilment@example.com" and note["internal_note"] == "Called the buyer."
    placed = body["timeline"][0]
    assert placed["kind"] == "placed" and placed["actor"] == "buyer@example.com" and placed["data"]["total"]
    # the finance desk reads orders too
    assert client.get(API + f"/desk/orders/{order.number}", **review_store["finance"]).status_code == 200
    mine = client.get(API + f"/orders/{order.number}", **token_for(buyer)).json()
    assert "note" not in {e["kind"] for e in mine["timeline"]}


def test_proposals_through_the_desk(client, buyer, review_store):
    order, staff = review_store["order"], review_store["fulfilment"]
    line = order.lines.get()
    path = f"/desk/orders/{order.number}/proposals"
    reduce = {"line": line.pk, "action": "reduce", "quantity": 4}
    assert_problem(
        post(client, path, {"message": "m", "changes": [{**reduce, "quantity": 10}]}, **staff),
        422,
        field="changes.0.quantity",
    )
    assert_problem(
        post(client, path, {"message": "m", "changes": [{**reduce, "action": "shrink"}]}, **staff),
        422,
        field="body.changes.0.action",
    )
    assert_problem(post(client, path, {"message": "m", "changes": []}, **staff), 422, field="body.changes")
    assert_problem(
        post(client, path, {"message": "m", "changes": [{**reduce, "line": 999999}]}, **staff),
        422,
        field="changes.0.line",
    )
    response = post(client, path, {"message": "Only 4 left; may we send 4?", "changes": [reduce]}, **staff)
    assert response.status_code == 201, response.content
    proposal = response.json()
    assert proposal["status"] == "proposed" and proposal["total_after"] < proposal["total_before"]
    assert_problem(
        post(client, path, {"message": "again", "changes": [reduce]}, **staff), 409, code="proposal_open"
    )
    assert (
        client.get(API + f"/orders/{order.number}", **token_for(buyer)).json()["open_proposal"]["id"]
        == (proposal["id"])
    )
    withdrawn = post(client, f"/desk/proposals/{proposal['id']}/withdraw", {}, **staff)
    assert withdrawn.json()["status"] == "withdrawn"
    assert_problem(post(client, f"/desk/proposals/{proposal['id']}/withdraw", {}, **staff), 409)
    assert_problem(post(client, "/desk/proposals/999999/withdraw", {}, **staff), 404)


def test_a_substitute_or_a_wait_can_be_proposed(client, review_store):
    order, staff = review_store["order"], review_store["fulfilment"]
    line = order.lines.get()
    changes = [
        {"line": line.pk, "action": "substitute", "substitute_sku": "AMS-1117-33", "unit_price": "0.10"}
    ]
    response = post(
        client, f"/desk/orders/{order.number}/proposals", {"message": "Sub?", "changes": changes}, **staff
    )
    assert response.status_code == 201, response.content
    change = response.json()["changes"][0]
    assert (
        change["substitute_sku"] == "AMS-1117-33"
        and change["unit_price"] == "0.10"
        and change["quantity"] == 10
    )
    ChangeProposal.objects.update(status="withdrawn")
    wait = [{"line": line.pk, "action": "wait", "wait_until": "2000-01-01"}]
    assert_problem(
        post(
            client, f"/desk/orders/{order.number}/proposals", {"message": "Wait?", "changes": wait}, **staff
        ),
        422,
        field="changes.0.wait_until",
    )


def test_staff_cancel_only_on_the_policys_grounds(client, buyer):
    shop()
    staff = token_for(staff_member(desks=("fulfilment",)))
    unpaid = place(buyer)
    path = f"/desk/orders/{unpaid.number}/cancel"
    assert_problem(post(client, path, {}, **staff), 422, field="body.reason")
    assert_problem(post(client, path, {"reason": "whim"}, **staff), 422, field="body.reason")
    assert_problem(post(client, path, {"reason": "buyer_consent"}, **staff), 422, field="consent")
    body = post(client, path, {"reason": "non_payment", "message": "Not paid."}, **staff).json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "non_payment"
    other = place(buyer)
    body = post(
        client,
        f"/desk/orders/{other.number}/cancel",
        {"reason": "buyer_consent", "consent": "Email of 3 May"},
        **staff,
    ).json()
    assert body["status"] == "cancelled"
    assert any("Email of 3 May" in e["internal_note"] for e in body["timeline"])


DESK_ROUTES = [
    ("get", "/desk/orders/review", None, "fulfilment"),
    ("get", "/desk/orders/{number}", None, None),
    ("post", "/desk/orders/{number}/review", {}, "fulfilment"),
    ("post", "/desk/orders/{number}/approve", {}, "fulfilment"),
    ("post", "/desk/orders/{number}/hold", {"message": "Why"}, "fulfilment"),
    ("post", "/desk/orders/{number}/cancel", {"reason": "non_payment"}, "fulfilment"),
    ("post", "/desk/orders/{number}/notes", {"note": "n"}, None),
    (
        "post",
        "/desk/orders/{number}/proposals",
        {"message": "m", "changes": [{"line": 1, "action": "cancel"}]},
        "fulfilment",
    ),
    ("post", "/desk/proposals/{proposal}/withdraw", {}, "fulfilment"),
    ("post", "/desk/orders/{number}/payments/wire", {"amount": "1.00", "bank_reference": "B"}, "finance"),
    ("post", "/desk/payments/{payment}/western-union/confirm", {"amount": "1.00"}, "finance"),
    ("post", "/desk/payments/{payment}/western-union/reject", {"message": "No"}, "finance"),
    ("get", "/desk/refunds", None, "finance"),
    ("post", "/desk/refunds/{refund}/sent", {"reference": "R"}, "finance"),
]


@pytest.mark.parametrize(("method", "path", "body", "desk"), DESK_ROUTES)
def test_desk_routes_are_404_to_anyone_not_at_the_desk(client, buyer, other_buyer, method, path, body, desk):
    shop()
    order = place(buyer, method="western_union")
    payment = western_union_submit(order=order, user=buyer, sender_name="Bea Buyer", mtcn="1234567890")
    paid = place(other_buyer)
    from tradepost.payments.services import wire_receipt_record

    wire_receipt_record(order=paid, amount=paid.total + 1, bank_reference="B-OVER", actor=None)
    paid.refresh_from_db()
    proposal = services.proposal_create(
        order=paid,
        actor=staff_member("boss@example.com"),
        message="m",
        changes=[{"line": paid.lines.get().pk, "action": "reduce", "quantity": 2}],
    )
    url = path.format(
        number=order.number, proposal=proposal.pk, payment=payment.pk, refund=Refund.objects.get().pk
    )
    wrong_desk = {"fulfilment": ("finance",), "finance": ("fulfilment",), None: ("sales",)}[desk]
    for who in (
        token_for(buyer),
        token_for(staff_member("seated@example.com", desks=wrong_desk)),
        token_for(staff_member("nodesk@example.com", desks=())),
    ):
        response = client.get(API + url, **who) if method == "get" else post(client, url, body, **who)
        assert_problem(response, 404)
    assert_problem(client.get(API + url) if method == "get" else post(client, url, body), 401)
    order.refresh_from_db()
    payment.refresh_from_db()
    proposal.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.amount_paid == 0
    assert payment.status == Payment.Status.SUBMITTED and proposal.status == "proposed"
    assert Refund.objects.get().status == "pending" and not order.events.filter(kind="note").exists()


def test_unknown_orders_are_404_for_staff(client):
    shop()
    staff = token_for(staff_member())
    assert_problem(client.get(API + "/desk/orders/TP-NOSUCH00", **staff), 404, code="order_not_found")
    assert_problem(post(client, "/desk/orders/TP-NOSUCH00/approve", {}, **staff), 404)
    assert_problem(client.get(API + "/desk/orders/TP-%00", **staff), 404)
    assert not Order.objects.exists()
