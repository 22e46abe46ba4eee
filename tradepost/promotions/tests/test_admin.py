import pytest

from tradepost.conftest import make_user
from tradepost.orders.tests.factories import activate
from tradepost.promotions.models import CampaignCode, Coupon
from tradepost.promotions.services import coupon_redeem
from tradepost.promotions.tests.factories import give, make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    activate()  # before the user, so they accept the current agreement
    admin = make_user("admin@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_generate_codes_downloads_them_once_and_they_redeem(admin_client, buyer):
    activate()
    campaign = make_campaign("coupon_code")
    response = admin_client.post(
        "/admin/promotions/campaign/",
        {"action": "generate_10_codes", "_selected_action": [campaign.pk]},
    )
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    codes = [line.split(",")[1] for line in response.content.decode().splitlines()[1:]]
    assert len(codes) == 10 == CampaignCode.objects.filter(campaign=campaign).count()
    assert coupon_redeem(user=buyer, code=codes[3]).owner == buyer


def test_revoke_action_goes_through_the_service(admin_client, buyer):
    activate()
    coupon = give(buyer)
    response = admin_client.post(
        "/admin/promotions/coupon/", {"action": "revoke", "_selected_action": [coupon.pk]}, follow=True
    )
    assert response.status_code == 200
    coupon.refresh_from_db()
    assert coupon.state == "revoked" and coupon.events.last().kind == "revoked"
    assert admin_client.get(f"/admin/promotions/coupon/{coupon.pk}/change/").status_code == 200
    assert Coupon.objects.count() == 1
