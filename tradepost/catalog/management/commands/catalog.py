"""`tradepost catalog import|export|generate`: products from and to CSV, and demo catalogs."""

import csv
import os
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tradepost.catalog.exports import catalog_export
from tradepost.catalog.generator import PRESETS, catalog_generate, catalog_taxonomy_ensure, generate_csv
from tradepost.catalog.imports import BATCH_SIZE, COLUMNS, ImportReport, catalog_import
from tradepost.core.exceptions import ApplicationError
from tradepost.policies.selectors import policy_versions

SHOWN_ERRORS = 20
# Processes that validate rows while the command writes: one per spare core, two at most.
DEFAULT_JOBS = max(0, min((os.cpu_count() or 1) - 1, 2))


class Command(BaseCommand):
    help = "Import products from CSV, export them to CSV, or generate a demo catalog."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        load = actions.add_parser(
            "import",
            help="Create or update products from a CSV file (upsert by SKU).",
            description=f"Columns: {', '.join(COLUMNS)}. Errors name the row as a spreadsheet numbers it.",
        )
        load.add_argument("file", metavar="FILE", help="CSV file (UTF-8), or - for standard input.")
        load.add_argument(
            "--progress", action="store_true", help="Show a progress bar even when not on a terminal."
        )
        load.add_argument(
            "--errors-csv", metavar="OUT", help="Write every error to this CSV file (row, column, message)."
        )
        load.add_argument(
            "--show-errors", type=int, default=SHOWN_ERRORS, metavar="N", help="Errors to print (20)."
        )
        load.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            metavar="N",
            help=f"Rows per transaction ({BATCH_SIZE}).",
        )
        load.add_argument(
            "--jobs",
            type=int,
            default=DEFAULT_JOBS,
            metavar="N",
            help=f"Processes that validate rows while this one writes ({DEFAULT_JOBS} here; 0: none).",
        )

        dump = actions.add_parser("export", help="Write every product to a CSV file in the import format.")
        dump.add_argument("file", metavar="FILE", help="Output file, or - for standard output.")

        make = actions.add_parser(
            "generate",
            help="Create a demo catalog, or write it as an import CSV with --csv.",
            description=(
                "Creates the preset's categories and spec attributes if missing, then PARTS products "
                "(SKUs TPC-0000001...; running it again rewrites the same products). With --csv the products "
                "go to the file instead; the categories and attributes are still created in this database so "
                "the file imports here (elsewhere, run `catalog generate --parts 0` there first)."
            ),
        )
        make.add_argument("--parts", type=int, required=True, metavar="N", help="How many products.")
        make.add_argument(
            "--preset",
            choices=PRESETS,
            help="Kind of catalog; default: the active policy's preset, else components.",
        )
        make.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same catalog."
        )
        make.add_argument(
            "--csv", metavar="FILE", dest="csv_file", help="Write the products to this CSV file."
        )
        make.add_argument(
            "--progress", action="store_true", help="Show a progress bar even when not on a terminal."
        )

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

    def _import(
        self,
        *,
        file: str,
        progress: bool,
        errors_csv: str | None,
        show_errors: int,
        batch_size: int,
        jobs: int,
        **_,
    ):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        bar = self._bar(progress, unit="rows")
        source = sys.stdin.buffer if file == "-" else Path(file)
        report = catalog_import(source=source, progress=bar, batch_size=batch_size, jobs=jobs)
        if bar:
            bar.finish()
        self.stdout.write(_summary(file, report))
        for error in report.errors[: max(show_errors, 0)]:
            self.stderr.write(str(error))
        hidden = len(report.errors) - max(show_errors, 0)
        if errors_csv:
            _write_errors(errors_csv, report)
        if hidden > 0:
            more = f"all are in {errors_csv}" if errors_csv else "use --errors-csv FILE to see them all"
            self.stderr.write(f"... and {hidden:,} more errors ({more}).")
        if not report.ok:
            if report.failed:
                raise CommandError(f"{report.failed:,} of {report.rows:,} rows were not imported.")
            raise CommandError("The file was not imported.")

    def _export(self, *, file: str, **_):
        started = time.monotonic()
        if file == "-":
            count = catalog_export(target=_Stream(self.stdout))
            self.stderr.write(f"Exported {_products(count)} in {time.monotonic() - started:.1f} s.")
            return
        with open(file, "w", newline="", encoding="utf-8") as target:
            count = catalog_export(target=target)
        self.stdout.write(f"Exported {_products(count)} to {file} in {time.monotonic() - started:.1f} s.")

    def _generate(
        self, *, parts: int, preset: str | None, seed: int, csv_file: str | None, progress: bool, **_
    ):
        if parts < 0:
            raise CommandError("--parts can't be negative.")
        preset = preset or _active_preset()
        bar = self._bar(progress, unit="parts")
        started = time.monotonic()
        if csv_file:
            catalog_taxonomy_ensure(preset=preset)
            with open(csv_file, "w", newline="", encoding="utf-8") as target:
                count = generate_csv(parts=parts, preset=preset, seed=seed, target=target, progress=bar)
        else:
            count = catalog_generate(parts=parts, preset=preset, seed=seed, progress=bar)
        if bar:
            bar.finish()
        elapsed = time.monotonic() - started
        rate = f" ({count / elapsed:,.0f} parts/s)" if count and elapsed else ""
        where = f"wrote them to {csv_file}" if csv_file else "saved them"
        self.stdout.write(
            f"Generated {count:,} {preset} products (seed {seed}) and {where} in {elapsed:.1f} s{rate}."
        )

    def _bar(self, forced: bool, *, unit: str) -> "ProgressBar | None":
        if forced or self.stderr.isatty():
            return ProgressBar(self.stderr, unit=unit)
        return None


class ProgressBar:
    """`[#####     ] 52% 52,000/100,000 rows 6,120 rows/s` on one line, redrawn in place."""

    width = 30

    def __init__(self, stream, *, unit: str):
        self.stream = stream
        self.unit = unit
        self.started = time.monotonic()
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.monotonic() - self.started
        rate = f"{done / elapsed:,.0f} {self.unit}/s" if elapsed > 0 else ""
        if total:
            filled = min(self.width, self.width * done // total)
            bar = "#" * filled + " " * (self.width - filled)
            line = f"[{bar}] {100 * done // total:3d}% {done:,}/{total:,} {self.unit} {rate}"
        else:
            line = f"{done:,} {self.unit} {rate}"
        # Plain text: a command's stderr would otherwise colour everything as an error on a terminal.
        self.stream.write(f"\r{line}  ", style_func=_plain, ending="")
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("", style_func=_plain)


class _Stream:
    """A text target for the CSV writer that passes text through a command's stdout unchanged."""

    def __init__(self, output):
        self.output = output

    def write(self, text: str) -> None:
        self.output.write(text, ending="")


def _plain(text: str) -> str:
    return text


def _products(count: int) -> str:
    return f"{count:,} product{'' if count == 1 else 's'}"


def _summary(file: str, report: ImportReport) -> str:
    rate = f", {report.rows_per_second:,.0f} rows/s" if report.rows else ""
    return (
        f"{file}: {report.rows:,} rows in {report.seconds:.1f} s{rate}: {report.created:,} created, "
        f"{report.updated:,} updated, {report.failed:,} failed."
    )


def _write_errors(path: str, report: ImportReport) -> None:
    with open(path, "w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(("row", "column", "message"))
        writer.writerows((error.row, error.column, error.message) for error in report.errors)


def _active_preset() -> str:
    """The active policy's preset when it is one the generator knows, else components."""
    preset = policy_versions().values_list("preset", flat=True).first()
    return preset if preset in PRESETS else "components"
