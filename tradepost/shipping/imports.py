"""CSV in and out of shipping: rate tables (import and export) and carrier tracking events (import).

Rate tables are UTF-8 CSV files (a byte order mark is fine) with this header, columns in any order:

    carrier,service,zone,max_weight_kg,price_usd

One row is one band: a parcel of up to `max_weight_kg` chargeable kilograms sent with that carrier's
service to that zone costs `price_usd`. Every row is checked before anything is written; one bad row
and nothing changes. Otherwise each (service, zone) pair that appears in the file gets exactly the file's
bands, in one transaction; pairs the file does not mention keep theirs. `rates_export()` writes the whole
table in the same format, so staff can download it, edit it and import it again.

Tracking event files have the header `carrier,tracking_number,event_id,occurred_at,status,location,
description` (the last two may be left out) and go through `services.tracking_events_record`, all or
nothing as well.

Errors name the row as a spreadsheet numbers it: the header is row 1, the first data row 2; row 0 means
the file as a whole.
"""

import codecs
import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import BinaryIO, TextIO

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from tradepost.core.exceptions import ApplicationError
from tradepost.core.rows import FILE_ROW, RowError
from tradepost.shipping.models import Carrier, CarrierService, Rate, Zone
from tradepost.shipping.services import MAX_BATCH, tracking_events_record

logger = logging.getLogger(__name__)

RATE_COLUMNS = ("carrier", "service", "zone", "max_weight_kg", "price_usd")
TRACKING_COLUMNS = (
    "carrier",
    "tracking_number",
    "event_id",
    "occurred_at",
    "status",
    "location",
    "description",
)
TRACKING_REQUIRED = ("carrier", "tracking_number", "event_id", "occurred_at", "status")
MAX_BYTES = 5 * 1024 * 1024  # a rate table is a few hundred rows; this is far beyond any real one
MAX_RATE_ROWS = 50_000
# A parcel rate band above this is freight, and beyond it the gram count would not fit the column anyway.
MAX_WEIGHT_KG = Decimal(1000)
_PRICE_FIELD = Rate._meta.get_field("price")
MAX_PRICE = Decimal(10) ** (_PRICE_FIELD.max_digits - _PRICE_FIELD.decimal_places)
_NUMBER = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_GRAMS_PER_KG = Decimal(1000)


@dataclass(frozen=True, slots=True)
class PairChange:
    """One rate table replaced: a service to a zone, how many bands it had and has now."""

    carrier: str
    service: str
    zone: str
    before: int
    after: int


@dataclass
class RatesReport:
    """What a rate import did (or, with errors or a dry run, would not do): rows read and tables replaced."""

    rows: int = 0
    pairs: list[PairChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and bool(self.pairs)


@dataclass
class TrackingReport:
    """What a tracking CSV did: rows read, events created, duplicates ignored, deliveries, or the errors."""

    rows: int = 0
    created: int = 0
    duplicates: int = 0
    delivered_shipments: list[str] = field(default_factory=list)
    delivered_orders: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileProblem(Exception):
    def __init__(self, message: str, *, row: int = FILE_ROW, column: str = ""):
        super().__init__(message)
        self.error = RowError(row, column, message)


# --- Reading a CSV file -------------------------------------------------------------------------------------


def _read_text(source: TextIO | BinaryIO) -> str:
    """The whole file as text; refuses anything that is not UTF-8, and anything too large to be a table."""
    try:
        data = source.read(MAX_BYTES + 1)
    except UnicodeDecodeError:  # a text file opened as UTF-8 that isn't
        raise _FileProblem('The file is not UTF-8 text; save it as "CSV UTF-8" and try again.') from None
    if len(data) > MAX_BYTES:
        raise _FileProblem(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if isinstance(data, bytes):
        if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise _FileProblem('The file is UTF-16 text; save it as "CSV UTF-8" and try again.')
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _FileProblem(
                f'The file is not UTF-8 text (line {line}); save it as "CSV UTF-8" and try again.'
            ) from None
    data = data.removeprefix("\ufeff")
    if not data.strip():
        raise _FileProblem("The file is empty.")
    if "\x00" in data:
        raise _FileProblem("The file contains NUL bytes: it is not a CSV text file.")
    return data


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every non-blank record; blank lines count as rows, as in a spreadsheet."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row = 0
    while True:
        row += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _FileProblem(f"This row cannot be read as CSV: {exc}.", row=row) from None
        if any(cell.strip() for cell in cells):
            yield row, [cell.strip() for cell in cells]


def _header(
    records: Iterator[tuple[int, list[str]]], *, columns: tuple[str, ...], required: tuple[str, ...]
) -> dict[str, int]:
    """Column name -> position, from the first record; every problem with the header is one error."""
    first = next(records, None)
    if first is None:
        raise _FileProblem("The file is empty.")
    row, names = first
    names = [name.casefold() for name in names]
    problems = []
    unknown = [name or "(blank)" for name in names if name not in columns]
    if unknown:
        problems.append(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    doubled = sorted({name for name in names if names.count(name) > 1 and name in columns})
    if doubled:
        problems.append(f"{', '.join(doubled)} more than once")
    missing = [name for name in required if name not in names]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if problems:
        raise _FileProblem(
            f"The first line must be the header {','.join(columns)}: {'; '.join(problems)}.", row=row
        )
    return {name: position for position, name in enumerate(names)}


def _cells(
    row: int, cells: list[str], index: dict[str, int], errors: list[RowError]
) -> dict[str, str] | None:
    if len(cells) != len(index):
        errors.append(RowError(row, "", f"Expected {len(index)} cells like the header, found {len(cells)}."))
        return None
    return {name: cells[position] for name, position in index.items()}


# --- Rate tables --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Band:
    row: int
    service: CarrierService
    zone: Zone
    grams: int
    price: Decimal


def _weight_grams(value: str) -> tuple[int | None, str]:
    if not value:
        return None, "Enter the band's upper weight in kilograms, such as 0.5."
    if value.startswith("-"):
        return None, "The weight must be more than 0."
    if "," in value and _NUMBER.match(value.replace(",", ".")):
        return None, "Use a dot for decimals: 0.5, not 0,5."
    if not _NUMBER.match(value):
        return None, f"{value!r} is not a number of kilograms such as 0.5 or 2."
    kg = Decimal(value)
    if kg <= 0:
        return None, "The weight must be more than 0."
    if kg > MAX_WEIGHT_KG:
        return None, f"At most {MAX_WEIGHT_KG} kg: heavier consignments are freight, not parcels."
    grams = int((kg * _GRAMS_PER_KG).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if grams < 1:
        return None, "The weight rounds to 0 grams; give at least 0.001 kg."
    return grams, ""


def _price(value: str) -> tuple[Decimal | None, str]:
    if not value:
        return None, "Enter the price in USD, such as 18.50 (0 for free)."
    if value.startswith("-"):
        return None, "The price must not be negative."
    if "," in value and _NUMBER.match(value.replace(",", ".")):
        return None, "Use a dot for decimals: 18.50, not 18,50."
    if not _NUMBER.match(value):
        return None, f"{value!r} is not an amount in USD such as 18.50."
    price = Decimal(value)
    if price.as_tuple().exponent < -2 and price != price.quantize(Decimal("0.01")):
        return None, "At most 2 decimals (cents)."
    if price >= MAX_PRICE:
        return None, f"The price must be below {MAX_PRICE:,} USD."
    return price.quantize(Decimal("0.01")), ""


def _known(model, **filters) -> str:
    codes = list(model.objects.filter(**filters).values_list("code", flat=True).order_by("code"))
    return ", ".join(codes) if codes else "none"


def _rate_bands(text: str, report: RatesReport) -> list[_Band]:
    records = _records(text)
    index = _header(records, columns=RATE_COLUMNS, required=RATE_COLUMNS)
    carriers = {carrier.code: carrier for carrier in Carrier.objects.all()}
    services = {
        (service.carrier.code, service.code): service
        for service in CarrierService.objects.select_related("carrier")
    }
    zones = {zone.code: zone for zone in Zone.objects.all()}
    bands: list[_Band] = []
    seen: dict[tuple[int, int, int], int] = {}
    errors = report.errors
    for row, cells in records:
        report.rows += 1
        if report.rows > MAX_RATE_ROWS:
            raise _FileProblem(f"At most {MAX_RATE_ROWS:,} rate rows in one file.", row=row)
        values = _cells(row, cells, index, errors)
        if values is None:
            continue
        before = len(errors)
        carrier_code, service_code, zone_code = values["carrier"], values["service"], values["zone"]
        service = zone = None
        if not carrier_code:
            errors.append(RowError(row, "carrier", "Enter the carrier's code, such as dhl."))
        elif carrier_code not in carriers:
            errors.append(
                RowError(row, "carrier", f"No carrier {carrier_code!r}. Known carriers: {_known(Carrier)}.")
            )
        if not service_code:
            errors.append(RowError(row, "service", "Enter the service's code, such as express."))
        elif carrier_code in carriers:
            service = services.get((carrier_code, service_code))
            if service is None:
                known = _known(CarrierService, carrier__code=carrier_code)
                errors.append(
                    RowError(
                        row,
                        "service",
                        f"{carriers[carrier_code].name} has no service {service_code!r}; it has: {known}.",
                    )
                )
        if not zone_code:
            errors.append(RowError(row, "zone", "Enter the zone's code, such as europe."))
        else:
            zone = zones.get(zone_code)
            if zone is None:
                errors.append(RowError(row, "zone", f"No zone {zone_code!r}. Known zones: {_known(Zone)}."))
        grams, problem = _weight_grams(values["max_weight_kg"])
        if problem:
            errors.append(RowError(row, "max_weight_kg", problem))
        price, problem = _price(values["price_usd"])
        if problem:
            errors.append(RowError(row, "price_usd", problem))
        if len(errors) > before:
            continue
        key = (service.pk, zone.pk, grams)
        if key in seen:
            errors.append(
                RowError(
                    row,
                    "max_weight_kg",
                    f"Row {seen[key]} already has the {_kg(grams)} kg band of "
                    f"{service.method_code} to {zone.code}; each band once.",
                )
            )
            continue
        seen[key] = row
        bands.append(_Band(row, service, zone, grams, price))
    if not report.rows:
        raise _FileProblem("The file has a header but no rate rows.")
    return bands


def rates_import(*, source: TextIO | BinaryIO, actor=None, dry_run: bool = False) -> RatesReport:
    """Replace the rate tables of every (service, zone) pair in a rate CSV; all or nothing.

    Every row is validated first: any error and nothing is written. `dry_run` checks and reports what
    would change without writing. The admin log records the change against each service, by `actor`.
    Locks the rows of the file's services; safe to retry (the same file gives the same tables).
    """
    report = RatesReport(dry_run=dry_run)
    try:
        bands = _rate_bands(_read_text(source), report)
    except _FileProblem as problem:
        report.errors.insert(0, problem.error)
        return report
    if report.errors:
        return report
    by_pair: dict[tuple[CarrierService, Zone], list[_Band]] = {}
    for band in bands:
        by_pair.setdefault((band.service, band.zone), []).append(band)
    pairs = sorted(by_pair, key=lambda pair: (pair[0].carrier.code, pair[0].code, pair[1].code))
    with transaction.atomic():
        # Two imports touching the same service wait for each other instead of inserting the same bands twice.
        list(
            CarrierService.objects.select_for_update()
            .filter(pk__in={service.pk for service, _ in pairs})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for service, zone in pairs:
            existing = Rate.objects.filter(service=service, zone=zone)
            before = existing.count()
            new = sorted(by_pair[(service, zone)], key=lambda band: band.grams)
            report.pairs.append(PairChange(service.carrier.code, service.code, zone.code, before, len(new)))
            if dry_run:
                continue
            existing.delete()
            Rate.objects.bulk_create(
                Rate(service=service, zone=zone, max_weight_grams=band.grams, price=band.price)
                for band in new
            )
        if not dry_run:
            _log_rates(actor, report)
    return report


def _log_rates(actor, report: RatesReport) -> None:
    """One admin log entry per service whose tables changed, so its history says who imported what."""
    by_service: dict[tuple[str, str], list[PairChange]] = {}
    for pair in report.pairs:
        by_service.setdefault((pair.carrier, pair.service), []).append(pair)
    logger.info(
        "Rate import by %s: %s",
        getattr(actor, "email", None) or "the command line",
        "; ".join(
            f"{p.carrier}.{p.service} to {p.zone}: {p.before} -> {p.after} bands" for p in report.pairs
        ),
    )
    if actor is None or not getattr(actor, "pk", None):
        return
    content_type = ContentType.objects.get_for_model(CarrierService)
    services = {
        (service.carrier.code, service.code): service
        for service in CarrierService.objects.select_related("carrier").filter(
            code__in={code for _, code in by_service}
        )
    }
    for key, changes in by_service.items():
        service = services[key]
        zones = ", ".join(f"{p.zone} ({p.before} -> {p.after} bands)" for p in changes)
        LogEntry.objects.create(
            user=actor,
            content_type=content_type,
            object_id=str(service.pk),
            object_repr=str(service)[:200],
            action_flag=CHANGE,
            change_message=f"Rate tables replaced from CSV: {zones}.",
        )


def _kg(grams: int) -> str:
    """Grams as kilograms without trailing zeros: 500 -> 0.5, 2000 -> 2, 1234 -> 1.234."""
    kg = (Decimal(grams) / _GRAMS_PER_KG).normalize()
    return f"{kg:f}"


def rates_export(target: TextIO | None = None) -> str:
    """Every rate band as an import CSV, by carrier, service, zone and weight; written to `target` if given.

    Returns the text (empty when written to `target`)."""
    out = target or io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RATE_COLUMNS)
    rows = (
        Rate.objects.order_by("service__carrier__code", "service__code", "zone__code", "max_weight_grams")
        .values_list("service__carrier__code", "service__code", "zone__code", "max_weight_grams", "price")
        .iterator()
    )
    for carrier, service, zone, grams, price in rows:
        writer.writerow([carrier, service, zone, _kg(grams), f"{price:.2f}"])
    return "" if target is not None else out.getvalue()


# --- Tracking events ----------------------------------------------------------------------------------------

_EVENT_FIELD = re.compile(r"^events\[(\d+)\]\.(\w+)$")


def tracking_events_import(*, source: TextIO | BinaryIO, actor) -> TrackingReport:
    """Record the tracking events of a carrier CSV through `tracking_events_record`, all or nothing.

    Events already recorded (same carrier and event id) are counted as duplicates and change nothing, so
    uploading the same file twice is harmless.
    """
    report = TrackingReport()
    events: list[dict[str, str]] = []
    rows: list[int] = []  # the spreadsheet row of each event, to put the service's errors back on it
    try:
        records = _records(_read_text(source))
        index = _header(records, columns=TRACKING_COLUMNS, required=TRACKING_REQUIRED)
        for row, cells in records:
            report.rows += 1
            if report.rows > MAX_BATCH:
                raise _FileProblem(f"At most {MAX_BATCH:,} events in one file; split it.", row=row)
            values = _cells(row, cells, index, report.errors)
            if values is not None:
                events.append({name: values.get(name, "") for name in TRACKING_COLUMNS})
                rows.append(row)
    except _FileProblem as problem:
        report.errors.insert(0, problem.error)
        return report
    if report.errors:
        return report
    if not events:
        report.errors.append(RowError(FILE_ROW, "", "The file has a header but no events."))
        return report
    try:
        result = tracking_events_record(events=events, actor=actor, source="csv")
    except ApplicationError as exc:
        report.errors.extend(_row_errors(exc, rows))
        return report
    report.created, report.duplicates = result.created, result.duplicates
    report.delivered_shipments = result.delivered_shipments
    report.delivered_orders = result.delivered_orders
    return report


def _row_errors(exc: ApplicationError, rows: list[int]) -> list[RowError]:
    """The service's `events[i].column` errors as (row, column); anything else concerns the whole file."""
    if not exc.errors:
        return [RowError(FILE_ROW, "", exc.message)]
    found = []
    for error in exc.errors:
        match = _EVENT_FIELD.match(error.field or "")
        if match and int(match[1]) < len(rows):
            found.append(RowError(rows[int(match[1])], match[2], error.message))
        else:
            found.append(RowError(FILE_ROW, "", error.message))
    order = {name: n for n, name in enumerate(TRACKING_COLUMNS)}
    return sorted(found, key=lambda error: (error.row, order.get(error.column, len(order))))
