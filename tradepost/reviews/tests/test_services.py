"""Reviews through the services: who may review which line, when, once; editing; moderation; emails."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.conftest import make_user
from tradepost.core.exceptions import Conflict, NotFound, ValidationFailed
from tradepost.orders.models import OrderLine
from tradepost.orders.tests.factories import place, shop
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate
from tradepost.reviews import selectors, services
from tradepost.reviews.models import COMMENT_MAX, Review, ReviewEvent, ReviewStatus
from tradepost.reviews.tests.factories import (
    AMS,
    LM317,
    delivered_order,
    line_of,
    moderator,
    paid_order,
    ship,
)

pytestmark = pytest.mark.django_db


def submit(buyer, line, rating=5, comment="Works as specified.", **kwargs):
    return services.review_submit(user=buyer, line=line, rating=rating, comment=comment, **kwargs)


def test_a_delivered_line_is_reviewed_once_and_waits_for_moderation(buyer):
    shop()
    order = delivered_order(buyer)
    line = line_of(order)
    with time_machine.travel(datetime(2026, 12, 20, 9, 30, tzinfo=UTC), tick=False):
        review = submit(buyer, line, rating=4, title="  Solid  ", comment="  Regulates fine.  ")
    assert (review.status, review.rating, review.title, review.comment) == (
        ReviewStatus.PENDING,
        4,
        "Solid",
        "Regulates fine.",
    )
    assert review.product.sku == LM317 and review.user == buyer
    [event] = ReviewEvent.objects.filter(review=review)
    assert (event.kind, event.to_status, event.actor, event.actor_role) == (
        "submitted",
        "pending",
        buyer,
        "buyer",
    )
    assert event.created_at == datetime(2026, 12, 20, 9, 30, tzinfo=UTC)
    with pytest.raises(services.AlreadyReviewed):
        submit(buyer, line)
    assert Review.objects.count() == 1
    submit(buyer, line_of(order, AMS), rating=3)  # the other line is its own review
    assert Review.objects.count() == 2


def test_nothing_can_be_reviewed_before_it_is_delivered(buyer):
    shop()
    order = paid_order(buyer)
    with pytest.raises(services.ReviewRefused) as refused:
        submit(buyer, line_of(order))
    assert refused.value.code == "not_delivered" and refused.value.status == 409
    ship(order, delivered=False)
    with pytest.raises(services.ReviewRefused):
        submit(buyer, line_of(order))  # on its way is not delivered
    assert not Review.objects.exists()


def test_a_line_is_reviewable_once_its_own_parcel_arrived_while_the_rest_is_still_to_ship(buyer):
    shop()
    order = paid_order(buyer)
    lm, ams = line_of(order), line_of(order, AMS)
    ship(order, quantities={lm.pk: 2})  # two of ten LM317 arrived; the AMS1117 has not left
    assert order.status == "partially_shipped" and order.delivered_at is None
    states = selectors.line_reviews(order)
    assert states[lm.pk].can_write and states[ams.pk].refusal.code == "not_delivered"
    submit(buyer, lm)
    with pytest.raises(services.ReviewRefused):
        submit(buyer, ams)


def test_a_store_that_takes_no_reviews_refuses_them_from_its_orders_policy_version(buyer):
    shop()
    policy = load_preset("components")
    policy_activate(
        policy=policy.model_copy(update={"reviews": policy.reviews.model_copy(update={"enabled": False})}),
        source="test",
    )
    order = delivered_order(buyer)
    policy_activate(policy=load_preset("components"), source="test")  # later versions don't matter
    with pytest.raises(services.ReviewRefused) as refused:
        submit(buyer, line_of(order))
    assert refused.value.code == "reviews_disabled"
    assert selectors.line_reviews(order) == {}


def test_another_buyers_line_is_not_found(buyer, other_buyer):
    shop()
    line = line_of(delivered_order(buyer))
    with pytest.raises(NotFound):
        submit(other_buyer, line)
    with pytest.raises(NotFound):
        selectors.line_for_buyer(user=other_buyer, number=line.order.number, line_id=line.pk)
    assert selectors.line_for_buyer(user=buyer, number=line.order.number, line_id=line.pk) == line
    with pytest.raises(NotFound):
        selectors.line_for_buyer(user=buyer, number="TP-\x00", line_id=line.pk)


@pytest.mark.parametrize(
    ("rating", "code"),
    [(0, "out_of_range"), (6, "out_of_range"), (-1, "out_of_range"), (None, "required"), ("", "required"),
     ("four", "invalid"), (True, "invalid"), (4.5, "invalid"), ("٣", "invalid")],
)  # fmt: skip
def test_a_rating_is_a_whole_number_from_one_to_five(buyer, rating, code):
    shop()
    line = line_of(delivered_order(buyer))
    with pytest.raises(ValidationFailed) as failed:
        submit(buyer, line, rating=rating)
    assert [(e.field, e.code) for e in failed.value.errors] == [("rating", code)]
    assert submit(buyer, line, rating="3").rating == 3


def test_every_problem_with_the_text_is_named_at_once(buyer):
    shop()
    line = line_of(delivered_order(buyer))
    with pytest.raises(ValidationFailed) as failed:
        submit(buyer, line, rating=9, title="t" * 121, comment="c" * (COMMENT_MAX + 1))
    assert [e.field for e in failed.value.errors] == ["rating", "title", "comment"]
    assert not Review.objects.exists()
    assert submit(buyer, line, rating=1, comment="").comment == ""  # stars alone are a review


def test_a_part_the_catalog_does_not_list_may_be_reviewed_but_feeds_no_product_page(buyer):
    shop()
    order = delivered_order(buyer)
    line = line_of(order)
    OrderLine.objects.filter(pk=line.pk).update(product=None)
    line.refresh_from_db()
    review = submit(buyer, line)
    assert review.product is None
    services.review_approve(review=review, actor=moderator())
    assert selectors.product_reviews(product_id=line_of(order, AMS).product_id).count == 0


def test_the_buyer_edits_until_published_and_a_rejected_review_goes_back_to_moderation(
    buyer, other_buyer, django_capture_on_commit_callbacks, mailoutbox
):
    shop()
    staff = moderator()
    review = submit(buyer, line_of(delivered_order(buyer)), rating=2, comment="Late.")
    same = services.review_update(user=buyer, review=review, rating=2, comment="Late.")
    assert same.events.count() == 1  # nothing changed, nothing recorded
    services.review_update(user=buyer, review=review, rating=3, comment="Late, but fine.")
    edited = review.events.get(kind="edited")
    assert edited.data == {"rating": 2, "title": "", "comment": "Late."} and edited.actor == buyer
    with pytest.raises(NotFound):
        services.review_update(user=other_buyer, review=review, rating=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_reject(review=review, actor=staff, reason="Please describe the part, not the post.")
    review.refresh_from_db()
    assert (review.status, review.rejection_reason, review.moderated_by) == (
        "rejected",
        "Please describe the part, not the post.",
        staff,
    )
    [mail] = mailoutbox
    assert mail.to == [buyer.email] and "not published" in mail.subject
    from tradepost.notifications.models import Notification

    assert Notification.objects.get(kind="reviews.rejected").recipient == buyer  # in the outbox
    assert "Please describe the part, not the post." in mail.body
    services.review_update(user=buyer, review=review, rating=3, comment="Regulates well, stays cool.")
    review.refresh_from_db()
    assert (review.status, review.rejection_reason) == ("pending", "")
    with django_capture_on_commit_callbacks(execute=True):
        services.review_approve(review=review, actor=staff)
    assert "is published" in mailoutbox[-1].subject
    with pytest.raises(Conflict) as locked:
        services.review_update(user=buyer, review=review, rating=5, comment="Changed my mind.")
    assert locked.value.code == "review_published"
    assert [(e.kind, e.from_status, e.to_status, e.actor_role) for e in selectors.review_history(review)] == [
        ("submitted", "", "pending", "buyer"),
        ("edited", "pending", "pending", "buyer"),
        ("rejected", "pending", "rejected", "staff"),
        ("edited", "rejected", "pending", "buyer"),
        ("approved", "pending", "approved", "staff"),
    ]


def test_moderation_follows_its_table_and_a_rejection_needs_a_reason(buyer):
    shop()
    staff = moderator()
    review = submit(buyer, line_of(delivered_order(buyer)))
    for reason, code in (("", "required"), ("   ", "required"), ("x" * 1001, "too_long")):
        with pytest.raises(ValidationFailed) as failed:
            services.review_reject(review=review, actor=staff, reason=reason)
        assert [(e.field, e.code) for e in failed.value.errors] == [("reason", code)]
    services.review_approve(review=review, actor=staff)
    with pytest.raises(services.InvalidModeration):
        services.review_approve(review=review, actor=staff)
    services.review_reject(review=review, actor=staff, reason="Contains a phone number.")  # taken down
    with pytest.raises(services.InvalidModeration):
        services.review_reject(review=review, actor=staff, reason="Again.")
    services.review_approve(review=review, actor=staff)  # a rejection made in error is undone
    review.refresh_from_db()
    assert review.status == "approved" and review.rejection_reason == ""
    assert review.events.filter(actor=staff).count() == 3


def test_a_product_shows_its_approved_reviews_with_count_and_average_in_one_query(buyer):
    shop()
    staff = moderator()
    ratings = [5, 4, 4, 2]
    reviews = []
    for n, rating in enumerate(ratings):
        user = buyer if n == 0 else make_user(f"b{n}@example.com", full_name=f"Buyer Number{n}")
        reviews.append(submit(user, line_of(delivered_order(user)), rating=rating))
    for review in reviews[:3]:
        services.review_approve(review=review, actor=staff)
    services.review_reject(review=reviews[3], actor=staff, reason="Off topic.")
    pending = submit(buyer, line_of(delivered_order(buyer)), rating=1)
    product_id = reviews[0].product_id
    with CaptureQueriesContext(connection) as queries:
        shown = selectors.product_reviews(product_id=product_id)
        labels = [r.author_label for r in shown.reviews]
    assert len(queries) == 1
    assert (shown.count, str(shown.average)) == (3, "4.3")  # 13 / 3
    assert [r.pk for r in shown.reviews] == [reviews[2].pk, reviews[1].pk, reviews[0].pk]
    assert labels == ["Buyer N.", "Buyer N.", "Bea B."]
    assert pending.pk not in [r.pk for r in shown.reviews]
    page = selectors.product_reviews(product_id=product_id, offset=2, limit=2)
    assert (page.count, [r.pk for r in page.reviews]) == (3, [reviews[0].pk])
    past = selectors.product_reviews(product_id=product_id, offset=10)
    assert (past.count, str(past.average), past.reviews) == (3, "4.3", [])
    empty = selectors.product_reviews(product_id=line_of(reviews[0].order_line.order, AMS).product_id)
    assert (empty.count, empty.average, empty.reviews) == (0, None, [])


def test_the_order_page_learns_every_lines_review_state_in_two_queries(buyer):
    shop()
    order = delivered_order(buyer)
    lm, ams = line_of(order), line_of(order, AMS)
    review = submit(buyer, lm)
    order = type(order).objects.prefetch_related("lines").select_related("policy_version").get(pk=order.pk)
    with CaptureQueriesContext(connection) as queries:
        states = selectors.line_reviews(order)
    assert len(queries) == 2
    assert states[lm.pk].review == review and not states[lm.pk].can_write
    assert states[ams.pk].can_write


def test_a_buyer_reaches_only_their_own_reviews(buyer, other_buyer):
    shop()
    review = submit(buyer, line_of(delivered_order(buyer)))
    assert selectors.review_for_buyer(user=buyer, review_id=review.pk) == review
    with pytest.raises(NotFound):
        selectors.review_for_buyer(user=other_buyer, review_id=review.pk)
    assert list(selectors.reviews_for_buyer(user=other_buyer)) == []
    assert [r.pk for r in selectors.moderation_queue()] == [review.pk]


def test_an_unplaced_item_order_is_still_refused_for_the_unshipped_line(buyer):
    shop()
    order = place(buyer, {LM317: 1})
    with pytest.raises(services.ReviewRefused):
        submit(buyer, line_of(order))
