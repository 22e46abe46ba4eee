"""`tradepost support read-mailbox PATH`: route the emails of a local mbox file or Maildir folder (as
fetched by fetchmail/getmail or delivered by the mail server) onto their tickets. No network access.

Reading the same mailbox again changes nothing: each email is recorded once by its Message-ID.
"""

import mailbox
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tradepost.core.exceptions import ApplicationError
from tradepost.support.inbound import inbound_email_receive


class Command(BaseCommand):
    help = "Customer support housekeeping."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        read = actions.add_parser("read-mailbox", help="Route the emails of an mbox file or Maildir.")
        read.add_argument("path")
        read.add_argument("--format", choices=["auto", "mbox", "maildir"], default="auto")

    def handle(self, *args, action: str, path: str, format: str, **options):
        where = Path(path)
        if not where.exists():
            raise CommandError(f"{path}: no such file or folder")
        kind = format if format != "auto" else ("maildir" if where.is_dir() else "mbox")
        box = mailbox.Maildir(where, create=False) if kind == "maildir" else mailbox.mbox(where, create=False)
        counts: dict[str, int] = {}
        for key in box.iterkeys():
            raw = box.get_bytes(key)
            try:
                status = inbound_email_receive(raw=raw).status
            except ApplicationError as exc:
                self.stderr.write(f"{key}: {exc.message}")
                status = "refused"
            counts[status] = counts.get(status, 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items())) or "no emails"
        self.stdout.write(f"{path}: {summary}.")
