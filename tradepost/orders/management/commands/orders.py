"""`tradepost orders expire`: lapse unpaid orders past their payment time and release their stock.

With REDIS_URL set, Celery beat runs this every 15 minutes; the embedded install runs it from cron.
Payment is refused past `payment_due_at` either way: the sweep only returns the stock.
"""

from django.core.management.base import BaseCommand

from tradepost.orders.services import orders_expire_unpaid


class Command(BaseCommand):
    help = "Order housekeeping."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("expire", help="Cancel unpaid orders past their payment time; release stock.")

    def handle(self, *args, action: str, **options):
        if action == "expire":
            total = 0
            while True:
                expired = orders_expire_unpaid()
                total += expired
                if expired < 1000:
                    break
            self.stdout.write(f"{total} unpaid orders lapsed.")
