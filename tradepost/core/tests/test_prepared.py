"""Prepared queries (core/prepared.py): the ORM's SQL compiled once, its rows read as the ORM reads them."""

import pytest
from django.db import connection, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from tradepost.cart import selectors as cart_selectors
from tradepost.cart.models import Cart, CartLine
from tradepost.cart.services import cart_for, cart_line_set
from tradepost.catalog.models import PriceBreak, Product
from tradepost.core.prepared import Prepared
from tradepost.orders.tests.factories import shop

pytestmark = pytest.mark.django_db

# The cart's own prepared queries: lines with their products, and price breaks as values.
lines_of = cart_selectors._cart_lines
breaks_of = cart_selectors._breaks_of


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


@pytest.fixture
def cart(buyer):
    shop()
    cart = cart_for(user=buyer, create=True)
    cart_line_set(cart=cart, sku="TI-LM317T", quantity=12)
    cart_line_set(cart=cart, sku="YAG-RC0603-10K", quantity=100)
    return cart


def test_instances_come_back_as_the_orm_makes_them_with_their_related_rows(cart):
    orm = list(
        CartLine.objects.filter(cart=cart).select_related("product__manufacturer", "product__category")
    )
    prepared = lines_of.all(cart_id=cart.pk)
    assert len(prepared) == len(orm) == 2
    for mine, theirs in zip(prepared, orm, strict=True):
        assert type(mine) is CartLine and not mine._state.adding and mine._state.db == theirs._state.db
        assert _fields(mine) == _fields(theirs)  # converted alike: datetimes, Decimals, booleans
        assert type(mine.added_at) is type(theirs.added_at) and mine.added_at.tzinfo is not None
        for related in ("product", "product.manufacturer", "product.category"):
            ours, orms = mine, theirs
            for name in related.split("."):
                ours, orms = getattr(ours, name), getattr(orms, name)
            assert _fields(ours) == _fields(orms)
    with CaptureQueriesContext(connection) as ctx:
        assert prepared[0].product.manufacturer.name  # filled by the select: no further query
    assert len(ctx.captured_queries) == 0


def test_values_list_tuples_and_list_values_of_any_length(cart):
    ids = sorted(line.product_id for line in CartLine.objects.filter(cart=cart))
    orm = list(
        PriceBreak.objects.filter(product_id__in=ids)
        .order_by("product_id", "min_quantity")
        .values_list("product_id", "min_quantity", "unit_price")
    )
    assert breaks_of.all(product_ids=ids) == orm and len(orm) == 5
    assert breaks_of.all(product_ids=ids[:1]) == [row for row in orm if row[0] == ids[0]]  # compiled for 1 id
    assert breaks_of.all(product_ids=[*ids, 10**9]) == orm  # and for 3
    assert type(orm[0][2]) is type(breaks_of.all(product_ids=ids)[0][2])


def test_the_sql_is_compiled_once_then_each_run_is_one_statement_with_new_values(
    cart, other_buyer, monkeypatch
):
    by_user = Prepared(lambda user_id: Cart.objects.filter(user_id=user_id).order_by("pk")[:1], user_id=-1)
    assert by_user.first(user_id=cart.user_id) == cart  # compiled here
    other = Cart.objects.create(user=other_buyer)

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(SQLCompiler, "as_sql", no_compiling)
    with CaptureQueriesContext(connection) as ctx:
        assert by_user.first(user_id=other_buyer.pk) == other
        assert by_user.first(user_id=-5) is None
    assert len(ctx.captured_queries) == 2


def test_prefetches_still_run(cart):
    products = Prepared(
        lambda sku: Product.objects.filter(sku=sku).prefetch_related("price_breaks"), sku="<sku>"
    ).all(sku="TI-LM317T")
    with CaptureQueriesContext(connection) as ctx:
        assert [b.min_quantity for b in products[0].price_breaks.all()] == [1, 10, 100]
    assert len(ctx.captured_queries) == 0


def test_an_example_the_query_repeats_or_transforms_is_refused_when_compiled(cart):
    twice = Prepared(
        lambda user_id: Cart.objects.filter(user_id=user_id) | Cart.objects.filter(pk=user_id), user_id=-1
    )
    with pytest.raises(ValueError, match="appears 2 times"):
        twice.all(user_id=cart.user_id)
    transformed = Prepared(lambda sku: Product.objects.filter(sku__icontains=sku), sku="<sku>")
    with pytest.raises(ValueError, match="appears 0 times"):
        transformed.all(sku="LM317")


def test_a_str_subclass_binds_as_its_text(cart):
    from django.utils.safestring import mark_safe

    by_sku = Prepared(lambda sku: Product.objects.filter(sku=sku), sku="<sku>")
    assert [p.sku for p in by_sku.all(sku=mark_safe("TI-LM317T"))] == ["TI-LM317T"]


def test_values_of_the_wrong_kind_are_refused_before_any_query(cart):
    with CaptureQueriesContext(connection) as ctx:
        with pytest.raises(TypeError, match="cart_id: expected int, got str"):
            lines_of.all(cart_id="1")
        with pytest.raises(TypeError, match="expected int, got bool"):
            lines_of.all(cart_id=True)
        with pytest.raises(TypeError, match="expected the values"):
            lines_of.all(cart=1)
        with pytest.raises(TypeError, match="non-empty list of ints"):
            breaks_of.all(product_ids=[])
        with pytest.raises(OverflowError):
            lines_of.all(cart_id=2**63)
    assert ctx.captured_queries == []
    with pytest.raises(TypeError):
        Prepared(lambda pk: Cart.objects.filter(pk=pk), pk=1.5)


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_runs_only_inside_a_transaction(buyer):
    cart = Cart.objects.create(user=buyer)
    locked = Prepared(lambda pk: Cart.objects.select_for_update().filter(pk=pk), pk=-1)
    with transaction.atomic():
        assert locked.all(pk=cart.pk) == [cart]
    with pytest.raises(TransactionManagementError):
        locked.all(pk=cart.pk)


def test_datetimes_are_passed_as_the_lookup_passes_them(buyer):
    from datetime import UTC, datetime, timedelta

    started = Prepared(
        lambda after: Cart.objects.filter(created_at__gt=after).values_list("pk"),
        after=datetime(1901, 1, 1, tzinfo=UTC),
    )
    cart = Cart.objects.create(user=buyer)
    assert started.all(after=cart.created_at - timedelta(seconds=1)) == [(cart.pk,)]
    assert started.all(after=cart.created_at) == []
    with pytest.raises(TypeError, match="time zone"):
        started.all(after=datetime(2026, 1, 1))  # naive


def test_annotations_are_read_onto_instances_as_the_orm_reads_them(cart):
    from django.db.models import Count, Max, Subquery

    newest_line = CartLine.objects.order_by("-added_at").values("added_at")[:1]

    def build(cart_id):
        return Cart.objects.filter(pk=cart_id).annotate(
            line_count=Count("lines"), newest=Subquery(newest_line)
        )

    orm = build(cart.pk).get()
    prepared = Prepared(build, cart_id=-1).first(cart_id=cart.pk)
    newest = CartLine.objects.aggregate(newest=Max("added_at"))["newest"]
    assert (prepared.line_count, prepared.newest) == (orm.line_count, orm.newest) == (2, newest)
    assert prepared.newest.tzinfo is not None and _fields(prepared) == _fields(orm)
