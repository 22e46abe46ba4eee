"""The staff dashboard: every desk's clock, counted from due times against a frozen clock."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from tradepost.aftersales.tests.factories import paid_order, staff
from tradepost.conftest import PASSWORD, make_user
from tradepost.orders.tests.factories import shop
from tradepost.payments.services import refund_create
from tradepost.quotes.services import inquiry_unlisted_create
from tradepost.support.clocks import desk_clocks
from tradepost.support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


@pytest.fixture
def store():
    shop("components")
    buyer = make_user()
    with time_machine.travel(T0, tick=False):
        order = paid_order(buyer, at=T0)
        inquiry_unlisted_create(user=buyer, part_number="XC7A35T", quantity=10)
        open_ticket(buyer, topic="order")
        refund_create(order=order, amount=Decimal("1.00"), reason="test", actor=None)
    boss = make_user("boss@example.com", is_staff=True, is_superuser=True)
    return {"order": order, "boss": boss}


def _by_key(clocks):
    return {c.key: c for c in clocks}


def test_nothing_is_overdue_at_first_and_everything_after_a_month(store):
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        clocks = _by_key(desk_clocks(user=store["boss"]))
    assert {k: (c.total, c.overdue) for k, c in clocks.items()} == {
        "quotes": (1, 0),
        "review": (0, 0),
        "dispatch": (1, 0),
        "rmas": (0, 0),
        "refunds": (1, 0),
        "tickets": (1, 0),
    }
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        clocks = desk_clocks(user=store["boss"])
    overdue = {c.key: c.overdue for c in clocks}
    assert overdue == {"quotes": 1, "dispatch": 1, "refunds": 1, "tickets": 1, "review": 0, "rmas": 0}
    # Overdue clocks come first, and each lists its items with links.
    assert [c.overdue > 0 for c in clocks] == [True] * 4 + [False] * 2
    tickets = _by_key(clocks)["tickets"]
    assert tickets.items[0].state == "overdue" and tickets.items[0].url.startswith("/desk/support/T-")


def test_a_ticket_nearly_breached_shows_as_due_soon(store):
    ticket = store["order"].user.tickets.get()
    with time_machine.travel(ticket.due_at - timedelta(minutes=30), tick=False):
        tickets = _by_key(desk_clocks(user=store["boss"]))["tickets"]
    assert (tickets.overdue, tickets.due_soon, tickets.items[0].state) == (0, 1, "due_soon")


def test_the_page_and_api_show_only_my_desks(client, store):
    staff("desk-s@example.com", desks=("support",))
    client.login(email="desk-s@example.com", password=PASSWORD)
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        page = client.get(reverse("backoffice:dashboard"))
        api = client.get("/api/v1/desk/clocks").json()
    assert "Tickets due" in page.text and "1 overdue" in page.text and "Refunds due" not in page.text
    assert [c["key"] for c in api] == ["tickets"] and api[0]["overdue"] == 1
    client.logout()
    client.login(email="boss@example.com", password=PASSWORD)
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        page = client.get(reverse("backoffice:dashboard")).text
        home = client.get(reverse("backoffice:home")).text
    assert 'Tickets due</a>: <span class="tag warn">1 overdue</span>' in home
    for label in (
        "Quotations due",
        "Dispatch deadlines",
        "Refunds due",
        "RMAs awaiting action",
        "Paid orders",
    ):
        assert label in page
    client.logout()
    make_user("plain@example.com")
    client.login(email="plain@example.com", password=PASSWORD)
    assert client.get("/api/v1/desk/clocks").status_code == 404
