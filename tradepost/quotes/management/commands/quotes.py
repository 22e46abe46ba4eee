"""`tradepost quotes remind`: email buyers whose quotation expires within a day; each quotation once.

With REDIS_URL set, Celery beat runs this every 15 minutes; the embedded install runs it from cron.
"""

from django.core.management.base import BaseCommand

from tradepost.quotes.services import quotations_notify_expiring


class Command(BaseCommand):
    help = "Quote desk housekeeping."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("remind", help="Email buyers whose quotation expires within 24 hours.")

    def handle(self, *args, action: str, **options):
        if action == "remind":
            total = 0
            while True:
                sent = quotations_notify_expiring()
                total += sent
                if sent < 500:
                    break
            self.stdout.write(f"{total} expiry reminders sent.")
