"""Review moderation desk: after-sales staff publish or refuse reviews; everyone else finds nothing."""

import pytest

from tradepost.conftest import make_user
from tradepost.orders.tests.factories import shop, staff_member
from tradepost.reviews.models import Review
from tradepost.reviews.services import review_submit
from tradepost.reviews.tests.factories import delivered_order, line_of, moderator

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(buyer):
    shop()
    return review_submit(user=buyer, line=line_of(delivered_order(buyer)), rating=2, comment="Ran hot.")


def test_only_the_after_sales_desk_moderates(client, buyer, review):
    urls = ["/desk/reviews/", f"/desk/reviews/{review.pk}/"]
    for person in (buyer, staff_member("ops@example.com", desks=("fulfilment", "finance", "support"))):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 404
        assert client.post(urls[1], {"action": "approve"}).status_code == 404
    client.logout()
    assert client.get(urls[0]).status_code == 302
    review.refresh_from_db()
    assert review.status == "pending"
    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    assert client.get(urls[0]).status_code == 200
    assert "Reviews to moderate" in client.get("/desk/").content.decode()


def test_reject_with_a_reason_then_publish(client, review, django_capture_on_commit_callbacks, mailoutbox):
    staff = moderator()
    client.force_login(staff)
    queue = client.get("/desk/reviews/").content.decode()
    assert "Ran hot." in queue and f"/desk/reviews/{review.pk}/" in queue
    url = f"/desk/reviews/{review.pk}/"
    empty = client.post(url, {"action": "reject", "reason": ""})
    assert empty.status_code == 400 and Review.objects.get().status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"action": "reject", "reason": "Say what it was used for."})
    assert done.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.rejection_reason, review.moderated_by) == (
        "rejected",
        "Say what it was used for.",
        staff,
    )
    assert "Say what it was used for." in mailoutbox[0].body
    assert "No reviews here." in client.get("/desk/reviews/").content.decode()
    assert "Ran hot." in client.get("/desk/reviews/?status=rejected").content.decode()
    page = client.get(url).content.decode()
    assert "Publish after all" in page and "moderator@example.com" in page
    again = client.post(url, {"action": "reject", "reason": "Twice."})
    assert again.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "approve"})
    review.refresh_from_db()
    assert review.status == "approved" and "is published" in mailoutbox[-1].subject
    assert client.post(url, {"action": "nonsense"}).status_code == 404
    assert client.get("/desk/reviews/?status=bogus").status_code == 200
    assert client.get("/desk/reviews/999999/").status_code == 404
