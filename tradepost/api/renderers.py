"""JSON for every API answer: ninja's, with decimals in plain notation."""

from decimal import Decimal

from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


def plain_decimal(value: Decimal) -> str:
    """A decimal in plain notation with its places, as every API answer writes one."""
    return format(value, "f")


class PlainDecimalEncoder(NinjaJSONEncoder):
    """Decimals as strings in plain notation with their places: 0.000000005, never 5E-9 (str() writes a
    value below 10**-6 so), and 0.000000000, never 0E-9. The product list's cards, which the database
    writes, come out the same way (catalog.cards.card_json_by_id)."""

    def default(self, o):
        if isinstance(o, Decimal) and o.is_finite():
            return plain_decimal(o)
        return super().default(o)


class Renderer(JSONRenderer):
    encoder_class = PlainDecimalEncoder
