import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tradepost.accounts import services
from tradepost.accounts.models import User
from tradepost.accounts.selectors import agreement_current
from tradepost.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = {
    "email": "page.buyer@example.com",
    "password": "a-long-and-unusual-passphrase",
    "full_name": "Page Buyer",
    "country": "JP",
    "account_type": "buyer",
}
ADDRESS = {
    "full_name": "Page Buyer",
    "line1": "1-1 Chiyoda",
    "city": "Tokyo",
    "country": "JP",
    "phone": "+81 3-3213-1111",
}


def test_register_without_the_tick_shows_the_error_and_creates_nothing(client):
    response = client.post("/account/register/", REGISTER)
    assert response.status_code == 400
    assert "You must accept the user agreement to register." in response.content.decode()
    assert not User.objects.exists()


def test_register_with_the_tick_signs_the_buyer_in(client):
    data = {**REGISTER, "accept_agreement": "on", "agreement_version": agreement_current().version}
    response = client.post("/account/register/", data)
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_weak_password_is_explained_on_the_field(client):
    response = client.post(
        "/account/register/", {**REGISTER, "password": "password1234", "accept_agreement": "on"}
    )
    assert response.status_code == 400
    assert "This password is too common." in response.content.decode()


def test_login_page_and_throttle(client, buyer, settings):
    settings.THROTTLE_LOGIN_PER_ACCOUNT = (2, 900)
    for _ in range(2):
        response = client.post("/account/login/", {"email": buyer.email, "password": "nope"})
        assert response.status_code == 400 and "not correct" in response.content.decode()
    response = client.post("/account/login/", {"email": buyer.email, "password": PASSWORD})
    assert response.status_code == 429 and "Too many" in response.content.decode()


def test_login_redirects_to_a_safe_next_only(client, buyer):
    response = client.post(
        "/account/login/?next=https://evil.example/", {"email": buyer.email, "password": PASSWORD}
    )
    assert response["Location"] == "/account/"
    client.logout()
    response = client.post(
        "/account/login/?next=/account/addresses/", {"email": buyer.email, "password": PASSWORD}
    )
    assert response["Location"] == "/account/addresses/"


def test_new_agreement_is_asked_for_at_the_next_visit(client, buyer):
    client.force_login(buyer)
    assert client.get("/account/").status_code == 200
    new = services.agreement_publish(
        title="User agreement", body="Revised terms.", summary_of_changes="Clause 4.", actor=None
    )
    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/account/agreement/")
    page = client.get(response["Location"])
    assert "Revised terms." in page.content.decode() and "Clause 4." in page.content.decode()
    response = client.post("/account/agreement/?next=/account/", {"version": new.version, "accept": "on"})
    assert response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_the_agreement_check_leaves_exempt_paths_alone(client, buyer):
    """The API answers a signed-in buyer's public requests without the page's agreement check: it neither
    redirects them nor reads their session or user for it."""
    client.force_login(buyer)
    services.agreement_publish(title="User agreement", body="Revised terms.", actor=None)
    assert client.get("/account/").status_code == 302
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/categories")
    assert response.status_code == 200
    read = " ".join(query["sql"] for query in ctx.captured_queries)
    assert "accounts_user" not in read and "django_session" not in read


def test_address_pages_belong_to_their_owner(client, buyer, other_buyer):
    address = services.address_create(user=buyer, data=ADDRESS)
    client.force_login(other_buyer)
    assert client.get(f"/account/addresses/{address.pk}/").status_code == 404
    assert client.post(f"/account/addresses/{address.pk}/", ADDRESS).status_code == 404
    assert client.post(f"/account/addresses/{address.pk}/delete/").status_code == 404
    assert buyer.addresses.count() == 1
    client.force_login(buyer)
    assert "Tokyo" in client.get("/account/addresses/").content.decode()


def test_address_form_shows_phone_errors(client, buyer):
    client.force_login(buyer)
    response = client.post("/account/addresses/new/", {**ADDRESS, "phone": "42"})
    assert response.status_code == 400 and "valid phone number" in response.content.decode()
    response = client.post("/account/addresses/new/", ADDRESS)
    assert response.status_code == 302
    assert buyer.addresses.get().phone == "+81332131111"


def test_password_reset_flow(client, buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/password/reset/", {"email": buyer.email})
    assert response.status_code == 302
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/account/password/reset/" in line
    ).strip()
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert response.status_code == 302
    buyer.refresh_from_db()
    assert buyer.check_password("a-brand-new-passphrase")
    assert buyer.account_events.filter(kind="password_reset_done").exists()


def test_tokens_page_shows_the_secret_once(client, buyer):
    client.force_login(buyer)
    response = client.post("/account/tokens/", {"name": "ERP"})
    body = response.content.decode()
    assert 'id="new-token"' in body
    assert 'id="new-token"' not in client.get("/account/tokens/").content.decode()


def test_logout_needs_post(client, buyer):
    client.force_login(buyer)
    assert client.get("/account/logout/").status_code == 405
    assert client.post("/account/logout/").status_code == 302


def test_a_session_is_read_from_the_cache_and_from_the_database_when_the_cache_lost_it(client, buyer):
    client.post("/account/login/", {"email": buyer.email, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.get("/account/")  # the first page after signing in records the agreement check in the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/account/").status_code == 200
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)
    cache.clear()  # as a restart of a cache without persistence, or an eviction, would
    assert client.get("/account/").status_code == 200
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = cookie
    client.post("/account/logout/")  # gone from the cache and the database alike
    assert stolen.get("/account/").status_code == 302
    cache.clear()
    assert stolen.get("/account/").status_code == 302


def test_flash_messages_are_set_up_for_pages_not_for_the_api(client, buyer):
    client.force_login(buyer)
    assert hasattr(client.get("/account/").wsgi_request, "_messages")
    assert not hasattr(client.get("/api/v1/categories").wsgi_request, "_messages")
