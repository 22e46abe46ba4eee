"""The policy pages say exactly what the active policy enforces, for every preset and after a change."""

import re

import pytest

from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate

pytestmark = pytest.mark.django_db


def activate(preset: str, **changes):
    policy = load_preset(preset)
    for section, values in changes.items():
        policy = policy.model_copy(update={section: getattr(policy, section).model_copy(update=values)})
    return policy_activate(policy=policy, source="test")[0]


def text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_no_policy_means_no_policy_pages(client):
    assert client.get("/policies/shipping/").status_code == 404
    assert client.get("/").status_code == 200


def test_components_pages(client):
    activate("components")
    shipping = text(client, "/policies/shipping/")
    assert "Within 3–5 working days after payment" in shipping
    assert "paid by you on delivery" in shipping
    assert "DHL" in shipping
    payment = text(client, "/policies/payment/")
    for method in ("PayPal", "Credit or debit card", "Wire transfer", "Western Union"):
        assert method in payment
    assert "within 12 hours" in payment and "90 days from the exchange" in payment
    guarantee = text(client, "/policies/guarantee/")
    assert "90 days" in guarantee and "100 days for PLUS members" in guarantee
    assert client.get("/policies/warranty/").status_code == 404


def test_wholesale_pages(client):
    version = activate("wholesale")
    warranty = text(client, "/policies/warranty/")
    expected = {
        "mp3_mp4_players": "3 months",
        "cell_phones": "1 year",
        "cell_phone_batteries": "6 months",
        "cell_phone_accessories": "Lifetime",
        "other": "3 months",
    }
    classes = {c["key"]: c["label"] for c in version.document["warranty"]["classes"]}
    assert set(classes) == set(expected)
    for key, length in expected.items():
        assert f"{classes[key]} {length}" in warranty, key
    assert "firmware" in warranty.lower()
    returns = text(client, "/policies/returns/")
    assert "14 days from the day we first ship your order" in returns
    assert "original shipping and handling charges are not refunded" in returns


def test_direct_pages(client):
    activate("direct")
    shipping = text(client, "/policies/shipping/")
    assert "Within 1–3 working days after our review of your order" in shipping
    assert "Free on every order" in shipping and "Paid by us" in shipping
    assert "6–12 working days after dispatch" in shipping
    returns = text(client, "/policies/returns/")
    assert "60 days" in returns and "5–10 working days" in returns and "USD" in returns


def test_pages_follow_a_new_version(client):
    activate("direct")
    version = activate("direct", dispatch={"min_working_days": 2, "max_working_days": 4})
    shipping = text(client, "/policies/shipping/")
    assert "Within 2–4 working days" in shipping
    assert f"policy version {version.number}" in shipping


def test_signed_in_pages_follow_a_new_version_at_the_next_request(client, buyer, django_assert_num_queries):
    """A signed-in buyer's pages read the policy version with the user (accounts.backends): a new version
    shows on the very next page, with no query of its own."""
    first = activate("direct")
    client.force_login(buyer)
    assert f"policy version {first.number}." in text(client, "/policies/shipping/")
    second = activate("direct", dispatch={"min_working_days": 2, "max_working_days": 4})
    shipping = text(client, "/policies/shipping/")
    assert "Within 2–4 working days" in shipping and f"policy version {second.number}." in shipping
    with django_assert_num_queries(1):  # the user, with the agreement and policy versions
        home = text(client, "/policies/payment/")
    assert f"policy version {second.number}." in home


def test_home_lists_the_promises(client):
    activate("wholesale")
    home = text(client, "/")
    assert "14 days from the first shipment" in home


def _hrefs(response) -> set[str]:
    return set(re.findall(r'(?:href|action|hx-get)="([^"]+)"', response.content.decode()))


def test_header_and_footer_links_are_the_urls_they_name(client, django_user_model):
    """{{ links.x }} (storefront.context_processors) is reverse() of x, under the request's script prefix
    too, for visitors, buyers and staff."""
    from django.test.utils import override_script_prefix
    from django.urls import reverse

    activate("components")  # warranty off, guarantee and membership on: their links show
    names = [
        "home",
        "search",
        "search_suggest",
        "catalog",
        "policy_shipping",
        "policy_payment",
        "policy_returns",
    ]
    names += ["policy_guarantee", "membership", "contact", "agreement", "login", "register"]
    assert {reverse(f"storefront:{name}") for name in names} <= _hrefs(client.get("/"))
    with override_script_prefix("/shop/"):
        prefixed = _hrefs(client.get("/"))
    assert "/shop/catalog/" in prefixed and "/catalog/" not in prefixed
    assert "/catalog/" in _hrefs(client.get("/"))  # the prefix was one request's, not kept
    staff = django_user_model.objects.create_user("desk@example.com", "pw-123456789", is_staff=True)
    client.force_login(staff)
    links = _hrefs(client.get("/policies/shipping/"))
    assert {reverse("backoffice:home"), reverse("storefront:account"), reverse("storefront:logout")} <= links
