"""Shipping CSVs: rate tables replaced per (service, zone) pair, all or nothing; tracking event uploads."""

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command

from tradepost.orders.tests.factories import make_address, place, shop, staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.shipping.imports import RowError, rates_export, rates_import, tracking_events_import
from tradepost.shipping.models import Rate, Shipment, TrackingEvent
from tradepost.shipping.network import network_load
from tradepost.shipping.services import shipment_create

pytestmark = pytest.mark.django_db

HEADER = "carrier,service,zone,max_weight_kg,price_usd\n"
GOOD_ROW = "dhl,express,europe,0.5,30.00\n"


def table() -> dict[tuple[str, str, str, int], Decimal]:
    """Every rate band as {(carrier, service, zone, grams): price}."""
    rows = Rate.objects.values_list(
        "service__carrier__code", "service__code", "zone__code", "max_weight_grams", "price"
    )
    return {(c, s, z, g): price for c, s, z, g, price in rows}


def bands(carrier: str, service: str, zone: str) -> list[tuple[int, Decimal]]:
    return sorted((g, p) for (c, s, z, g), p in table().items() if (c, s, z) == (carrier, service, zone))


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


@pytest.fixture
def network():
    network_load()
    return table()


@pytest.fixture
def staff(db):
    return staff_member("sam@example.com", desks=("fulfilment",))


# --- Rate import: the happy path --------------------------------------------------------------------------


def test_an_import_replaces_the_bands_of_the_pairs_in_the_file_and_leaves_the_others(network, staff):
    assert len(bands("dhl", "express", "europe")) == 13
    before = network
    source = csv_bytes(
        HEADER
        + "dhl,express,europe,0.5,30\n"
        + "dhl,express,europe,2,41.5\n"
        + "ups,saver,asia,1.25,12.00\n"
        + "dhl,express,europe,1.2345,35.10\n"  # rows of a pair need not be together nor sorted
    )
    report = rates_import(source=source, actor=staff)
    assert report.ok and report.written and report.rows == 4
    assert [(p.carrier, p.service, p.zone, p.before, p.after) for p in report.pairs] == [
        ("dhl", "express", "europe", 13, 3),
        ("ups", "saver", "asia", 13, 1),
    ]
    assert bands("dhl", "express", "europe") == [
        (500, Decimal("30.00")),
        (1235, Decimal("35.10")),  # kilograms to grams, rounded half up
        (2000, Decimal("41.50")),
    ]
    assert bands("ups", "saver", "asia") == [(1250, Decimal("12.00"))]
    untouched = {key: price for key, price in before.items() if key[:3] not in {
        ("dhl", "express", "europe"), ("ups", "saver", "asia")
    }}  # fmt: skip
    after = table()
    assert {key: after[key] for key in untouched} == untouched
    assert len(after) == len(untouched) + 4
    # The admin history of each service says who replaced which tables.
    entries = LogEntry.objects.filter(user=staff).order_by("object_repr")
    assert [e.object_repr for e in entries] == ["DHL Express Worldwide", "UPS Worldwide Saver"]
    assert "europe (13 -> 3 bands)" in entries[0].change_message


def test_a_text_source_with_a_byte_order_mark_columns_in_any_order_and_blank_lines_imports(network, staff):
    source = io.StringIO(
        "\ufeffPrice_USD, zone ,carrier,service,max_weight_kg\r\n\r\n19.99,oceania,fedex,priority,.75\r\n"
    )
    report = rates_import(source=source, actor=staff)
    assert report.ok, report.errors
    assert bands("fedex", "priority", "oceania") == [(750, Decimal("19.99"))]


def test_a_dry_run_reports_what_would_change_and_writes_nothing(network, staff):
    report = rates_import(source=csv_bytes(HEADER + GOOD_ROW), actor=staff, dry_run=True)
    assert report.ok and not report.written
    assert [(p.zone, p.before, p.after) for p in report.pairs] == [("europe", 13, 1)]
    assert table() == network and not LogEntry.objects.exists()


# --- Rate import: every kind of bad row --------------------------------------------------------------------

BAD_ROWS = {
    "unknown carrier": ("dhx,express,europe,0.5,30\n", "carrier", "No carrier 'dhx'"),
    "missing carrier": (",express,europe,0.5,30\n", "carrier", "carrier's code"),
    "unknown service": ("dhl,economy,europe,0.5,30\n", "service", "DHL has no service 'economy'"),
    "another carrier's service": ("dhl,saver,europe,0.5,30\n", "service", "no service 'saver'"),
    "unknown zone": ("dhl,express,antarctica,0.5,30\n", "zone", "No zone 'antarctica'"),
    "zero weight": ("dhl,express,europe,0,30\n", "max_weight_kg", "more than 0"),
    "negative weight": ("dhl,express,europe,-1,30\n", "max_weight_kg", "more than 0"),
    "weight rounding to 0 g": ("dhl,express,europe,0.0004,30\n", "max_weight_kg", "rounds to 0 grams"),
    "decimal comma weight": ('dhl,express,europe,"0,5",30\n', "max_weight_kg", "Use a dot"),
    "text weight": ("dhl,express,europe,half,30\n", "max_weight_kg", "not a number"),
    "exponent weight": ("dhl,express,europe,1e3,30\n", "max_weight_kg", "not a number"),
    "missing weight": ("dhl,express,europe,,30\n", "max_weight_kg", "Enter the band's upper weight"),
    "freight weight": ("dhl,express,europe,1000.1,30\n", "max_weight_kg", "At most 1000 kg"),
    "negative price": ("dhl,express,europe,0.5,-1\n", "price_usd", "must not be negative"),
    "three decimals": ("dhl,express,europe,0.5,30.005\n", "price_usd", "At most 2 decimals"),
    "text price": ("dhl,express,europe,0.5,free\n", "price_usd", "not an amount"),
    "currency sign": ("dhl,express,europe,0.5,$30\n", "price_usd", "not an amount"),
    "missing price": ("dhl,express,europe,0.5,\n", "price_usd", "Enter the price"),
    "huge price": ("dhl,express,europe,0.5,10000000000\n", "price_usd", "must be below"),
    "same band twice": ("dhl,express,europe,0.5,31\n", "max_weight_kg", "Row 2 already has the 0.5 kg band"),
    "same band after rounding": (
        "dhl,express,europe,0.5004,31\n",
        "max_weight_kg",
        "Row 2 already has the 0.5 kg band",
    ),
    "too few cells": ("dhl,express,europe,0.5\n", "", "Expected 5 cells like the header, found 4"),
    "too many cells": ("dhl,express,europe,0.7,30,x\n", "", "found 6"),
}


@pytest.mark.parametrize("kind", BAD_ROWS)
def test_a_bad_row_names_its_row_and_column_and_nothing_is_written(network, staff, kind):
    row, column, message = BAD_ROWS[kind]
    # Row 2 is good and would replace a whole table if the import wrote anything.
    report = rates_import(source=csv_bytes(HEADER + GOOD_ROW + row), actor=staff)
    assert not report.ok and not report.written and report.pairs == []
    assert [(e.row, e.column) for e in report.errors] == [(3, column)], report.errors
    assert message in report.errors[0].message
    assert table() == network
    assert not LogEntry.objects.exists()


def test_every_row_is_checked_and_every_problem_reported_at_once(network, staff):
    source = csv_bytes(
        HEADER
        + "dhl,express,europe,0.5,30\n"
        + "nope,express,mars,0,-2\n"
        + "\n"  # a blank line is a row in a spreadsheet, and skipped
        + "ups,saver,asia,1,1.001\n"
    )
    report = rates_import(source=source, actor=staff)
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "carrier"),
        (3, "zone"),
        (3, "max_weight_kg"),
        (3, "price_usd"),
        (5, "price_usd"),
    ]
    assert str(report.errors[0]).startswith("row 3, column carrier: No carrier 'nope'")
    assert table() == network


@pytest.mark.parametrize(
    ("content", "row", "message"),
    [
        (b"", 0, "The file is empty."),
        (b"\n \n", 0, "The file is empty."),
        (HEADER.encode(), 0, "header but no rate rows"),
        (b"carrier,service,zone,max_weight_kg\ndhl,express,europe,0.5\n", 1, "missing price_usd"),
        (b"carrier,service,zone,weight,price_usd\ndhl,express,europe,0.5,3\n", 1, "unknown column weight"),
        (b"carrier,carrier,service,zone,max_weight_kg,price_usd\n", 1, "carrier more than once"),
        (b"dhl,express,europe,0.5,30\n", 1, "The first line must be the header"),
        ("carrier,service,zone,max_weight_kg,price_usd\nd\xe9hl,x,y,1,2\n".encode("latin-1"), 0, "not UTF-8"),
        ((HEADER + GOOD_ROW).encode("utf-16"), 0, "UTF-16"),
        (b'carrier,service,zone,max_weight_kg,price_usd\ndhl,"express,europe,0.5,30\n', 2, "cannot be read"),
        (b"carrier,service,zone,max_weight_kg,price_usd\x00\n", 0, "NUL"),
    ],
    ids=[
        "empty",
        "blank",
        "header only",
        "missing column",
        "unknown column",
        "doubled column",
        "no header",
        "latin-1",
        "utf-16",
        "broken quotes",
        "binary",
    ],
)
def test_a_file_that_is_not_a_rate_csv_is_refused_whole(network, staff, content, row, message):
    report = rates_import(source=io.BytesIO(content), actor=staff)
    assert len(report.errors) == 1 and report.errors[0].row == row, report.errors
    assert message in report.errors[0].message
    assert table() == network


def test_a_text_file_that_is_not_utf8_is_refused(network, staff, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_bytes((HEADER + "dhl,express,europe,0.5,30 \xa3\n").encode("cp1252"))
    with open(path, encoding="utf-8") as handle:
        report = rates_import(source=handle, actor=staff)
    assert report.errors == [
        RowError(0, "", 'The file is not UTF-8 text; save it as "CSV UTF-8" and try again.')
    ]
    assert table() == network


# --- Export and round trip ---------------------------------------------------------------------------------


def test_the_export_is_the_import_format_sorted_by_carrier_service_zone_and_weight(network):
    lines = rates_export().splitlines()
    assert lines[0] == HEADER.strip()
    assert len(lines) == 1 + len(network)
    assert lines[1].startswith("dhl,express,asia,0.5,")
    assert "dhl,express,europe,0.5,26.00" in lines and "dhl,express,europe,7.5,103.00" in lines


def test_export_then_import_changes_nothing_and_an_edited_export_changes_just_the_edit(network, staff):
    exported = rates_export()
    report = rates_import(source=csv_bytes("\ufeff" + exported), actor=staff)
    assert report.ok and len(report.pairs) == len({key[:3] for key in network})
    assert all(pair.before == pair.after for pair in report.pairs)
    assert table() == network

    edited = exported.replace("dhl,express,europe,0.5,26.00", "dhl,express,europe,0.5,27.25")
    assert edited != exported
    assert rates_import(source=io.StringIO(edited), actor=staff).ok
    assert table() == {**network, ("dhl", "express", "europe", 500): Decimal("27.25")}


# --- The command ------------------------------------------------------------------------------------------


def test_the_command_imports_and_exports_rates(network, tmp_path, capsys):
    out = tmp_path / "rates.csv"
    call_command("shipping", "export-rates", str(out))
    text = out.read_text(encoding="utf-8")
    assert text.startswith(HEADER.strip())
    out.write_text(HEADER + "hongkong-post,air-registered,europe,0.25,4.5\n", encoding="utf-8")
    call_command("shipping", "import-rates", str(out), "--dry-run")
    assert table() == network
    call_command("shipping", "import-rates", str(out))
    assert bands("hongkong-post", "air-registered", "europe") == [(250, Decimal("4.50"))]
    printed = capsys.readouterr().out
    assert "hongkong-post.air-registered to europe: 4 -> 1 bands" in printed
    assert "replaced 1 table(s)." in printed


def test_the_command_refuses_a_bad_file_and_names_the_row(network, tmp_path, capsys):
    path = tmp_path / "rates.csv"
    path.write_text(HEADER + GOOD_ROW + "dhl,express,europe,0.5,31\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 error"):
        call_command("shipping", "import-rates", str(path))
    assert "row 3, column max_weight_kg" in capsys.readouterr().err
    assert table() == network
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("shipping", "import-rates", str(tmp_path / "missing.csv"))


# --- Tracking events --------------------------------------------------------------------------------------

TRACKING_HEADER = "carrier,tracking_number,event_id,occurred_at,status,location,description\n"


@pytest.fixture
def parcel(buyer, staff):
    """A components order (the cheapest carrier preselected), paid and shipped whole with tracking."""
    shop("components")
    make_address(buyer, country="NL")
    order = place(buyer, {"TI-LM317T": 10})
    wire_receipt_record(order=order, amount=order.total, bank_reference="BANK-1", actor=staff)
    order.refresh_from_db()
    shipment = shipment_create(
        order=order,
        actor=staff,
        carrier=order.shipping_carrier,
        service=order.shipping_service,
        tracking_number="TRK0001",
    )
    # Shipped before the files' events (tracking events from before a parcel left are refused).
    Shipment.objects.filter(pk=shipment.pk).update(shipped_at=datetime(2019, 12, 30, tzinfo=UTC))
    shipment.refresh_from_db()
    return shipment


def test_tracking_rows_become_events_and_a_replay_changes_nothing(parcel, staff):
    carrier = parcel.carrier.code
    text = (
        TRACKING_HEADER
        + f"{carrier},TRK0001,E1,2020-01-02T08:00:00Z,picked_up,Hong Kong,Picked up\n"
        + f"{carrier},trk 0001,E2,2020-01-03T08:00:00+08:00,in_transit,,\n"
    )
    report = tracking_events_import(source=csv_bytes(text), actor=staff)
    assert report.ok and (report.rows, report.created, report.duplicates) == (2, 2, 0)
    assert list(parcel.events.order_by("occurred_at").values_list("carrier_event_id", "source")) == [
        ("E1", "csv"),
        ("E2", "csv"),
    ]
    again = tracking_events_import(source=csv_bytes(text), actor=staff)
    assert again.ok and (again.created, again.duplicates) == (0, 2)
    assert TrackingEvent.objects.count() == 2


def test_tracking_errors_come_back_on_their_spreadsheet_row_and_column_and_nothing_is_recorded(parcel, staff):
    carrier = parcel.carrier.code
    text = (
        "carrier,tracking_number,event_id,occurred_at,status\n"  # location and description may be left out
        + f"{carrier},TRK0001,E1,2020-01-02T08:00:00Z,picked_up\n"
        + "\n"
        + f"{carrier},TRK0001,E2,yesterday,lost\n"
        + f"{carrier},NOPE999,E3,2020-01-02T08:00:00Z,info\n"
        + f"{carrier},TRK0001,E1,2020-01-04T08:00:00Z,info\n"
    )
    report = tracking_events_import(source=csv_bytes(text), actor=staff)
    assert [(e.row, e.column) for e in report.errors] == [
        (4, "occurred_at"),
        (4, "status"),
        (5, "tracking_number"),
        (6, "event_id"),
    ], report.errors
    assert "No parcel with" in report.errors[2].message
    assert report.created == 0 and not TrackingEvent.objects.exists()


def test_a_tracking_file_with_a_bad_header_or_no_events_is_refused(parcel, staff):
    missing = tracking_events_import(
        source=csv_bytes("carrier,tracking_number,event_id,status\n"), actor=staff
    )
    assert missing.errors[0].row == 1 and "missing occurred_at" in missing.errors[0].message
    empty = tracking_events_import(source=csv_bytes(TRACKING_HEADER), actor=staff)
    assert [(e.row, e.message) for e in empty.errors] == [(0, "The file has a header but no events.")]
    assert not TrackingEvent.objects.exists()
