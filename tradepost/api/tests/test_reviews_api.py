"""Reviews API: buyers review delivered lines and read published reviews; the desk moderates."""

import json

import pytest

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.orders.tests.factories import shop, staff_member
from tradepost.reviews.tests.factories import AMS, LM317, delivered_order, line_of, moderator, paid_order

pytestmark = pytest.mark.django_db


def put(client, path, body, **extra):
    return client.put(API + path, data=json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def delivered(buyer):
    shop()
    order = delivered_order(buyer)
    return {"order": order, "auth": token_for(buyer)}


def create(client, delivered, sku=LM317, **fields):
    body = {"order": delivered["order"].number, "line_id": line_of(delivered["order"], sku).pk, "rating": 5}
    return post(client, "/reviews", {**body, **fields}, **delivered["auth"])


def test_review_edit_moderate_and_publish(client, delivered):
    made = create(client, delivered, rating=4, title="Good", comment="Clean output.")
    assert made.status_code == 201, made.content
    review = made.json()
    assert (review["status"], review["rating"], review["sku"], review["editable"]) == (
        "pending",
        4,
        LM317,
        True,
    )
    assert_problem(create(client, delivered), 409, code="already_reviewed")
    changed = put(
        client,
        f"/reviews/{review['id']}",
        {"rating": 5, "comment": "Clean output, cool."},
        **delivered["auth"],
    )
    assert changed.status_code == 200 and changed.json()["rating"] == 5 and changed.json()["title"] == ""
    mine = client.get(f"{API}/reviews", **delivered["auth"]).json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == review["id"]

    public = client.get(f"{API}/products/{LM317}/reviews").json()
    assert (public["count"], public["average_rating"], public["items"]) == (0, None, [])

    staff = token_for(moderator())
    queue = client.get(f"{API}/desk/reviews", **staff).json()
    assert [r["id"] for r in queue["items"]] == [review["id"]] and queue["items"][0]["buyer_email"]
    rejected = post(client, f"/desk/reviews/{review['id']}/reject", {"reason": "Name the use."}, **staff)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    seen = client.get(f"{API}/reviews/{review['id']}", **delivered["auth"]).json()
    assert (seen["status"], seen["rejection_reason"], seen["editable"]) == ("rejected", "Name the use.", True)
    put(
        client,
        f"/reviews/{review['id']}",
        {"rating": 5, "comment": "Bench supply, clean."},
        **delivered["auth"],
    )
    approved = post(client, f"/desk/reviews/{review['id']}/approve", {}, **staff)
    assert approved.json()["status"] == "approved"
    assert [e["kind"] for e in approved.json()["events"]] == [
        "submitted",
        "edited",
        "rejected",
        "edited",
        "approved",
    ]
    assert approved.json()["events"][2]["actor"] == "moderator@example.com"
    assert_problem(
        put(client, f"/reviews/{review['id']}", {"rating": 1}, **delivered["auth"]),
        409,
        code="review_published",
    )
    public = client.get(f"{API}/products/{LM317}/reviews").json()
    assert (public["count"], public["average_rating"]) == (1, "5.0")
    assert client.get(f"{API}/products/{LM317}").json()["rating"] == {"average": "5.0", "count": 1}
    assert client.get(f"{API}/products/{AMS}").json()["rating"] == {"average": None, "count": 0}
    assert public["items"][0]["author"] == "Bea B." and "email" not in json.dumps(public)
    assert_problem(
        post(client, f"/desk/reviews/{review['id']}/approve", {}, **staff), 409, code="invalid_moderation"
    )


def test_bad_input_is_named_by_field(client, delivered):
    assert_problem(create(client, delivered, rating=6), 422, field="body.rating")
    assert_problem(create(client, delivered, rating=0), 422, field="body.rating")
    assert_problem(create(client, delivered, rating="five"), 422, field="body.rating")
    assert_problem(create(client, delivered, comment="x" * 4001), 422, field="body.comment")
    assert_problem(create(client, delivered, surprise=1), 422)
    assert_problem(create(client, delivered, comment="nul\x00"), 422, field="body.comment")
    assert client.get(f"{API}/reviews", **delivered["auth"]).json()["total"] == 0
    made = create(client, delivered).json()
    staff = token_for(moderator())
    assert_problem(
        post(client, f"/desk/reviews/{made['id']}/reject", {"reason": " "}, **staff), 422, field="reason"
    )


def test_only_delivered_lines_of_my_own_orders(client, delivered, other_buyer):
    other = token_for(other_buyer)
    assert_problem(create(client, {**delivered, "auth": other}), 404, code="order_line_not_found")
    made = create(client, delivered).json()
    assert_problem(client.get(f"{API}/reviews/{made['id']}", **other), 404)
    assert_problem(put(client, f"/reviews/{made['id']}", {"rating": 1}, **other), 404)
    assert client.get(f"{API}/reviews", **other).json()["total"] == 0
    waiting = paid_order(other_buyer, {AMS: 5})
    body = {"order": waiting.number, "line_id": line_of(waiting, AMS).pk, "rating": 3}
    assert_problem(post(client, "/reviews", body, **other), 409, code="not_delivered")
    assert client.get(f"{API}/reviews").status_code == 401


def test_the_desk_is_for_after_sales_staff_only(client, delivered, buyer):
    made = create(client, delivered).json()
    fulfilment = token_for(staff_member("ops@example.com", desks=("fulfilment", "finance")))
    for auth in (fulfilment, delivered["auth"]):
        assert_problem(client.get(f"{API}/desk/reviews", **auth), 404)
        assert_problem(client.get(f"{API}/desk/reviews/{made['id']}", **auth), 404)
        assert_problem(post(client, f"/desk/reviews/{made['id']}/approve", {}, **auth), 404)
    staff = token_for(moderator())
    assert_problem(client.get(f"{API}/desk/reviews/999999", **staff), 404, code="review_not_found")
    assert client.get(f"{API}/desk/reviews?status=approved", **staff).json()["total"] == 0
    assert_problem(client.get(f"{API}/desk/reviews?status=bogus", **staff), 422)


def test_unknown_products_and_pages_past_the_end(client, delivered):
    assert_problem(client.get(f"{API}/products/NOPE/reviews"), 404, code="product_not_found")
    made = create(client, delivered).json()
    from tradepost.reviews.models import Review
    from tradepost.reviews.services import review_approve

    review_approve(review=Review.objects.get(pk=made["id"]), actor=moderator())
    past = client.get(f"{API}/products/{LM317}/reviews?page=3").json()
    assert (past["count"], past["items"]) == (1, [])
