from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tradepost.accounts.models import User
from tradepost.accounts.roles import Desk, user_desks
from tradepost.accounts.selectors import agreement_pending_for
from tradepost.catalog.models import Product
from tradepost.demo.services import BUYER_EMAIL, BUYER_PASSWORD, STAFF_EMAIL
from tradepost.policies.models import PolicyVersion
from tradepost.policies.selectors import policy_active

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("demo", *args, "--parts", "40", stdout=out)
    return out.getvalue()


def test_demo_loads_a_store_and_prints_the_logins():
    out = run("--preset", "components")
    assert BUYER_EMAIL in out and BUYER_PASSWORD in out and STAFF_EMAIL in out
    assert policy_active().preset == "components"
    buyer = User.objects.get(email=BUYER_EMAIL)
    staff = User.objects.get(email=STAFF_EMAIL)
    assert buyer.check_password(BUYER_PASSWORD) and not buyer.is_staff
    assert agreement_pending_for(buyer) is None and agreement_pending_for(staff) is None
    assert user_desks(staff) == set(Desk.values)
    assert Product.objects.count() == 40 and "40 products" in out


def test_demo_twice_changes_nothing():
    run("--preset", "wholesale")
    run("--preset", "wholesale")
    assert PolicyVersion.objects.count() == 1
    assert User.objects.count() == 2


def test_demo_with_another_preset_activates_it_as_a_new_version():
    run("--preset", "components")
    run("--preset", "direct")
    assert [v.preset for v in PolicyVersion.objects.order_by("number")] == ["components", "direct"]
    assert policy_active().policy.shipping.free_shipping is True


def test_demo_with_an_unknown_preset_fails_clearly():
    with pytest.raises(CommandError, match="components"):
        run("--preset", "bazaar")
    assert not PolicyVersion.objects.exists()


def test_demo_buyer_has_orders_to_look_at_and_staff_have_one_to_handle():
    from tradepost.orders.models import Order

    run("--preset", "components")
    orders = Order.objects.filter(user__email=BUYER_EMAIL).order_by("idempotency_key")
    assert [o.status for o in orders] == ["awaiting_payment", "approved"]
    run("--preset", "components")
    assert Order.objects.count() == 2


def test_demo_offers_membership_plans_only_where_the_store_sells_membership():
    from tradepost.memberships.models import Plan

    run("--preset", "wholesale")
    assert not Plan.objects.exists()
    run("--preset", "components")
    run("--preset", "components")
    plans = {p.slug: p for p in Plan.objects.prefetch_related("welcome__campaign")}
    assert set(plans) == {"plus-365", "plus-90"}
    assert sorted(w.campaign.coupon_kind for w in plans["plus-365"].welcome.all()) == ["product", "shipping"]
