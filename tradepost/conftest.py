"""Fixtures shared by every app's tests."""

import time

import pytest
from django.core.cache import cache

from tradepost.accounts.models import User
from tradepost.accounts.selectors import agreement_current
from tradepost.accounts.services import agreement_accept

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters and the cached agreement version must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_word_statistics():
    # PostgreSQL search re-reads its word statistics every few minutes: a test must not depend on whether
    # the read falls inside it (it would cost queries) or on what earlier tests left in the table.
    from tradepost.catalog.search import postgres

    postgres._shares.update(read_at=time.monotonic(), values=postgres.no_statistics())


def make_user(email: str = "buyer@example.com", *, accepted: bool = True, **fields) -> User:
    fields.setdefault("full_name", "Bea Buyer")
    fields.setdefault("country", "DE")
    user = User.objects.create_user(email, PASSWORD, **fields)
    current = agreement_current()
    if accepted and current:
        agreement_accept(user=user, version=current.version)
    return user


@pytest.fixture
def buyer(db) -> User:
    return make_user()


@pytest.fixture
def other_buyer(db) -> User:
    return make_user("other@example.com", full_name="Otto Other")


@pytest.fixture
def fake_paypal(settings):
    """A local fake PayPal server, with the settings pointing the PayPal client at it."""
    from tradepost.payments.testing.fake_paypal import FakePayPal

    with FakePayPal() as fake:
        settings.PAYPAL_API_BASE = fake.base_url
        settings.PAYPAL_CLIENT_ID = "fake-client-id"
        settings.PAYPAL_CLIENT_SECRET = "fake-client-secret"
        settings.PAYPAL_WEBHOOK_ID = "WH-TEST-0001"
        yield fake
