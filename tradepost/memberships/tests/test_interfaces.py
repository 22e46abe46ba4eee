"""The membership page, cancelling with the refund shown first, the API and the finance desk; another buyer's
membership is 404 everywhere."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.memberships.models import Membership
from tradepost.memberships.tests.factories import buy, make_plan, member
from tradepost.orders.tests.factories import activate, shop, staff_member
from tradepost.payments.models import Refund
from tradepost.promotions.models import Coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(db):
    shop("components")
    return make_plan(days=365, price="99.00", shipping_coupons=2, product_coupons=1)


# --- Storefront -------------------------------------------------------------------------------------------


def test_the_page_shows_plans_and_benefits_to_anyone_and_sign_in_to_join(client, plan):
    html = client.get("/membership/").content.decode()
    assert "PLUS membership" in html and "PLUS 365 days" in html and "$99.00" in html
    assert "100-day quality guarantee" in html and "otherwise 90 days" in html
    assert "2 × $10.00 off shipping" in html and "1 × $5.00 off goods (min. spend $50.00)" in html
    assert "Sign in to join" in html
    assert 'href="/membership/"' in client.get("/").content.decode()  # in the store's navigation


def test_joining_leads_to_the_order_to_pay_then_the_page_shows_the_membership(client, plan, buyer):
    client.force_login(buyer)
    page = client.get("/membership/").content.decode()
    assert "You are not a member" in page
    data = {
        f"plan{plan.pk}-plan_id": plan.pk,
        f"plan{plan.pk}-payment_method": "wire_transfer",
        f"plan{plan.pk}-idempotency_key": "join-1",
    }
    response = client.post(f"/membership/join/{plan.pk}/", data)
    membership = Membership.objects.get(user=buyer)
    assert (
        response.status_code == 302 and response["Location"] == f"/account/orders/{membership.order.number}/"
    )
    again = client.post(f"/membership/join/{plan.pk}/", data)  # a double click: the same order
    assert again["Location"] == response["Location"] and Membership.objects.count() == 1
    order_page = client.get(response["Location"]).content.decode()
    assert "Membership" in order_page and "PLUS 365 days" in order_page and "wire-reference" in order_page
    assert "Shipping to" not in order_page
    assert "Awaiting payment" in client.get("/membership/").content.decode()
    bad = client.post(f"/membership/join/{plan.pk}/", {**data, f"plan{plan.pk}-payment_method": "cash"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()


def test_cancel_shows_the_calculation_then_cancels(client, plan, buyer):
    membership = member(buyer, plan)
    client.force_login(buyer)
    page = client.get("/membership/").content.decode()
    assert 'id="membership-state">Active' in page and 'id="days-left">364' in page
    preview = client.get(f"/membership/{membership.pk}/cancel/")
    html = preview.content.decode()
    assert preview.status_code == 200 and "Unused share: 364 of 365 days" in html and "$98.73" in html
    stale = client.post(f"/membership/{membership.pk}/cancel/", {"expected_refund": "99.00"})
    assert stale.status_code == 409 and "The refund is now 98.73 USD" in stale.content.decode()
    assert Membership.objects.get().status == "active"
    done = client.post(f"/membership/{membership.pk}/cancel/", {"expected_refund": "98.73"}, follow=True)
    assert done.status_code == 200 and "Your membership is cancelled" in done.content.decode()
    assert Refund.objects.get().amount == Decimal("98.73")
    closed = client.get(f"/membership/{membership.pk}/cancel/")
    assert closed.status_code == 409 and "cancelled" in closed.content.decode()


def test_another_buyers_membership_is_404_on_pages(client, plan, buyer, other_buyer):
    membership = member(buyer, plan)
    client.force_login(other_buyer)
    assert client.get(f"/membership/{membership.pk}/cancel/").status_code == 404
    assert client.post(f"/membership/{membership.pk}/cancel/", {"expected_refund": "1"}).status_code == 404
    assert client.get(f"/account/orders/{membership.order.number}/").status_code == 404
    assert Membership.objects.get().status == "active"


def test_stores_without_membership_have_no_page(client, db, buyer):
    activate("direct")
    assert client.get("/membership/").status_code == 404
    assert 'href="/membership/"' not in client.get("/").content.decode()


# --- API --------------------------------------------------------------------------------------------------


def test_api_plans_purchase_and_my_membership(client, plan, buyer):
    auth = token_for(buyer)
    offered = client.get(f"{API}/membership/plans").json()
    assert offered["benefits"]["member_quality_guarantee_days"] == 100
    assert offered["plans"][0]["welcome_package"][0] == {"quantity": 2, "label": "$10.00 off shipping"}
    body = {"plan_id": plan.pk, "payment_method": "paypal"}
    missing = post(client, "/membership/purchase", body, **auth)
    assert_problem(missing, 400, code="idempotency_key_required", field="header.Idempotency-Key")
    created = post(client, "/membership/purchase", body, HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert created.status_code == 201 and created.json()["state"] == "pending"
    again = post(client, "/membership/purchase", body, HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    number = created.json()["order_number"]
    order = client.get(f"{API}/orders/{number}", **auth)
    assert order.status_code == 200 and order.json()["total"] == "99.00"
    second = post(client, "/membership/purchase", body, HTTP_IDEMPOTENCY_KEY="k-2", **auth)
    assert_problem(second, 409, code="membership_pending")
    wrong = post(client, "/membership/purchase", {**body, "plan_id": 0}, HTTP_IDEMPOTENCY_KEY="k-3", **auth)
    assert_problem(wrong, 404, code="plan_not_found")
    extra = post(client, "/membership/purchase", {**body, "price": "1"}, HTTP_IDEMPOTENCY_KEY="k-4", **auth)
    assert_problem(extra, 422)
    mine = client.get(f"{API}/membership", **auth).json()
    assert mine["is_member"] is False and mine["memberships"][0]["order_number"] == number


def test_api_cancellation_preview_then_cancel(client, plan, buyer):
    membership = member(buyer, plan)
    auth = token_for(buyer)
    mine = client.get(f"{API}/membership", **auth).json()
    assert mine["is_member"] and mine["current"]["days_left"] == 364
    assert len(mine["current"]["welcome_coupons"]) == 3
    preview = client.get(f"{API}/membership/{membership.pk}/cancellation", **auth).json()
    assert preview["refund"] == "98.73" and preview["lines"][-1] == {"label": "Refund", "amount": "98.73"}
    stale = post(client, f"/membership/{membership.pk}/cancel", {"expected_refund": "5.00"}, **auth)
    assert_problem(stale, 409, code="refund_changed", field="expected_refund")
    done = post(client, f"/membership/{membership.pk}/cancel", {"expected_refund": "98.73"}, **auth)
    assert (
        done.status_code == 200 and done.json()["state"] == "cancelled" and done.json()["refund"] == "98.73"
    )
    assert done.json()["refund_due_at"]
    twice = post(client, f"/membership/{membership.pk}/cancel", {}, **auth)
    assert_problem(twice, 409, code="not_cancellable")
    revoked = Coupon.objects.filter(membership=membership, kind="shipping", state="revoked").count()
    assert revoked == 2


def test_api_another_buyers_membership_is_404_and_the_desk_is_finance_only(client, plan, buyer, other_buyer):
    membership = member(buyer, plan)
    other = token_for(other_buyer)
    assert_problem(client.get(f"{API}/membership/{membership.pk}/cancellation", **other), 404)
    assert_problem(post(client, f"/membership/{membership.pk}/cancel", {}, **other), 404)
    assert client.get(f"{API}/membership", **other).json()["memberships"] == []
    assert_problem(client.get(f"{API}/desk/memberships", **other), 404)
    fulfilment = token_for(staff_member("ful@example.com", desks=("fulfilment",)))
    assert_problem(client.get(f"{API}/desk/memberships", **fulfilment), 404)
    finance = token_for(staff_member("fin@example.com", desks=("finance",)))
    listed = client.get(f"{API}/desk/memberships?state=active", **finance).json()
    assert listed["total"] == 1 and listed["items"][0]["buyer_email"] == buyer.email
    assert client.get(f"{API}/desk/memberships?state=cancelled", **finance).json()["total"] == 0
    odd = client.get(f"{API}/desk/memberships?q=%00{buyer.email}", **finance)
    assert odd.status_code == 200 and odd.json()["total"] == 1


def test_api_when_the_store_sells_no_membership(client, db, buyer):
    activate("wholesale")
    assert_problem(client.get(f"{API}/membership/plans"), 404, code="membership_unavailable")


# --- Back office ------------------------------------------------------------------------------------------


def test_the_finance_desk_lists_memberships_and_shows_one(client, plan, buyer):
    membership = member(buyer, plan)
    pending = buy(buyer, plan)
    finance = staff_member("fin@example.com", desks=("finance",))
    client.force_login(finance)
    listing = client.get("/desk/memberships/?state=active").content.decode()
    assert (
        buyer.email in listing and membership.order.number in listing and pending.order.number not in listing
    )
    assert client.get("/desk/memberships/?q=%00TP").status_code == 200
    found = client.get(f"/desk/memberships/?q={pending.order.number}").content.decode()
    assert pending.order.number in found and membership.order.number not in found
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        from tradepost.memberships.services import membership_cancel

        membership_cancel(membership=membership, actor=buyer)
    detail = client.get(f"/desk/memberships/{membership.pk}/").content.decode()
    assert "Cancelled" in detail and "362 / 365 days" in detail and "Paid; runs from" in detail
    assert "Cancelled; refund 98.19 USD" in detail
    client.force_login(staff_member("ful@example.com", desks=("fulfilment",)))
    assert client.get("/desk/memberships/").status_code == 404
    assert client.get(f"/desk/memberships/{membership.pk}/").status_code == 404


def test_the_admin_edits_plans_and_refuses_a_code_campaign_as_welcome_coupons(client, plan):
    from tradepost.conftest import make_user
    from tradepost.memberships.models import Plan
    from tradepost.promotions.tests.factories import make_campaign

    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    code_campaign = make_campaign("coupon_code")
    grant = make_campaign(coupon_kind="shipping", value="8.00")
    form = {
        "name": "PLUS quarter",
        "slug": "plus-quarter",
        "description": "",
        "duration_days": "90",
        "price": "29.00",
        "active": "on",
        "position": "0",
        "welcome-TOTAL_FORMS": "1",
        "welcome-INITIAL_FORMS": "0",
        "welcome-MIN_NUM_FORMS": "0",
        "welcome-MAX_NUM_FORMS": "1000",
        "welcome-0-campaign": code_campaign.pk,
        "welcome-0-quantity": "2",
    }
    response = client.post("/admin/memberships/plan/add/", form)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Plan.objects.filter(slug="plus-quarter").exists()
    saved = client.post("/admin/memberships/plan/add/", {**form, "welcome-0-campaign": grant.pk})
    assert saved.status_code == 302
    assert Plan.objects.get(slug="plus-quarter").welcome.get().campaign == grant
    assert client.get("/admin/memberships/membership/").status_code == 200
