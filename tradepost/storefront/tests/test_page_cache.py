"""Catalog pages from the cache: whole for visitors without a session, the page in a frame of their own for
signed-in buyers and visitors with a cart; fresh after every change, staff always rendered, and everyone's
CSRF token their own."""

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tradepost.catalog import services as catalog
from tradepost.catalog.models import Product
from tradepost.catalog.tests.factories import product_data
from tradepost.checkout.services import _take_stock
from tradepost.conftest import make_user
from tradepost.orders.tests.factories import shop
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate
from tradepost.storefront.pagecache import CSRF_PLACEHOLDER, WHO_PLACEHOLDER

pytestmark = pytest.mark.django_db
PRODUCT = "/products/TI-LM317T/"
CATEGORY = "/catalog/regulators/?per_page=48"


def token_in(body: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


def without_tokens(body: str) -> str:
    """The page with its CSRF tokens (masked afresh on every response) blanked out."""
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", body)


def stock_shown(body: str) -> str:
    return re.search(r'<dd id="stock">(\d+)</dd>', body).group(1)


@pytest.fixture
def store(db):
    return shop()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the block leaves for after commit, as a real commit would (tests run in a transaction)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_repeat_visit_is_served_from_the_cache_in_one_query(store, django_assert_max_num_queries):
    visitor = Client()
    first = visitor.get(PRODUCT).content.decode()
    with django_assert_max_num_queries(1):  # the product's row
        again = visitor.get(PRODUCT).content.decode()
    assert without_tokens(again) == without_tokens(first) and "LM317T" in again and "$0.44" in again


def test_each_visitor_gets_a_working_csrf_token_of_their_own(store):
    one, two = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    body_one, body_two = one.get(PRODUCT).content.decode(), two.get(PRODUCT).content.decode()
    assert CSRF_PLACEHOLDER not in body_one + body_two
    token_one, token_two = token_in(body_one), token_in(body_two)
    assert token_one != token_two and "csrftoken" in two.cookies
    # The cached page's form posts with the second visitor's own token.
    added = two.post("/cart/add/", {"sku": "TI-LM317T", "quantity": 1, "csrfmiddlewaretoken": token_two})
    assert added.status_code in (200, 302)
    refused = Client(enforce_csrf_checks=True)
    refused.get(PRODUCT)
    stolen = refused.post("/cart/add/", {"sku": "TI-LM317T", "quantity": 1, "csrfmiddlewaretoken": "x" * 64})
    assert stolen.status_code == 403


def test_stock_taken_by_an_order_shows_on_the_product_page_and_the_listing(store, committed):
    visitor = Client()
    assert stock_shown(visitor.get(PRODUCT).content.decode()) == "100"
    assert ">100<" in visitor.get(CATEGORY).content.decode()
    with committed(), transaction.atomic():
        _take_stock([(store["products"]["LM317T"].pk, 7, "LM317T", "lines")], advice="")
    assert stock_shown(visitor.get(PRODUCT).content.decode()) == "93"
    assert ">93<" in visitor.get(CATEGORY).content.decode()


def test_stock_changed_behind_the_services_back_still_shows_on_the_product_page(store):
    visitor = Client()
    visitor.get(PRODUCT)
    Product.objects.filter(sku="TI-LM317T").update(stock=5)  # no signal, no announced change
    assert stock_shown(visitor.get(PRODUCT).content.decode()) == "5"


def test_a_rolled_back_stock_change_keeps_the_cached_pages(store, committed, django_assert_max_num_queries):
    visitor = Client()
    visitor.get(CATEGORY)
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        _take_stock([(store["products"]["LM317T"].pk, 7, "LM317T", "lines")], advice="")
        raise RuntimeError
    with django_assert_max_num_queries(0):  # still a cache hit
        assert ">100<" in visitor.get(CATEGORY).content.decode()


def test_price_and_catalog_edits_show_at_once(store, committed):
    visitor = Client()
    assert "$0.44" in visitor.get(PRODUCT).content.decode()
    with committed():
        catalog.product_save(
            data=product_data("TI-LM317T", "LM317T", price_breaks=[(1, "0.61"), (10, "0.40")])
        )
    body = visitor.get(PRODUCT).content.decode()
    assert "$0.40" in body and "$0.44" not in body
    store["regulators"].name = "Voltage regulators"
    with committed():
        store["regulators"].save()
    assert "Voltage regulators" in visitor.get(CATEGORY).content.decode()
    assert "Voltage regulators" in visitor.get(PRODUCT).content.decode()


def test_an_imported_price_shows_at_once(store, committed):
    from io import BytesIO

    from tradepost.catalog.imports import catalog_import

    visitor = Client()
    assert "$0.44" in visitor.get(CATEGORY).content.decode()
    with committed():
        report = catalog_import(
            source=BytesIO(
                b"sku,mpn,manufacturer,category,title,price_breaks\n"
                b"TI-LM317T,LM317T,Texas Instruments,regulators,LM317T regulator,1:0.58|10:0.42\n"
            )
        )
    assert report.updated == 1 and not report.errors, report.errors
    body = visitor.get(CATEGORY).content.decode()
    assert "1+ $0.5800<br>10+ $0.4200" in body


def test_a_new_policy_version_shows_at_once(store, committed):
    visitor = Client()
    assert "Quality guarantee: 90 days" in visitor.get(PRODUCT).content.decode()
    preset = load_preset("components")
    guarantee = preset.quality_guarantee.model_copy(update={"days": 95})
    policy = preset.model_copy(update={"quality_guarantee": guarantee})
    with committed():
        policy_activate(policy=policy, source="test")
    assert "Quality guarantee: 95 days" in visitor.get(PRODUCT).content.decode()


def test_a_discontinued_or_withdrawn_product_is_not_served_from_the_cache(store):
    visitor = Client()
    visitor.get(PRODUCT)
    Product.objects.filter(sku="TI-LM317T").update(status="not_for_sale")
    assert visitor.get(PRODUCT).status_code == 404


def test_signed_in_buyers_always_get_their_own_page(store):
    Client().get(PRODUCT)  # cached for visitors
    buyer = make_user("ann@example.com", full_name="Ann Buyer")
    signed_in = Client()
    signed_in.force_login(buyer)
    body = signed_in.get(PRODUCT).content.decode()
    assert "Sign out" in body and "Register" not in body
    # ... and their page is not what the next visitor gets.
    assert "Sign out" not in Client().get(PRODUCT).content.decode()


def test_a_visitor_with_a_cart_sees_its_count(store):
    visitor = Client()
    visitor.get(PRODUCT)
    visitor.post("/cart/add/", {"sku": "TI-LM317T", "quantity": 3})
    assert 'aria-label="3 items"' in visitor.get(PRODUCT).content.decode()


def test_a_published_review_shows_at_once(store, committed):
    from tradepost.reviews.services import review_approve, review_submit
    from tradepost.reviews.tests.factories import delivered_order, line_of, moderator

    buyer = make_user("rev@example.com", full_name="Rev Buyer")
    order = delivered_order(buyer)
    visitor = Client()
    assert "No reviews yet" in visitor.get(PRODUCT).content.decode()
    review = review_submit(user=buyer, line=line_of(order), rating=5, title="Solid part")
    staff = moderator()
    with committed():
        review_approve(review=review, actor=staff)
    assert "Solid part" in visitor.get(PRODUCT).content.decode()


def test_the_cache_can_be_turned_off(store, settings, django_assert_num_queries):
    settings.STOREFRONT_PAGE_CACHE = False
    visitor = Client()
    visitor.get(PRODUCT)
    with django_assert_num_queries(7):  # a full render every time (catalog/tests/test_pages.py)
        visitor.get(PRODUCT)


def test_unknown_pages_are_404_and_not_cached(store):
    assert Client().get("/products/NOPE/").status_code == 404
    assert Client().get("/catalog/nope/").status_code == 404
    catalog.product_save(data=product_data("NOPE", "NOPE1"))  # no commit: the 404 was never stored
    assert Client().get("/products/NOPE/").status_code == 200


def test_the_htmx_fragment_and_the_full_page_are_kept_apart(store):
    visitor = Client()
    full = visitor.get(CATEGORY).content.decode()
    fragment = visitor.get(CATEGORY, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full and "<html" not in fragment
    assert "<html" in visitor.get(CATEGORY).content.decode()


def signed_in(email: str, name: str, *, enforce_csrf_checks: bool = False, **fields) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(make_user(email, full_name=name, **fields))
    return client


@pytest.mark.parametrize(
    ("path", "htmx"), [(PRODUCT, False), (CATEGORY, False), (CATEGORY, True), ("/catalog/", False)]
)
def test_a_signed_in_page_from_the_cache_is_what_a_full_render_gives(store, settings, path, htmx):
    ann = signed_in("ann@example.com", "Ann Buyer")
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    stored, served = (ann.get(path, **headers).content.decode() for _ in range(2))
    settings.STOREFRONT_PAGE_CACHE = False
    rendered = ann.get(path, **headers).content.decode()
    assert without_tokens(stored) == without_tokens(served) == without_tokens(rendered)
    assert CSRF_PLACEHOLDER not in stored + served and ("<html" in served) is not htmx


def test_signed_in_buyers_share_the_page_but_not_its_frame(store, django_assert_num_queries):
    signed_in("ann@example.com", "Ann Buyer").get(PRODUCT)
    bob = signed_in("bob@example.com", "Bob Buyer", enforce_csrf_checks=True)
    bob.get("/catalog/")  # the first page of a session also records the agreement check in it
    # The user with the current agreement version and the active policy's (accounts.backends), and the
    # product's row; the session comes from the cache (cached_db).
    with django_assert_num_queries(2):
        body = bob.get(PRODUCT).content.decode()
    assert "Bob" in body and "Ann" not in body and "$0.44" in body
    added = bob.post("/cart/add/", {"sku": "TI-LM317T", "quantity": 3, "csrfmiddlewaretoken": token_in(body)})
    assert added.status_code in (200, 302)
    assert 'aria-label="3 items"' in bob.get(PRODUCT).content.decode()  # the frame is Bob's own, fresh


def test_the_inquiry_cart_button_is_on_signed_in_pages_only(store):
    inquiry = reverse("storefront:inquiry_cart_add")
    with_cart = Client()
    with_cart.post("/cart/add/", {"sku": "TI-LM317T", "quantity": 3})
    assert inquiry not in with_cart.get(PRODUCT).content.decode()  # a session, nobody signed in
    assert inquiry in signed_in("ann@example.com", "Ann Buyer").get(PRODUCT).content.decode()
    assert inquiry not in with_cart.get(PRODUCT).content.decode()


def test_signed_in_buyers_see_stock_and_edits_at_once(store, committed):
    ann = signed_in("ann@example.com", "Ann Buyer")
    assert stock_shown(ann.get(PRODUCT).content.decode()) == "100"
    Product.objects.filter(sku="TI-LM317T").update(stock=5)  # no signal: the product's row is the stamp
    assert stock_shown(ann.get(PRODUCT).content.decode()) == "5"
    assert ">100<" in ann.get(CATEGORY).content.decode()  # the listing keys on the generation ...
    with committed(), transaction.atomic():
        _take_stock([(store["products"]["LM317T"].pk, 1, "LM317T", "lines")], advice="")
    assert ">4<" in ann.get(CATEGORY).content.decode()  # ... which a committed stock move changes


def test_staff_always_get_a_fresh_page_and_see_products_withdrawn_from_sale(store):
    staff = signed_in("staff@example.com", "Sam Staff", is_staff=True)
    staff.get(PRODUCT)
    Product.objects.filter(sku="TI-LM317T").update(status="not_for_sale")
    assert "Not for sale" in staff.get(PRODUCT).content.decode()
    assert signed_in("ann@example.com", "Ann Buyer").get(PRODUCT).status_code == 404


def test_a_signed_in_repeat_visit_renders_only_the_personal_corner(store):
    ann = signed_in("ann@example.com", "Ann Buyer")
    first = ann.get(PRODUCT)
    assert "storefront/base.html" in [t.name for t in first.templates]
    again = ann.get(PRODUCT)
    # The frame comes from the cache with the page; the header's corner is rendered for Ann.
    assert [t.name for t in again.templates] == ["storefront/_who.html", "storefront/cart/_cart_link.html"]
    body = again.content.decode()
    assert "Ann" in body and "Sign out" in body
    assert WHO_PLACEHOLDER not in body and CSRF_PLACEHOLDER not in body
    bob = signed_in("bob@example.com", "Bob Buyer").get(PRODUCT).content.decode()
    assert "Bob" in bob and "Ann" not in bob


def test_a_flash_message_shows_once_on_a_cached_page(store):
    ann = signed_in("ann@example.com", "Ann Buyer")
    ann.get(PRODUCT)  # the page and its frame are stored
    ann.post("/cart/add/", {"sku": "TI-LM317T", "quantity": 3})  # redirects to the cart: not followed
    shown = ann.get(PRODUCT).content.decode()
    assert "to your cart." in shown and 'aria-label="3 items"' in shown and WHO_PLACEHOLDER not in shown
    again = ann.get(PRODUCT)
    assert "to your cart." not in again.content.decode() and 'aria-label="3 items"' in again.content.decode()
    assert "storefront/base.html" not in [t.name for t in again.templates]
