"""`tradepost shipping load-network`: carriers, zones and rate tables to start from."""

from django.core.management.base import BaseCommand

from tradepost.shipping.network import network_load


class Command(BaseCommand):
    help = "Shipping set-up: `load-network` creates or updates the starter carriers, zones and rates."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-network", help="Create or update the starter carriers, zones and rate tables.")

    def handle(self, *args, action, **options):
        if action == "load-network":
            counts = network_load()
            self.stdout.write(", ".join(f"{n} {what}" for what, n in counts.items()))
