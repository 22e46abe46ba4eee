"""`tradepost shipping load-network|import-rates|export-rates`: carriers, zones and rate tables."""

import sys

from django.core.management.base import BaseCommand, CommandError

from tradepost.shipping.imports import RATE_COLUMNS, rates_export, rates_import
from tradepost.shipping.network import network_load

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = (
        "Shipping set-up: `load-network` creates or updates the starter carriers, zones and rates; "
        "`import-rates FILE` replaces rate tables from a CSV; `export-rates FILE` writes them out."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-network", help="Create or update the starter carriers, zones and rate tables.")
        load = sub.add_parser(
            "import-rates",
            help="Replace the rate tables of every (service, zone) pair in a CSV file; all or nothing.",
            description=(
                f"Columns: {','.join(RATE_COLUMNS)}. Pairs the file does not mention keep their bands. "
                "Errors name the row as a spreadsheet numbers it (the header is row 1)."
            ),
        )
        load.add_argument("file", metavar="FILE", help="CSV file (UTF-8), or - for standard input.")
        load.add_argument("--dry-run", action="store_true", help="Only check the file; change nothing.")
        dump = sub.add_parser(
            "export-rates", help="Write every rate band to a CSV file in the import format."
        )
        dump.add_argument("file", metavar="FILE", help="Output file, or - for standard output.")

    def handle(self, *args, action, **options):
        if action == "load-network":
            counts = network_load()
            self.stdout.write(", ".join(f"{n} {what}" for what, n in counts.items()))
        elif action == "import-rates":
            self._import(options["file"], dry_run=options["dry_run"])
        elif action == "export-rates":
            self._export(options["file"])

    def _import(self, path: str, *, dry_run: bool) -> None:
        if path == "-":
            report = rates_import(source=sys.stdin.buffer, actor=None, dry_run=dry_run)
        else:
            try:
                with open(path, "rb") as handle:
                    report = rates_import(source=handle, actor=None, dry_run=dry_run)
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        if report.errors:
            for error in report.errors[:SHOWN_ERRORS]:
                self.stderr.write(str(error))
            if len(report.errors) > SHOWN_ERRORS:
                self.stderr.write(f"... and {len(report.errors) - SHOWN_ERRORS} more.")
            raise CommandError(f"{len(report.errors)} error(s); nothing was changed.")
        for pair in report.pairs:
            self.stdout.write(
                f"{pair.carrier}.{pair.service} to {pair.zone}: {pair.before} -> {pair.after} bands"
            )
        verb = "would replace" if dry_run else "replaced"
        self.stdout.write(
            f"{report.rows} band(s) read; {verb} {len(report.pairs)} table(s)"
            + (" (dry run: nothing was changed)." if dry_run else ".")
        )

    def _export(self, path: str) -> None:
        if path == "-":
            self.stdout.write(rates_export(), ending="")
            return
        try:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                rates_export(handle)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}.") from None
        self.stdout.write(f"Rate tables written to {path}.")
