"""Loads a demo store: a policy preset, a catalog, a buyer with orders and a staff member; safe to rerun."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from tradepost.accounts.models import Address, User
from tradepost.accounts.roles import Desk
from tradepost.accounts.selectors import agreement_current
from tradepost.accounts.services import agreement_accept, staff_set_desks
from tradepost.aftersales.demo import aftersales_demo
from tradepost.cart.services import cart_for, cart_line_set
from tradepost.catalog.generator import catalog_generate
from tradepost.catalog.models import Product
from tradepost.checkout.services import checkout_place
from tradepost.payments.services import wire_receipt_record
from tradepost.policies.loading import load_preset, preset_path
from tradepost.policies.models import PolicyVersion
from tradepost.policies.selectors import policy_active
from tradepost.policies.services import policy_activate
from tradepost.quotes.demo import quotes_demo
from tradepost.shipping.models import CarrierService
from tradepost.shipping.network import network_load
from tradepost.support.demo import support_demo

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


def _ensure_orders(*, buyer: User, staff: User) -> None:
    """An address and two orders for the demo buyer, through the real services; only the first time."""
    if buyer.orders.exists():
        return
    address = buyer.addresses.first() or Address.objects.create(
        user=buyer, full_name=buyer.full_name, company=buyer.company, line1="500 Terry Francine St",
        city="San Francisco", region="CA", postal_code="94158", country="US", phone="+14155550123",
        is_default=True,
    )  # fmt: skip
    products = list(
        Product.objects.filter(status="active", stock__gte=100, moq=1, order_multiple=1).order_by("pk")[:3]
    )
    if len(products) < 2:
        return
    methods = [str(m) for m in policy_active().policy.payments.methods]
    cart = cart_for(user=buyer, create=True)
    plans = [(products[:2], methods[0], "demo-order-1")]
    if "wire_transfer" in methods:
        plans.append((products[2:], "wire_transfer", "demo-order-2"))
    for items, method, key in plans:
        for product in items:
            cart_line_set(cart=cart, sku=product.sku, quantity=10)
        order, _ = checkout_place(
            user=buyer,
            idempotency_key=key,
            address_id=address.pk,
            shipping_method=None,
            payment_method=method,
            remark="Demo order",
        )
        if key == "demo-order-2":
            # Finance recorded the buyer's transfer from the (demo) bank statement.
            wire_receipt_record(
                order=order, amount=order.total, bank_reference=f"DEMO-{order.number}", actor=staff
            )


def _ensure_membership_plans() -> None:
    """Two membership plans with a welcome package, where the store sells a membership; only once.

    Prices and packages are demo data (a store sets its own in the admin); the policy holds the rules.
    """
    from tradepost.memberships.models import Plan, WelcomeCoupon
    from tradepost.promotions.models import Campaign

    if not policy_active().policy.membership.enabled or Plan.objects.exists():
        return
    shipping = Campaign.objects.create(
        name="Welcome package: $10 off shipping",
        kind=Campaign.Kind.GRANT,
        coupon_kind="shipping",
        value_type="fixed",
        value=Decimal("10.00"),
    )
    goods = Campaign.objects.create(
        name="Welcome package: $5 off goods over $50",
        kind=Campaign.Kind.GRANT,
        coupon_kind="product",
        value_type="fixed",
        value=Decimal("5.00"),
        min_spend=Decimal("50.00"),
    )
    for name, days, price, shipping_count, goods_count in (
        ("1 year", 365, "99.00", 6, 4),
        ("90 days", 90, "29.00", 2, 1),
    ):
        plan = Plan.objects.create(
            name=f"{policy_active().policy.membership.name} {name}",
            slug=f"plus-{days}",
            duration_days=days,
            price=Decimal(price),
            position=0 if days == 365 else 1,
        )
        WelcomeCoupon.objects.create(plan=plan, campaign=shipping, quantity=shipping_count)
        WelcomeCoupon.objects.create(plan=plan, campaign=goods, quantity=goods_count)


def demo_load(*, preset: str, parts: int = DEMO_PARTS) -> DemoStore:
    with transaction.atomic():
        version, created = _ensure_preset(preset)
        if not CarrierService.objects.exists():
            network_load()
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
    _ensure_membership_plans()
    _ensure_orders(buyer=User.objects.get(email__iexact=BUYER_EMAIL), staff=staff)
    quotes_demo(buyer=User.objects.get(email__iexact=BUYER_EMAIL), staff=staff)
    aftersales_demo(buyer=User.objects.get(email__iexact=BUYER_EMAIL), staff=staff)
    support_demo(buyer=User.objects.get(email__iexact=BUYER_EMAIL), staff=staff)
    return DemoStore(
        version.number,
        created,
        Product.objects.count(),
        BUYER_EMAIL,
        BUYER_PASSWORD,
        STAFF_EMAIL,
        STAFF_PASSWORD,
    )
