"""Review pages: write a review from the order page, My reviews, the product page's published reviews."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.orders.tests.factories import shop
from tradepost.reviews.models import Review
from tradepost.reviews.services import review_approve, review_reject
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


def write_url(order, line) -> str:
    return f"/account/orders/{order.number}/lines/{line.pk}/review/"


def test_the_buyer_reviews_a_delivered_line_from_the_order_page(client, buyer):
    shop()
    order = paid_order(buyer)
    lm, ams = line_of(order), line_of(order, AMS)
    client.force_login(buyer)
    assert "Write a review" not in client.get(f"/account/orders/{order.number}/").content.decode()
    early = client.get(write_url(order, lm)).content.decode()
    assert "once it has been delivered" in early and 'name="rating"' not in early  # said up front
    refused = client.post(write_url(order, lm), {"rating": "5"})
    assert refused.status_code == 409 and "once it has been delivered" in refused.content.decode()
    ship(order, quantities={lm.pk: 10})
    html = client.get(f"/account/orders/{order.number}/").content.decode()
    assert html.count("Write a review") == 1 and write_url(order, lm) in html

    bad = client.post(write_url(order, lm), {"rating": "9", "comment": "x"})
    assert bad.status_code == 400 and not Review.objects.exists()
    long = client.post(write_url(order, lm), {"rating": "4", "comment": "x" * 4001})
    assert long.status_code == 400 and "At most 4000 characters" in long.content.decode()
    sent = client.post(
        write_url(order, lm), {"rating": "4", "title": "Good", "comment": "Cool."}, follow=True
    )
    assert sent.redirect_chain[-1][0] == "/account/reviews/"
    html = sent.content.decode()
    assert "Waiting for moderation" in html and "Cool." in html and "Edit" in html
    again = client.post(write_url(order, lm), {"rating": "2", "comment": "Warmer than hoped."}, follow=True)
    assert again.status_code == 200 and Review.objects.get().rating == 2  # still pending: an edit
    html = client.get(f"/account/orders/{order.number}/").content.decode()
    assert "Review waiting for moderation" in html and "Write a review" not in html  # AMS not delivered
    assert write_url(order, ams) not in html


def test_a_rejection_reason_reaches_the_buyer_who_may_send_again_until_published(client, buyer):
    shop()
    order = delivered_order(buyer)
    line = line_of(order)
    client.force_login(buyer)
    client.post(write_url(order, line), {"rating": "3", "comment": "Call me at 555-0100."})
    review = Review.objects.get()
    review_reject(review=review, actor=moderator(), reason="No phone numbers, please.")
    assert "No phone numbers, please." in client.get("/account/reviews/").content.decode()
    page = client.get(write_url(order, line)).content.decode()
    assert "We could not publish this review: No phone numbers, please." in page
    client.post(write_url(order, line), {"rating": "3", "comment": "Does the job."})
    review.refresh_from_db()
    assert review.status == "pending"
    review_approve(review=review, actor=moderator())
    page = client.get(write_url(order, line))
    assert "can no longer be changed" in page.content.decode() and '<form method="post" novalidate>' not in (
        page.content.decode()
    )
    late = client.post(write_url(order, line), {"rating": "1", "comment": "Changed"})
    assert late.status_code == 409
    review.refresh_from_db()
    assert review.comment == "Does the job."


def test_other_buyers_lines_and_anonymous_visitors(client, buyer, other_buyer):
    shop()
    order = delivered_order(buyer)
    line = line_of(order)
    client.force_login(other_buyer)
    assert client.get(write_url(order, line)).status_code == 404
    assert client.post(write_url(order, line), {"rating": "5"}).status_code == 404
    assert client.get(f"/account/orders/{order.number}/lines/999999/review/").status_code == 404
    assert "No reviews yet" in client.get("/account/reviews/").content.decode()
    client.logout()
    assert client.get(write_url(order, line)).status_code == 302
    assert client.get("/account/reviews/").status_code == 302


def test_the_product_page_shows_published_reviews_with_the_average_in_one_more_query(client, buyer, settings):
    settings.STOREFRONT_PAGE_CACHE = False  # the render's own queries, not a cache hit's
    shop()
    staff = moderator()
    html = client.get(f"/products/{LM317}/").content.decode()
    assert "No reviews yet" in html
    from tradepost.conftest import make_user
    from tradepost.reviews.services import review_submit

    for n, rating in enumerate([5, 4, 1]):
        user = make_user(f"r{n}@example.com", full_name=f"Rita Reviewer{n}")
        review = review_submit(
            user=user, line=line_of(delivered_order(user)), rating=rating, comment=f"<i>{n}</i>"
        )
        if rating > 1:
            review_approve(review=review, actor=staff)
    client.get(f"/products/{LM317}/")
    with CaptureQueriesContext(connection) as queries:
        html = client.get(f"/products/{LM317}/").content.decode()
    assert len(queries) == 7  # catalog/tests/test_pages.py: the reviews are one of them
    assert "<strong>4.5</strong> of 5 · 2 reviews" in html
    assert "&lt;i&gt;0&lt;/i&gt;" in html and "<i>" not in html and "&lt;i&gt;2&lt;/i&gt;" not in html
    assert html.count("Rita R. · ") == 2 and "Reviewer0" not in html  # first name and initial only
    assert html.count("verified purchase") == 2


def test_my_account_links_to_my_reviews(client, buyer):
    shop()
    client.force_login(buyer)
    assert "/account/reviews/" in client.get("/account/").content.decode()
