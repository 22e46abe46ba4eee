"""`tradepost notifications send-due`: send queued messages whose retry time has come.

With REDIS_URL set, Celery beat runs it every minute; the embedded install runs it from cron.
"""

from django.core.management.base import BaseCommand

from tradepost.notifications.services import notifications_send_due


class Command(BaseCommand):
    help = "Outbox housekeeping."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("send-due", help="Send queued messages that are due (first tries and retries).")

    def handle(self, *args, action: str, **options):
        sent = notifications_send_due()
        self.stdout.write(f"{sent} messages sent.")
