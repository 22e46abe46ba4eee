"""`tradepost orders expire`: lapse unpaid orders past their payment time and release their stock.
`tradepost orders complete`: complete delivered orders once their policy's days after delivery passed.

With REDIS_URL set, Celery beat runs these (every 15 minutes and every hour); the embedded install runs
them from cron. Payment is refused past `payment_due_at` either way: the sweep only returns the stock.
"""

from django.core.management.base import BaseCommand

from tradepost.orders.services import orders_complete_delivered, orders_expire_unpaid


class Command(BaseCommand):
    help = "Order housekeeping."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("expire", help="Cancel unpaid orders past their payment time; release stock.")
        actions.add_parser("complete", help="Complete delivered orders past their days after delivery.")

    def handle(self, *args, action: str, **options):
        if action == "expire":
            total = 0
            while True:
                expired = orders_expire_unpaid()
                total += expired
                if expired < 1000:
                    break
            self.stdout.write(f"{total} unpaid orders lapsed.")
        elif action == "complete":
            total = 0
            while True:
                completed = orders_complete_delivered()
                total += completed
                if completed < 1000:
                    break
            self.stdout.write(f"{total} delivered orders completed.")
