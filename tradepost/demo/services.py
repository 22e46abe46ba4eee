"""Loads a demo store: a policy preset, a buyer and a staff member. Safe to run again."""

from dataclasses import dataclass

from django.db import transaction

from tradepost.accounts.models import User
from tradepost.accounts.roles import Desk
from tradepost.accounts.selectors import agreement_current
from tradepost.accounts.services import agreement_accept, staff_set_desks
from tradepost.catalog.generator import catalog_generate
from tradepost.catalog.models import Product
from tradepost.policies.loading import load_preset, preset_path
from tradepost.policies.models import PolicyVersion
from tradepost.policies.services import policy_activate

BUYER_EMAIL = "buyer@demo.tradepost.test"
STAFF_EMAIL = "staff@demo.tradepost.test"
# Demo-only credentials, printed by `make demo`; never used outside a local demo.
BUYER_PASSWORD = "demo-buyer-pass-2026"
STAFF_PASSWORD = "demo-staff-pass-2026"
DEMO_PARTS = 2000


@dataclass(frozen=True)
class DemoStore:
    policy_version: int
    policy_created: bool
    products: int
    buyer_email: str
    buyer_password: str
    staff_email: str
    staff_password: str


def _ensure_user(*, email: str, password: str, **fields) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, password, **fields)
    current = agreement_current()
    if current:
        agreement_accept(user=user, version=current.version)
    return user


def _ensure_preset(preset: str) -> tuple[PolicyVersion, bool]:
    """Keep the active policy if it came from this preset; otherwise activate the preset as a new version."""
    latest = PolicyVersion.objects.order_by("-number").first()
    if latest is not None and latest.preset == preset:
        return latest, False
    return policy_activate(
        policy=load_preset(preset), source=preset_path(preset).name, note=f"Demo store: the {preset} preset"
    )


def demo_load(*, preset: str, parts: int = DEMO_PARTS) -> DemoStore:
    with transaction.atomic():
        version, created = _ensure_preset(preset)
        _ensure_user(
            email=BUYER_EMAIL,
            password=BUYER_PASSWORD,
            full_name="Dana Buyer",
            country="US",
            company="Acme Robotics",
        )
        staff = _ensure_user(
            email=STAFF_EMAIL,
            password=STAFF_PASSWORD,
            full_name="Sam Staff",
            country="HK",
            is_staff=True,
            is_superuser=True,
        )
        staff_set_desks(actor=staff, user=staff, desks=[desk.value for desk in Desk])
    # A small catalog for the demo, generated once per preset (the generator's SKUs carry its prefix).
    if created or not Product.objects.exists():
        catalog_generate(parts=parts, preset=preset)
    return DemoStore(
        version.number,
        created,
        Product.objects.count(),
        BUYER_EMAIL,
        BUYER_PASSWORD,
        STAFF_EMAIL,
        STAFF_PASSWORD,
    )
