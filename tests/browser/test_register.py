"""A buyer registers (the agreement tick is required), signs out and signs in again."""

import pytest

from tradepost.accounts.models import AgreementAcceptance, User
from tradepost.policies.services import policy_ensure_active

pytestmark = pytest.mark.django_db(transaction=True)


def fill_registration(page, email: str) -> None:
    page.fill("#id_email", email)
    page.fill("#id_password", "a-long-and-unusual-passphrase")
    page.fill("#id_full_name", "Browser Buyer")
    page.select_option("#id_country", "NL")
    page.fill("#id_company", "Polder Parts BV")


def test_register_needs_the_agreement_then_sign_in(page):
    policy_ensure_active(preset="components")
    page.goto("/account/register/")
    assert page.locator(".agreement-text").inner_text().strip()

    fill_registration(page, "browser.buyer@example.com")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/account/register/" in page.url
    assert "must accept the user agreement" in page.locator("body").inner_text()
    assert not User.objects.filter(email="browser.buyer@example.com").exists()

    # The form keeps what was typed except the password.
    assert page.input_value("#id_email") == "browser.buyer@example.com"
    page.fill("#id_password", "a-long-and-unusual-passphrase")
    page.check("#id_accept_agreement")
    page.click("button[type=submit]")
    page.wait_for_url("**/account/")
    assert "My account" in page.locator("h1").inner_text()
    user = User.objects.get(email="browser.buyer@example.com")
    assert AgreementAcceptance.objects.filter(user=user).exists()

    page.click("text=Sign out")
    page.wait_for_url("**/")
    page.click("text=Sign in")
    page.fill("#id_email", "browser.buyer@example.com")
    page.fill("#id_password", "a-long-and-unusual-passphrase")
    page.click("main button[type=submit]")
    page.wait_for_url("**/account/")
    assert "Browser Buyer" in page.locator("main").inner_text()
