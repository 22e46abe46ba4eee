"""Racing submits against a real database: threads with their own connections (SQLite and PostgreSQL)."""

import itertools

import pytest

from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.conftest import make_user
from tradepost.orders.tests.factories import shop
from tradepost.reviews import services
from tradepost.reviews.models import Review, ReviewEvent
from tradepost.reviews.tests.factories import delivered_order, line_of, moderator

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_double_submit_from_many_threads_makes_one_review():
    shop()
    buyer = make_user("racer@example.com")
    line = line_of(delivered_order(buyer))

    def submit(n: int):
        return services.review_submit(user=buyer, line=line, rating=1 + n % 5, comment=f"try {n}")

    results = run_threads(submit, 8)
    made = [r for r in results if isinstance(r, Review)]
    refused = [r for r in results if isinstance(r, services.AlreadyReviewed)]
    assert (len(made), len(refused)) == (1, 7), [r for r in results if r not in made + refused]
    assert Review.objects.count() == 1 and ReviewEvent.objects.count() == 1


def test_approve_and_reject_at_once_leave_one_decision_on_record():
    shop()
    buyer = make_user("racer@example.com")
    review = services.review_submit(user=buyer, line=line_of(delivered_order(buyer)), rating=4)
    staff = moderator()

    def decide(n: int):
        if n % 2:
            return services.review_reject(review=review, actor=staff, reason="Off topic.")
        return services.review_approve(review=review, actor=staff)

    results = run_threads(decide, 4)
    done = [r for r in results if isinstance(r, Review)]
    refused = [r for r in results if isinstance(r, services.InvalidModeration)]
    # pending -> one decision; after it only the opposite move is allowed, so at most 2 succeed.
    assert len(done) + len(refused) == 4, results
    review.refresh_from_db()
    events = list(ReviewEvent.objects.filter(review=review).exclude(kind="submitted").order_by("id"))
    assert len(events) == len(done) and events[-1].to_status == review.status
    assert all(a.to_status == b.from_status for a, b in itertools.pairwise(events))
