"""Server start-up warm-up (config/wsgi.py): the caches a first request would fill, filled before it."""

import pytest
from django.db import connection

from tradepost.core.warmup import warm_up
from tradepost.policies import selectors
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate


@pytest.mark.django_db(transaction=True)
def test_warm_up_parses_the_active_policy_and_leaves_no_connection_open(monkeypatch):
    monkeypatch.setattr(selectors, "_PARSED", {})
    warm_up()  # no policy yet: nothing to parse, and the server still starts
    assert selectors._PARSED == {} and connection.connection is None
    version, _ = policy_activate(policy=load_preset("direct"), source="test")
    monkeypatch.setattr(selectors, "_PARSED", {})
    warm_up()
    assert list(selectors._PARSED) == [version.digest]
    assert connection.connection is None  # under gunicorn --preload, forked workers must not share it


@pytest.mark.django_db
def test_warm_up_fills_the_reverse_lookup_tables_of_every_namespace(monkeypatch):
    from django.urls import clear_url_caches, reverse
    from django.urls.resolvers import URLResolver

    clear_url_caches()
    warm_up()
    populated = []
    original = URLResolver._populate

    def spy(self):
        populated.append(self)
        original(self)

    monkeypatch.setattr(URLResolver, "_populate", spy)
    assert reverse("storefront:order_detail", args=["TP-1"]).endswith("/TP-1/")
    reverse("api:openapi-json")
    reverse("admin:index")
    assert populated == []  # nothing left to build when the first email links to a page
