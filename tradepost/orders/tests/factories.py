"""Buyers with an address, a small catalog and placed orders, built through the real services."""

import itertools
from decimal import Decimal

from tradepost.accounts.models import Address
from tradepost.cart.services import cart_for, cart_line_set
from tradepost.catalog.tests.factories import make_catalog
from tradepost.checkout.services import checkout_place
from tradepost.conftest import make_user
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate

_keys = itertools.count(1)


def activate(preset: str = "components"):
    return policy_activate(policy=load_preset(preset), source="test")[0]


def make_address(user, **fields) -> Address:
    data = {
        "full_name": user.full_name,
        "line1": "Keizersgracht 1",
        "city": "Amsterdam",
        "postal_code": "1015 CJ",
        "country": "NL",
        "phone": "+31201234567",
    }
    data.update(fields)
    return Address.objects.create(user=user, **data)


def shop(preset: str = "components") -> dict:
    """An active policy, the starter shipping network and the test catalog."""
    from tradepost.shipping.network import network_load

    activate(preset)
    network_load()
    return make_catalog()


def fill_cart(user, items: dict[str, int]):
    cart = cart_for(user=user, create=True)
    for sku, quantity in items.items():
        cart_line_set(cart=cart, sku=sku, quantity=quantity)
    return cart


def place(
    user,
    items: dict[str, int] | None = None,
    *,
    method: str = "wire_transfer",
    key: str | None = None,
    address=None,
    shipping_method: str | None = None,
    **kwargs,
):
    """Fill the cart and place it; returns the order."""
    fill_cart(user, items if items is not None else {"TI-LM317T": 10})
    address = address or Address.objects.filter(user=user).first() or make_address(user)
    order, _ = checkout_place(
        user=user,
        idempotency_key=key or f"key-{next(_keys)}",
        address_id=address.pk,
        shipping_method=shipping_method,  # None: the cheapest for the address
        payment_method=method,
        **kwargs,
    )
    return order


def staff_member(email: str = "staff@example.com", desks=("fulfilment", "finance")):
    from django.contrib.auth.models import Group

    user = make_user(email, full_name="Stan Staff", is_staff=True)
    for desk in desks:
        user.groups.add(Group.objects.get_or_create(name=f"desk:{desk}")[0])
    return user


D = Decimal
