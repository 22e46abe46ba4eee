from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tradepost.core.exceptions import ApplicationError
from tradepost.demo.services import demo_load


class Command(BaseCommand):
    help = (
        "Load a demo store (policy preset, a buyer and a staff member) and print the logins. Safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--preset", default=settings.STORE_PRESET, help="components, wholesale or direct")
        parser.add_argument("--parts", type=int, default=2000, help="Size of the generated demo catalog.")

    def handle(self, *args, preset: str, parts: int, **options):
        try:
            demo = demo_load(preset=preset, parts=parts)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        state = "activated" if demo.policy_created else "already active (kept)"
        self.stdout.write(self.style.SUCCESS(f"Store policy version {demo.policy_version} {state}."))
        self.stdout.write(f"Catalog: {demo.products:,} products (try searching LM317 or STM32).")
        self.stdout.write("")
        self.stdout.write("  Tradepost demo: http://127.0.0.1:8000/")
        self.stdout.write(f"  Buyer login:  {demo.buyer_email}  /  {demo.buyer_password}")
        self.stdout.write(
            f"  Staff login:  {demo.staff_email}  /  {demo.staff_password}   (desk: /desk/, admin: /admin/)"
        )
        self.stdout.write("")
