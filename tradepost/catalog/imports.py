"""CSV import of products: every row validated, good rows written in batches, a bad row never half-written.

The file is UTF-8 (a byte order mark is fine) with a header row naming the columns in any order:

    sku,mpn,manufacturer,category,title,description,datasheet_url,weight_grams,length_mm,width_mm,
    height_mm,hs_code,country_of_origin,stock,moq,order_multiple,status,price_breaks,specs,images

`category` is a category slug; `price_breaks` is `1:0.52|10:0.44|100:0.37` (quantity:unit price, USD);
`specs` is `resistance=10k;package=0603` (spec attribute key=value); `images` is `url|url`.

Rows are upserts by SKU applied in file order, so a SKU that appears twice ends up as its later row.
A column left out of the file is left alone on products that exist and takes its default on new ones;
an empty cell is the default (`stock` 0, `moq` 1, no specs...). Errors name the row as a spreadsheet
numbers it: the header is row 1, the first product row 2; row 0 means the file as a whole.
"""

import codecs
import collections
import csv
import hashlib
import io
import itertools
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO, NamedTuple, TextIO

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from tradepost.catalog.bulk import bulk_load
from tradepost.catalog.freshness import catalog_changed
from tradepost.catalog.models import (
    Category,
    Manufacturer,
    PriceBreak,
    Product,
    ProductImage,
    ProductSpec,
    SpecAttribute,
)
from tradepost.catalog.search import schema as search_schema
from tradepost.catalog.services import catalog_lookups, manufacturer_for
from tradepost.catalog.validation import CleanProduct, validate_product
from tradepost.core.exceptions import FieldError
from tradepost.core.rows import FILE_ROW, HEADER_ROW, RowError

COLUMNS = (
    "sku", "mpn", "manufacturer", "category", "title", "description", "datasheet_url", "weight_grams",
    "length_mm", "width_mm", "height_mm", "hs_code", "country_of_origin", "stock", "moq", "order_multiple",
    "status", "price_breaks", "specs", "images",
)  # fmt: skip
REQUIRED_COLUMNS = ("sku", "mpn", "manufacturer", "category", "title", "price_breaks")
BREAK_SEPARATOR, BREAK_PRICE_SEPARATOR = "|", ":"
SPEC_SEPARATOR, SPEC_VALUE_SEPARATOR = ";", "="
IMAGE_SEPARATOR = "|"
# Rows per transaction: fewer commits (and on SQLite fewer WAL checkpoints) than with small batches, while a
# batch that hits a database error is still cheap to retry row by row.
BATCH_SIZE = 5000

_CHILD_COLUMNS = ("price_breaks", "specs", "images")
# Product columns a row sets; the rest fill the price breaks, specs and images.
_PRODUCT_FIELDS = tuple(name for name in COLUMNS if name != "sku" and name not in _CHILD_COLUMNS)
# Columns whose value also sets a derived field.
_DERIVED = {"mpn": ("mpn_normalized",), "price_breaks": ("price_from",)}
_SPEC_NUMBER = ProductSpec._meta.get_field("value_number")
_SPEC_NUMBER_LIMIT = Decimal(10) ** (_SPEC_NUMBER.max_digits - _SPEC_NUMBER.decimal_places)
_SCAN_CHUNK = 1 << 20
_DECIMAL_RE = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")

Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import did: product rows read, created, updated, failed (not written), and every error."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class _FileProblem(Exception):
    """The file cannot be read as a product CSV at all."""

    def __init__(self, message: str, *, row: int = FILE_ROW, column: str = ""):
        super().__init__(message)
        self.error = RowError(row, column, message)


def catalog_import(
    *,
    source: TextIO | BinaryIO | str | os.PathLike,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    jobs: int = 0,
) -> ImportReport:
    """Import a product CSV from a path or an open file; one transaction per batch of `batch_size` rows.

    A binary or path source is checked to be UTF-8 before anything is written. `progress(done, total)` is
    called after each batch; `total` is estimated from the line count, or 0 when the source can't be rewound.
    `jobs` > 0 validates rows in that many forked processes while this one writes: for the command line,
    not for web workers. Safe to run again: rows are upserts by SKU.

    Called outside a transaction, the batches are written on a thread with its own connection while the
    next ones are read (see _batch_writes()), and a file of BULK_LOAD_MIN_ROWS or more that would at least
    double the catalog is loaded with the secondary indexes dropped and built again at the end (see
    catalog.bulk). Inside a transaction everything happens in it, batch after batch.
    """
    started = time.monotonic()
    report = ImportReport()
    try:
        with _open_text(source) as (text, total), bulk_write_session(), _bulk_load_if_large(total):
            _import_rows(
                text, total=total, report=report, progress=progress, batch_size=batch_size, jobs=jobs
            )
    except _FileProblem as problem:
        report.errors.append(problem.error)
    report.seconds = time.monotonic() - started
    return report


def _import_rows(
    text: TextIO, *, total: int, report: ImportReport, progress: Progress | None, batch_size: int, jobs: int
) -> None:
    reader = csv.reader(text, strict=True)
    header = _read_header(reader)
    index = {name: position for position, name in enumerate(header)}
    categories, attributes = catalog_lookups()
    batch: list[tuple[int, Prepared]] = []
    reported = 0

    def written(outcome: BatchOutcome, rows_read: int) -> None:
        nonlocal reported
        report.created += outcome.created
        report.updated += outcome.updated
        report.failed += len(outcome.failures)
        report.errors.extend(RowError(row, "", message) for row, message in outcome.failures)
        if progress:
            progress(rows_read, max(total, rows_read) if total else 0)
            reported = rows_read

    undecodable: list[int] = []
    records = _records(reader, len(header), undecodable=undecodable)
    with _batch_writes(attributes=attributes, columns=set(header), written=written) as write:
        checked = _checked(records, index, categories, attributes, jobs=jobs, ahead=2 * batch_size)
        for row, prepared, errors in checked:
            report.rows += 1
            if errors:
                report.failed += 1
                report.errors.extend(RowError(row, column, message) for column, message in errors)
                continue
            batch.append((row, prepared))
            if len(batch) >= batch_size:
                write(batch, report.rows)
                batch = []
        if batch:
            write(batch, report.rows)
    report.errors.sort(key=lambda error: error.row)  # in file order, whichever step found them
    if progress and reported != report.rows:
        progress(report.rows, report.rows)
    if undecodable:
        # Only a stream that could not be checked up front gets here; what was read before is imported.
        raise _FileProblem(
            f"The file is not UTF-8 text: it was read up to row {undecodable[0] - 1} and those rows were "
            'imported. Save it as "CSV UTF-8" and import it again.'
        )
    if report.rows == 0:
        raise _FileProblem("The file has a header but no product rows.")


# Writer threads on PostgreSQL, each with its own connection: the server then checks foreign keys, fills
# the search index and writes the rows of two transactions at once. SQLite has one writer at a time.
WRITERS_POSTGRES = 2

Written = Callable[["BatchOutcome", int], None]  # a batch's outcome, and how many rows were read by then


@contextmanager
def _batch_writes(
    *, attributes: dict[str, SpecAttribute], columns: set[str], written: Written
) -> Iterator[Callable[[list, int], None]]:
    """Yields write(batch, rows_read), which writes a batch and passes its outcome to `written`.

    Outside a transaction the batches are written on a thread of their own, with its own database
    connection, one batch behind: reading and validating the next batch (Python) then overlaps with the
    database writing this one (SQLite's C code or the PostgreSQL server), instead of each waiting for the
    other. On PostgreSQL, WRITERS_POSTGRES threads each take a share of every batch, split by SKU so that a
    SKU's rows are always written by the same one, in file order. Inside a transaction (a caller's, or a
    test's) they are written here, in that transaction.
    """
    if connection.in_atomic_block:
        writer = ProductBatchWriter(attributes=attributes, columns=columns)
        yield lambda batch, rows_read: written(writer.write(batch), rows_read)
        return
    count = WRITERS_POSTGRES if connection.vendor == "postgresql" else 1
    threads = [_WriterThread(attributes=attributes, columns=columns) for _ in range(count)]
    pending: tuple[list[Future], int] | None = None

    def finish(futures: list[Future], rows_read: int) -> None:
        outcome = BatchOutcome()
        for future in futures:
            outcome.add(future.result())
        written(outcome, rows_read)

    def write(batch: list, rows_read: int) -> None:
        nonlocal pending
        submitted = (
            [
                thread.submit(part)
                for thread, part in zip(threads, _by_sku(batch, count), strict=True)
                if part
            ],
            rows_read,
        )
        if pending is not None:
            finish(*pending)
        pending = submitted

    try:
        yield write
        if pending is not None:
            finish(*pending)
    finally:
        with ExitStack() as closing:  # every thread closed, even if closing one fails
            for thread in threads:
                closing.callback(thread.close)


def _by_sku(batch: list[tuple[int, "Prepared"]], parts: int) -> list[list[tuple[int, "Prepared"]]]:
    """The batch split in `parts` by SKU, each in file order: a SKU's rows always land in the same part."""
    if parts == 1:
        return [batch]
    split: list[list] = [[] for _ in range(parts)]
    for item in batch:
        split[hash(item[1].sku) % parts].append(item)
    return split


class _WriterThread:
    """One thread that writes batches in order through its own database connection and bulk session."""

    def __init__(self, *, attributes: dict[str, SpecAttribute], columns: set[str]):
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="catalog-import")
        self._session = ExitStack()
        self._writer: ProductBatchWriter | None = None
        self._attributes, self._columns = attributes, columns

    def submit(self, batch: list) -> Future:
        return self._pool.submit(self._write, batch)

    def close(self) -> None:
        try:
            self._pool.submit(self._close).result()
        finally:
            self._pool.shutdown(wait=True)

    def _write(self, batch: list) -> "BatchOutcome":
        if self._writer is None:
            self._session.enter_context(bulk_write_session())
            self._writer = ProductBatchWriter(attributes=self._attributes, columns=self._columns)
        return self._writer.write(batch)

    def _close(self) -> None:
        try:
            self._session.close()
        finally:
            connection.close()  # this thread's connection


class Prepared(NamedTuple):
    """A validated row as the writer stores it; tuples of plain values, cheap to send from a worker."""

    sku: str
    manufacturer: str  # name
    values: tuple  # _product_values(), the manufacturer id and the timestamps left None
    breaks: tuple[tuple[int, Decimal], ...]  # (min_quantity, unit_price)
    specs: tuple[tuple[int, str, Decimal | None], ...]  # (attribute id, text, number)
    images: tuple[str, ...]


def prepare(clean: CleanProduct, attribute_ids: dict[str, int]) -> Prepared:
    return Prepared(
        clean.sku,
        clean.manufacturer,
        _product_values(clean, None, None),
        tuple(clean.price_breaks),
        tuple((attribute_ids[key], text, number) for key, (text, number) in clean.specs.items()),
        tuple(clean.images),
    )


# A row number, its product or None, and its (column, message) errors.
Checked = tuple[int, Prepared | None, list[tuple[str, str]]]


def _records(reader, width: int, *, undecodable: list[int]) -> Iterator[tuple[int, list[str] | None, str]]:
    """Each product row with its spreadsheet number, or why it can't be read; blank lines are skipped.

    Text that isn't UTF-8 ends the rows, its row noted in `undecodable`.
    """
    row = HEADER_ROW
    while True:
        row += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield row, None, f"This line is not valid CSV: {exc}."
            continue
        except UnicodeDecodeError:
            undecodable.append(row)
            return
        if not record:
            continue
        if len(record) != width:
            yield row, None, _ragged(len(record), width)
            continue
        yield row, record, ""


def _checked(records, index, categories, attributes, *, jobs: int, ahead: int = 0) -> Iterator[Checked]:
    """Validate records in order, here or in `jobs` forked processes that work up to `ahead` rows (or a few
    chunks) ahead of the writes: at least a batch, so they keep working while a batch is written."""
    if jobs < 1 or "fork" not in multiprocessing.get_all_start_methods():
        _worker_start(index, categories, attributes)
        for row, record, problem in records:
            yield _check_one(row, record, problem)
        return
    # Forked children inherit Django's setup and the lookups; they never touch the database.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_worker_start, initargs=(index, categories, attributes)
    ) as pool:
        pending: collections.deque = collections.deque()
        chunks = iter(lambda: list(itertools.islice(records, _CHUNK_ROWS)), [])
        for chunk in chunks:
            pending.append(pool.submit(_worker_check, chunk))
            if len(pending) > max(4 * jobs, ahead // _CHUNK_ROWS):  # enough work ahead, memory bounded
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


_CHUNK_ROWS = 250
_worker_lookups: tuple = ()


def _worker_start(index, categories, attributes) -> None:
    global _worker_lookups
    _worker_lookups = (index, categories, attributes, {key: a.pk for key, a in attributes.items()})


def _worker_check(chunk: list) -> list[Checked]:
    return [_check_one(row, record, problem) for row, record, problem in chunk]


def _check_one(row: int, record: list[str] | None, problem: str) -> Checked:
    if record is None:
        return row, None, [("", problem)]
    index, categories, attributes, attribute_ids = _worker_lookups
    clean, errors = parse_row(record, index, categories=categories, attributes=attributes)
    return row, (prepare(clean, attribute_ids) if clean is not None else None), errors


def _read_header(reader) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _FileProblem(f"The header is not valid CSV: {exc}.", row=HEADER_ROW) from None
    if not header:
        raise _FileProblem(f"The file is empty; its first line must name the columns: {', '.join(COLUMNS)}.")
    header[0] = header[0].removeprefix("\ufeff")  # a text stream opened without utf-8-sig keeps the mark
    names = [name.strip().lower() for name in header]
    problems = []
    unknown = [name or f"(blank, column {n})" for n, name in enumerate(names, start=1) if name not in COLUMNS]
    if unknown:
        problems.append(f"Unknown columns: {', '.join(unknown)}.")
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        problems.append(f"Columns named twice: {', '.join(repeated)}.")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        problems.append(f"Missing required columns: {', '.join(missing)}.")
    if problems:
        raise _FileProblem(" ".join(problems) + f" The columns are: {', '.join(COLUMNS)}.", row=HEADER_ROW)
    return names


def _ragged(found: int, expected: int) -> str:
    fields = "field" if found == 1 else "fields"
    return f"This row has {found} {fields} but the header has {expected}; check for stray or missing commas."


def parse_row(
    record: list[str],
    index: dict[str, int],
    *,
    categories: dict[str, Category],
    attributes: dict[str, SpecAttribute],
) -> tuple[CleanProduct | None, list[tuple[str, str]]]:
    """Parse and validate one CSV record; errors are (column, message) pairs."""
    data: dict = {name: record[position] for name, position in index.items()}
    errors: list[tuple[str, str]] = []
    data["price_breaks"] = _parse_breaks(data.get("price_breaks", ""), errors)
    data["specs"] = _parse_specs(data.get("specs", ""), errors)
    data["images"] = [url for url in data.get("images", "").split(IMAGE_SEPARATOR) if url.strip()]
    clean, field_errors = validate_product(data, categories=categories, attributes=attributes)
    if clean is not None and not errors:
        errors.extend(_check_spec_numbers(clean))
    already = {column for column, _ in errors}
    errors.extend(error for error in map(_column_error, field_errors) if error[0] not in already)
    return (None, errors) if errors else (clean, [])


def _parse_breaks(raw: str, errors: list) -> list[tuple[str, str]]:
    breaks = []
    for entry in raw.split(BREAK_SEPARATOR):
        if not entry.strip():
            continue
        quantity, separator, price = entry.partition(BREAK_PRICE_SEPARATOR)
        if not separator or not quantity.strip().isdigit() or not _DECIMAL_RE.match(price.strip()):
            errors.append(("price_breaks", f"'{entry.strip()}' is not QUANTITY:PRICE, as in 1:0.52|10:0.44."))
            return []
        breaks.append((quantity.strip(), price.strip()))
    return breaks


def _parse_specs(raw: str, errors: list) -> dict[str, str]:
    specs: dict[str, str] = {}
    for entry in raw.split(SPEC_SEPARATOR):
        if not entry.strip():
            continue
        key, separator, value = entry.partition(SPEC_VALUE_SEPARATOR)
        key = key.strip()
        if not separator or not key:
            errors.append(
                ("specs", f"'{entry.strip()}' is not KEY=VALUE, as in resistance=10k;package=0603.")
            )
            return {}
        if key in specs:
            errors.append(("specs", f"'{key}' is given twice."))
            return {}
        specs[key] = value
    return specs


def _check_spec_numbers(clean: CleanProduct) -> list[tuple[str, str]]:
    return [
        ("specs", f"{key}: {text} is too large to store.")
        for key, (text, number) in clean.specs.items()
        if number is not None and abs(number) >= _SPEC_NUMBER_LIMIT
    ]


def _column_error(error: FieldError) -> tuple[str, str]:
    column, _, key = error.field.partition(".")
    if key and error.code != "unknown_spec":
        return column, f"{key}: {error.message}"
    return column, error.message


# --- Reading the file ------------------------------------------------------------------------------------


@contextmanager
def _open_text(source) -> Iterator[tuple[TextIO, int]]:
    """Yield the source as text and its estimated number of product rows (0 when unknown)."""
    if isinstance(source, str | os.PathLike):
        try:
            handle = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise _FileProblem(f"Cannot read {os.fsdecode(source)}: {exc.strerror}.") from None
        with handle:
            yield _binary_text(handle)
        return
    if isinstance(source.read(0), bytes):
        yield _binary_text(source)
        return
    yield source, _count_text_rows(source)


def _binary_text(handle) -> tuple[TextIO, int]:
    total = _check_utf8(handle) if _seekable(handle) else 0
    raw = io.BufferedReader(_RawReader(handle), buffer_size=_SCAN_CHUNK)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), total


def _seekable(handle) -> bool:
    try:
        return bool(handle.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _check_utf8(handle) -> int:
    """Refuse a file that isn't UTF-8 before anything is written; return its line count less the header."""
    start = handle.tell()
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, last, first = 0, b"", True
    while True:
        chunk = handle.read(_SCAN_CHUNK)
        if first and chunk[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise _FileProblem('The file is UTF-16 text; save it as "CSV UTF-8" and try again.')
        first = False
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            line = lines + exc.object[: exc.start].count(b"\n") + 1
            byte = exc.object[exc.start : exc.start + 1].hex().upper()
            raise _FileProblem(
                f"The file is not UTF-8 text (byte 0x{byte} on line {line}); "
                'save it as "CSV UTF-8" and try again.'
            ) from None
        if not chunk:
            break
        lines += chunk.count(b"\n")
        last = chunk[-1:]
    handle.seek(start)
    if last and last != b"\n":
        lines += 1  # the last line has no line break
    return max(lines - 1, 0)


def _count_text_rows(text: TextIO) -> int:
    if not _seekable(text):
        return 0
    start = text.tell()
    lines = 0
    while chunk := text.read(_SCAN_CHUNK):
        lines += chunk.count("\n")
    text.seek(start)
    return max(lines - 1, 0)


class _RawReader(io.RawIOBase):
    """Lets io.TextIOWrapper decode any object with read(n) -> bytes, such as an uploaded file."""

    def __init__(self, handle):
        self._handle = handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# --- Writing batches ---------------------------------------------------------------------------------------

_SQLITE_BULK_CACHE_KIB = 256 * 1024
_SQLITE_BULK_CHECKPOINT_PAGES = 32768


@contextmanager
def bulk_write_session() -> Iterator[None]:
    """Give SQLite a large page cache, rarer WAL checkpoints and in-memory sorting while a bulk write runs,
    then restore them.

    Indexes of a big catalog outgrow SQLite's default 2 MB cache, and random inserts into them then reread
    pages all the time; the cache only grows as pages are used. A batch also writes more than the default
    1,000-page WAL, so every commit would copy the pages it changed back into the database file, the same
    index pages over and over. PostgreSQL needs nothing here.
    """
    if connection.vendor != "sqlite":
        yield
        return
    settings = {
        "cache_size": -_SQLITE_BULK_CACHE_KIB,
        "wal_autocheckpoint": _SQLITE_BULK_CHECKPOINT_PAGES,
        "threads": 2,  # helper threads for the sorts that build indexes
    }
    if not connection.in_atomic_block:  # SQLite refuses to move temporary storage inside a transaction
        settings["temp_store"] = 2  # in memory: building an index sorts its entries there
    previous = {}
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute(f"PRAGMA {name}")
            (previous[name],) = cursor.fetchone()
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")


# A file of at least this many rows that would at least double the catalog is loaded in bulk (catalog.bulk).
BULK_LOAD_MIN_ROWS = 10_000  # below, an import takes seconds either way


@contextmanager
def _bulk_load_if_large(expected_rows: int) -> Iterator[None]:
    """bulk.bulk_load() around an import into an empty or mostly new catalog, when not inside a
    transaction (which would hold the dropped indexes' locks for the whole import)."""
    if (
        expected_rows >= BULK_LOAD_MIN_ROWS
        and not connection.in_atomic_block
        and Product.objects.count() < expected_rows
    ):
        with bulk_load():
            yield
    else:
        yield


# Columns of catalog_product a write sets, in the order _product_values gives them.
_WRITTEN_FIELDS = (
    "sku", "mpn", "mpn_normalized", "manufacturer", "category", "title", "description", "datasheet_url",
    "weight_grams", "length_mm", "width_mm", "height_mm", "hs_code", "country_of_origin", "stock", "moq",
    "order_multiple", "status", "price_from", "created_at", "updated_at",
)  # fmt: skip


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: "BatchOutcome") -> None:
        self.created += other.created
        self.updated += other.updated
        self.failures += other.failures


class ProductBatchWriter:
    """Upserts validated products by SKU, one transaction per batch, as `product_write` would one by one.

    `columns` are the CSV columns given: on products that exist, product fields and children (price breaks,
    specs, images) outside them are left alone. If a batch hits a database error (a SKU inserted meanwhile
    by someone else, say), it is written again row by row in savepoints so only the offending rows fail.
    Rows go in with COPY on PostgreSQL and executemany() on SQLite rather than as model instances: building
    ten model objects per row would cost more than the rest of the import.
    """

    def __init__(self, *, attributes: dict[str, SpecAttribute], columns: Iterable[str] = COLUMNS):
        self.attribute_ids = {key: attribute.pk for key, attribute in attributes.items()}
        columns = set(columns)
        update = [name for name in _PRODUCT_FIELDS if name in columns]
        for column, derived in _DERIVED.items():
            if column in columns:
                update.extend(derived)
        update.append("updated_at")
        self._update_positions = [_WRITTEN_FIELDS.index(name) for name in update]
        self.replace = {name for name in _CHILD_COLUMNS if name in columns}
        self._manufacturers: dict[str, int] | None = None
        self._sql = _statements(update)

    def write(self, items: list[tuple[int, CleanProduct | Prepared]]) -> BatchOutcome:
        """Write (row, product) pairs; returns the counts and the rows that failed with why."""
        if not items:
            return BatchOutcome()
        items = [
            (row, product if isinstance(product, Prepared) else prepare(product, self.attribute_ids))
            for row, product in items
        ]
        try:
            with transaction.atomic():
                return self._write(items)
        except DatabaseError:
            self._manufacturers = None  # ids created in the rolled-back transaction are gone
        return self._write_one_by_one(items)

    def _write_one_by_one(self, items: list[tuple[int, Prepared]]) -> BatchOutcome:
        outcome = BatchOutcome()
        try:
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # Foreign keys are checked at commit: check them per row, for each savepoint to catch.
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for row, clean in items:
                    try:
                        with transaction.atomic():
                            one = self._write([(row, clean)])
                    except DatabaseError as exc:
                        self._manufacturers = None
                        outcome.failures.append((row, f"Not saved: {_database_message(exc)}"))
                    else:
                        outcome.add(one)
        except DatabaseError as exc:
            self._manufacturers = None
            failed = {row for row, _ in outcome.failures}
            message = f"Not saved with its batch: {_database_message(exc)}"
            failures = outcome.failures + [(row, message) for row, _ in items if row not in failed]
            outcome = BatchOutcome(failures=failures)
        return outcome

    def _write(self, items: list[tuple[int, Prepared]]) -> BatchOutcome:
        catalog_changed()  # rows go in as SQL, past the model signals
        outcome = BatchOutcome()
        latest: dict[str, Prepared] = {}
        occurrences: dict[str, int] = {}
        for _, product in items:
            latest[product.sku] = product  # rows apply in order, so a repeated SKU ends up as its last row
            occurrences[product.sku] = occurrences.get(product.sku, 0) + 1
        manufacturers = self._manufacturer_ids([product.manufacturer for product in latest.values()])
        sql = self._sql
        with connection.cursor() as cursor:
            existing = _ids_by_sku(cursor, sql, list(latest))
        stamp = _DATETIME.get_db_prep_value(timezone.now(), connection)
        new, changed = [], []
        for sku, product in latest.items():
            given = product.values
            values = (*given[:3], manufacturers[product.manufacturer.casefold()], *given[4:-2], stamp, stamp)
            if sku in existing:
                changed.append((*(values[i] for i in self._update_positions), existing[sku]))
                outcome.updated += occurrences[sku]
            else:
                new.append(values)
                outcome.created += 1
                outcome.updated += occurrences[sku] - 1
        with connection.cursor() as cursor:
            if new:
                with search_schema.batch_insert(connection) as index_inserted:
                    ids = _insert_products(cursor, sql, new)
                    index_inserted(list(ids.values()))
            else:
                ids = {}
            if changed:
                _update(cursor, sql, changed)
                updated_ids = [row[-1] for row in changed]
                placeholders = ", ".join(["%s"] * len(updated_ids))
                for column in self.replace:
                    cursor.execute(sql.delete_children[column] % placeholders, updated_ids)
            ids.update(existing)
            breaks, specs, images = [], [], []
            all_breaks, all_specs, all_images = (name in self.replace for name in _CHILD_COLUMNS)
            for sku, product in latest.items():
                pk = ids[sku]
                everything = sku not in existing
                if everything or all_breaks:
                    breaks += [(pk, quantity, price) for quantity, price in product.breaks]
                if everything or all_specs:
                    specs += [(pk, attribute, text, number) for attribute, text, number in product.specs]
                if everything or all_images:
                    images += [(pk, url, "", n) for n, url in enumerate(product.images)]
            for statement, rows in (
                (sql.insert_break, breaks),
                (sql.insert_spec, specs),
                (sql.insert_image, images),
            ):
                if rows:
                    _insert(cursor, statement, rows)
        return outcome

    def _manufacturer_ids(self, names: list[str]) -> dict[str, int]:
        """Ids by case-folded name; new names are created, spelled as first seen, in this transaction."""
        if self._manufacturers is None:
            self._manufacturers = {
                name.casefold(): pk for name, pk in Manufacturer.objects.values_list("name", "id")
            }
        known = self._manufacturers
        missing: dict[str, str] = {}
        for name in names:
            if name.casefold() not in known:
                missing.setdefault(name.casefold(), name)
        if missing:
            # In name order, as every writer inserts them: two writers adding the same new names wait for
            # each other's commit instead of each holding a name the other needs (a deadlock, which would
            # cost the batch a retry row by row).
            known.update(_manufacturers_create(sorted(missing.values())))
        return known


_DATETIME = Product._meta.get_field("updated_at")


@dataclass(frozen=True)
class _Insert:
    insert: str  # INSERT ... VALUES (%s, ...), for executemany()
    copy: str  # COPY ... FROM STDIN, for PostgreSQL


@dataclass(frozen=True)
class _Statements:
    insert_product: _Insert
    insert_product_with_id: _Insert
    next_ids: str  # PostgreSQL: that many new ids from the table's sequence
    id_sequence: str | None  # PostgreSQL: that sequence's name
    update_product: str
    update_staged: tuple[str, ...]  # PostgreSQL: the same update as one statement, through a temporary table
    select_ids: str
    delete_children: dict[str, str]
    insert_break: _Insert
    insert_spec: _Insert
    insert_image: _Insert


def _insert(cursor, statement: _Insert, rows: list[tuple]) -> None:
    """Insert rows: COPY on PostgreSQL (ten times faster than executemany there), executemany elsewhere."""
    if connection.vendor == "postgresql":
        # COPY fires the tables' triggers like INSERT does; psycopg's own errors need Django's wrapping.
        with connection.wrap_database_errors, cursor.cursor.copy(statement.copy) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(statement.insert, rows)


def _insert_products(cursor, sql: _Statements, rows: list[tuple]) -> dict[str, int]:
    """Insert new products (rows in _WRITTEN_FIELDS order); returns their ids by SKU."""
    if connection.vendor == "postgresql":
        # Ids drawn from the sequence up front, so they needn't be looked up again by SKU afterwards.
        cursor.execute(sql.next_ids, [sql.id_sequence, len(rows)])
        ids = sorted(pk for (pk,) in cursor.fetchall())
        _insert(cursor, sql.insert_product_with_id, [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
        return {row[0]: pk for pk, row in zip(ids, rows, strict=True)}
    _insert(cursor, sql.insert_product, rows)
    return _ids_by_sku(cursor, sql, [row[0] for row in rows])


def _ids_by_sku(cursor, sql: _Statements, skus: list[str]) -> dict[str, int]:
    if connection.vendor == "postgresql":  # one array parameter: planning thousands of them takes longer
        cursor.execute(sql.select_ids % "SELECT unnest(%s::text[])", [skus])
    else:
        cursor.execute(sql.select_ids % ", ".join(["%s"] * len(skus)), skus)
    return dict(cursor.fetchall())


def _update(cursor, sql: _Statements, rows: list[tuple]) -> None:
    """Update products from (values..., id) rows."""
    if connection.vendor == "postgresql":
        # One UPDATE for the batch: per-row statements would run the search index's statement-level
        # triggers once per row, and cost a round trip each.
        create, empty, copy, update = sql.update_staged
        cursor.execute(create)
        cursor.execute(empty)
        with connection.wrap_database_errors, cursor.cursor.copy(copy) as writer:
            for row in rows:
                writer.write_row(row)
        cursor.execute(update)
    else:
        cursor.executemany(sql.update_product, rows)


def _statements(update_fields: list[str]) -> _Statements:
    """The SQL of a batch; names come from the models, quoted, and every value is a parameter."""
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    def insert(model, names) -> _Insert:
        columns = ", ".join(column(model, name) for name in names)
        return _Insert(
            insert=f"INSERT INTO {table(model)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})",  # noqa: S608
            copy=f"COPY {table(model)} ({columns}) FROM STDIN",
        )

    assignments = ", ".join(f"{column(Product, name)} = %s" for name in update_fields)
    staged = [column(Product, name) for name in update_fields]
    stage = quote(f"catalog_import_{hashlib.sha1(' '.join(update_fields).encode()).hexdigest()[:10]}")  # noqa: S324
    product_id = column(Product, "id")
    update_staged = (
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} AS "  # noqa: S608
        f"SELECT {', '.join(staged)}, {product_id} FROM {table(Product)} WITH NO DATA",
        f"TRUNCATE {stage}",
        f"COPY {stage} ({', '.join(staged)}, {product_id}) FROM STDIN",
        f"UPDATE {table(Product)} AS p SET {', '.join(f'{name} = s.{name}' for name in staged)} "  # noqa: S608
        f"FROM {stage} AS s WHERE p.{product_id} = s.{product_id}",
    )
    children = {"price_breaks": PriceBreak, "specs": ProductSpec, "images": ProductImage}
    return _Statements(
        insert_product=insert(Product, _WRITTEN_FIELDS),
        insert_product_with_id=insert(Product, ("id", *_WRITTEN_FIELDS)),
        next_ids="SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
        id_sequence=_id_sequence(),
        update_staged=update_staged,
        update_product=f"UPDATE {table(Product)} SET {assignments} WHERE {column(Product, 'id')} = %s",  # noqa: S608
        select_ids=f"SELECT {column(Product, 'sku')}, {column(Product, 'id')} FROM {table(Product)} "  # noqa: S608
        f"WHERE {column(Product, 'sku')} IN (%s)",
        delete_children={
            name: f"DELETE FROM {table(model)} WHERE {column(model, 'product')} IN (%s)"  # noqa: S608
            for name, model in children.items()
        },
        insert_break=insert(PriceBreak, ("product", "min_quantity", "unit_price")),
        insert_spec=insert(ProductSpec, ("product", "attribute", "value_text", "value_number")),
        insert_image=insert(ProductImage, ("product", "url", "alt", "position")),
    )


def _id_sequence() -> str | None:
    """The name of catalog_product's id sequence, looked up once rather than for every id drawn."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [Product._meta.db_table, Product._meta.pk.column]
        )
        return cursor.fetchone()[0]


def _product_values(clean: CleanProduct, manufacturer_id: int, stamp) -> tuple:
    """The row for catalog_product in _WRITTEN_FIELDS order, derived fields set as product_write sets them."""
    return (
        clean.sku, clean.mpn, clean.mpn_normalized, manufacturer_id, clean.category.pk, clean.title,
        clean.description, clean.datasheet_url, clean.weight_grams, clean.length_mm, clean.width_mm,
        clean.height_mm, clean.hs_code, clean.country_of_origin,
        clean.stock, clean.moq, clean.order_multiple, str(clean.status),
        clean.price_breaks[0][1] if clean.price_breaks else None, stamp, stamp,
    )  # fmt: skip


def _manufacturers_create(names: list[str]) -> dict[str, int]:
    """Create manufacturers with unique slugs, as `manufacturer_for` would; tolerates concurrent creators."""
    matches = Q()
    for name in names:
        matches |= Q(name__iexact=name)
    found = {
        name.casefold(): pk for name, pk in Manufacturer.objects.filter(matches).values_list("name", "id")
    }
    names = [name for name in names if name.casefold() not in found]
    if names:
        bases = {name: slugify(name)[:130] or "manufacturer" for name in names}
        similar = Q()
        for base in set(bases.values()):
            similar |= Q(slug__startswith=base)
        taken = set(Manufacturer.objects.filter(similar).values_list("slug", flat=True))
        rows = []
        for name in names:
            slug, n = bases[name], 1
            while slug in taken:
                n += 1
                slug = f"{bases[name]}-{n}"
            taken.add(slug)
            rows.append(Manufacturer(name=name, slug=slug))
        Manufacturer.objects.bulk_create(rows, ignore_conflicts=True)
        created = Manufacturer.objects.filter(name__in=names).values_list("name", "id")
        found.update((name.casefold(), pk) for name, pk in created)
        for name in names:
            if name.casefold() not in found:  # its slug was taken meanwhile by another name
                found[name.casefold()] = manufacturer_for(name).pk
    return found


def _database_message(exc: DatabaseError) -> str:
    return " ".join(str(exc).split())[:300] or exc.__class__.__name__
