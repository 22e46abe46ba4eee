"""Invoice numbers run 1, 2, 3 … per year with no gap: a number is used only by a committed invoice."""

import pytest
from django.db import connection, transaction

from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.conftest import make_user
from tradepost.invoices.calculations import invoice_number
from tradepost.invoices.models import Invoice, InvoiceSequence
from tradepost.invoices.tests.factories import customs_order, ship
from tradepost.orders.tests.factories import shop


class Rollback(Exception):
    pass


def numbers() -> list[str]:
    return sorted(Invoice.objects.values_list("number", flat=True))


def year() -> int:
    return InvoiceSequence.objects.get().year


def test_invoice_numbers_have_a_fixed_shape():
    assert invoice_number(2026, 1) == "CI-2026-000001"
    assert invoice_number(2027, 123456) == "CI-2027-123456"


@pytest.mark.django_db
def test_numbers_follow_each_other(buyer):
    shop("wholesale")
    issued = [ship(customs_order(buyer, method="paypal")).number for _ in range(3)]
    assert issued == [invoice_number(year(), n) for n in (1, 2, 3)]
    assert InvoiceSequence.objects.get().last_number == 3


@pytest.mark.django_db
def test_a_rolled_back_shipment_gives_its_number_back(buyer):
    shop("wholesale")
    first, second = customs_order(buyer, method="paypal"), customs_order(buyer, method="paypal")
    with pytest.raises(Rollback), transaction.atomic():
        assert ship(first).sequence == 1
        raise Rollback  # e.g. the carrier refused the label after the invoice was written
    assert not Invoice.objects.exists()
    assert ship(second).sequence == 1  # the number was not lost
    assert ship(first).sequence == 2
    assert numbers() == [invoice_number(year(), 1), invoice_number(year(), 2)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_shipments_number_their_invoices_without_gaps_or_twins():
    """N shipment transactions at once (a thread and a connection each): numbers 1..N, each once."""
    shop("wholesale")
    buyer = make_user("racer@example.com")
    assert ship(customs_order(buyer, method="paypal")).sequence == 1  # the year's counter exists
    orders = [customs_order(buyer, method="paypal") for _ in range(8)]

    results = run_threads(lambda n: ship(orders[n]), len(orders))

    assert all(isinstance(r, Invoice) for r in results), [r for r in results if not isinstance(r, Invoice)]
    sequences = sorted(r.sequence for r in results)
    assert sequences == list(range(2, len(orders) + 2)), sequences
    assert InvoiceSequence.objects.get().last_number == len(orders) + 1
    assert connection.vendor in {"sqlite", "postgresql"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_that_roll_back_leave_no_gap():
    """Half the shipment transactions fail after their invoice was numbered: the others still follow on."""
    shop("wholesale")
    buyer = make_user("racer@example.com")
    assert ship(customs_order(buyer, method="paypal")).sequence == 1
    orders = [customs_order(buyer, method="paypal") for _ in range(8)]

    def ship_or_fail(n: int):
        with transaction.atomic():
            invoice = ship(orders[n])
            if n % 2:
                raise Rollback
            return invoice

    results = run_threads(ship_or_fail, len(orders))

    assert sum(isinstance(r, Rollback) for r in results) == 4, results
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5]
    assert InvoiceSequence.objects.get().last_number == 5
    # Every failed order can still be invoiced, with the next numbers.
    assert sorted(ship(orders[n]).sequence for n in (1, 3, 5, 7)) == [6, 7, 8, 9]


@pytest.mark.django_db(transaction=True)
def test_the_first_invoices_of_a_year_race_to_create_its_counter():
    shop("wholesale")
    buyer = make_user("racer@example.com")
    orders = [customs_order(buyer, method="paypal") for _ in range(6)]
    assert not InvoiceSequence.objects.exists()

    results = run_threads(lambda n: ship(orders[n]).sequence, len(orders))

    assert sorted(results) == list(range(1, 7)), results
    assert InvoiceSequence.objects.count() == 1
