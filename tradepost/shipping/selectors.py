"""Reads: the shipping options for a destination and a box of goods, shipments, and the desk lists."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Case, DateTimeField, F, Prefetch, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from tradepost.cart.services import MAX_QUANTITY
from tradepost.catalog.models import Product, ProductStatus
from tradepost.core.exceptions import FieldError, NotFound, ValidationFailed
from tradepost.core.prepared import Prepared
from tradepost.orders.models import Order, OrderStatus
from tradepost.policies.schema import StorePolicy
from tradepost.policies.selectors import store_calendar
from tradepost.shipping.calculations import Item, Parcel, Promise, band_price, parcel_for, promise
from tradepost.shipping.models import CarrierService, Rate, Shipment, ShipmentLine, TrackingEvent

STORE_CHOICE = "standard"  # the one option when the store, not the buyer, picks the carrier
FREE = Decimal("0.00")


@dataclass(frozen=True)
class ShippingOption:
    """One way the buyer can have the order sent, priced for this destination and these goods."""

    code: str  # "<carrier>.<service>", or "standard" when the store picks the carrier
    label: str
    carrier: str  # carrier code; blank when the store picks per parcel
    service: str
    cost: Decimal  # what the buyer pays: 0 when the policy ships free
    transit_min_days: int
    transit_max_days: int
    promise: Promise  # if the dispatch clock started now
    incoterm: str
    chargeable_grams: int

    @property
    def free(self) -> bool:
        return self.cost == FREE


@dataclass(frozen=True)
class ShippingQuote:
    country: str
    parcel: Parcel
    options: list[ShippingOption]
    incoterm: str
    problem: str  # why there is no option, when there is none

    def get(self, code: str | None) -> ShippingOption | None:
        return next((option for option in self.options if option.code == code), None)


# Every checkout review and placed order quotes shipping: prepared (core/prepared.py).
_rate_bands = Prepared(
    lambda country: Rate.objects.filter(
        zone__countries__country=country, service__active=True, service__carrier__active=True
    ).values_list("service_id", "max_weight_grams", "price"),
    country="<country>",
)
_services = Prepared(
    lambda ids: CarrierService.objects.filter(pk__in=ids).select_related("carrier"),
    ids=[],
)


def services_active() -> list[CarrierService]:
    """Every service staff can ship with: active, of an active carrier."""
    return list(CarrierService.objects.filter(active=True, carrier__active=True).select_related("carrier"))


def shipping_quote(
    *, policy: StorePolicy, country: str | None, items: Iterable[Item], start: datetime | None = None
) -> ShippingQuote:
    """Every shipping option for the destination: price by chargeable weight, transit and promised dates.

    Buyers who choose their carrier get one option per service that has a fitting rate band for the
    destination's zone; otherwise one "standard" option: the store picks the cheapest fitting service.
    With free shipping every option costs 0; the promised window is the policy's when it sets one.
    """
    shipping = policy.shipping
    incoterm = str(shipping.duties)
    parcel = parcel_for(items)
    country = (country or "").upper()
    if not country:
        return ShippingQuote(country, parcel, [], incoterm, "Choose a shipping address first.")
    # Two queries: every rate band of the destination's zone as plain values (a zone has dozens), then
    # the few services they belong to, with their carriers.
    named = {name.casefold() for name in policy.shipping.carriers}
    bands: dict[int, list[tuple[int, Decimal]]] = {}
    for service_id, max_weight_grams, price in _rate_bands.all(country=country):
        bands.setdefault(service_id, []).append((max_weight_grams, price))
    services: dict[int, CarrierService] = {}
    if bands:
        for service in _services.all(ids=sorted(bands)):
            if named and not {service.carrier.name.casefold(), service.carrier.code.casefold()} & named:
                del bands[service.pk]
                continue
            services[service.pk] = service
    priced: list[tuple[CarrierService, int, Decimal]] = []
    for service in sorted(
        services.values(), key=lambda s: (s.carrier.name, s.transit_min_working_days, s.name)
    ):
        grams = parcel.chargeable_grams(service.volumetric_divisor)
        price = band_price(bands.get(service.pk, []), grams)
        if price is not None:
            priced.append((service, grams, price))
    if not priced:
        if not bands:
            problem = "We do not ship to this country yet."
        else:
            problem = "This order is too heavy for the services that reach this country; split it or ask us."
        return ShippingQuote(country, parcel, [], incoterm, problem)

    calendar = store_calendar(policy)
    start = start or timezone.now()

    def option(code, label, carrier, service, cost, low, high, grams) -> ShippingOption:
        if shipping.delivery_min_working_days is not None and shipping.delivery_max_working_days is not None:
            low, high = shipping.delivery_min_working_days, shipping.delivery_max_working_days
        when = promise(
            calendar,
            start,
            dispatch_min_days=policy.dispatch.min_working_days,
            dispatch_max_days=policy.dispatch.max_working_days,
            transit_min_days=low,
            transit_max_days=high,
        )
        cost = FREE if shipping.free_shipping else cost
        return ShippingOption(code, label, carrier, service, cost, low, high, when, incoterm, grams)

    if shipping.buyer_chooses_carrier:
        options = [
            option(
                s.method_code,
                f"{s.carrier.name} {s.name}",
                s.carrier.code,
                s.code,
                price,
                s.transit_min_working_days,
                s.transit_max_working_days,
                grams,
            )
            for s, grams, price in priced
        ]
        options.sort(key=lambda o: (o.cost, o.transit_max_days, o.label))
    else:
        cheapest = min(priced, key=lambda row: (row[2], row[0].transit_max_working_days))
        label = "Free shipping" if shipping.free_shipping else "Standard shipping"
        options = [
            option(
                STORE_CHOICE,
                f"{label}, carrier chosen by the store",
                "",
                "",
                cheapest[2],
                min(s.transit_min_working_days for s, _, _ in priced),
                max(s.transit_max_working_days for s, _, _ in priced),
                cheapest[1],
            )
        ]
    return ShippingQuote(country, parcel, options, incoterm, "")


def items_for_lines(lines) -> list[Item]:
    """Shipping items from anything with `.product` and `.quantity` (cart lines, order lines)."""
    return [
        Item(
            weight_grams=line.product.weight_grams,
            length_mm=line.product.length_mm,
            width_mm=line.product.width_mm,
            height_mm=line.product.height_mm,
            quantity=line.quantity,
        )
        for line in lines
    ]


def items_for_skus(rows: list[tuple[str, int]]) -> list[Item]:
    """Shipping items for (SKU, quantity) pairs of products on sale (one query); errors name
    `items[i].sku` and `items[i].quantity`."""
    products = {
        p.sku: p
        for p in Product.objects.filter(sku__in={sku for sku, _ in rows}).exclude(
            status=ProductStatus.NOT_FOR_SALE
        )
    }
    errors = []
    for n, (sku, quantity) in enumerate(rows):
        if sku not in products:
            errors.append(FieldError(f"items[{n}].sku", f"No product with SKU {sku!r}.", "product_not_found"))
        if not 1 <= quantity <= MAX_QUANTITY:
            errors.append(
                FieldError(
                    f"items[{n}].quantity", f"Between 1 and {MAX_QUANTITY:,} units.", "invalid_quantity"
                )
            )
    if errors:
        raise ValidationFailed("Some items cannot be quoted.", errors=errors)
    p = products
    return [
        Item(p[sku].weight_grams, p[sku].length_mm, p[sku].width_mm, p[sku].height_mm, quantity)
        for sku, quantity in rows
    ]


# --- Shipments -------------------------------------------------------------------------------------------


def shipments_for_order(order: Order) -> list[Shipment]:
    """The order's parcels, oldest first, with their lines and tracking events (three queries; none when
    the order came with them prefetched)."""
    if "shipments" in getattr(order, "_prefetched_objects_cache", {}):
        return list(order.shipments.all())
    return list(
        Shipment.objects.filter(order=order)
        .select_related("carrier", "service", "shipped_by")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line")),
            Prefetch("events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-id")),
        )
    )


def shipment_for_staff(*, number: str) -> Shipment:
    shipment = None
    if isinstance(number, str) and "\x00" not in number:  # no database stores NUL
        shipment = (
            Shipment.objects.filter(number=number).select_related("carrier", "service", "order").first()
        )
    if shipment is None:
        raise NotFound("No such shipment.", code="shipment_not_found")
    return shipment


SHIPPABLE = (OrderStatus.APPROVED, OrderStatus.PARTIALLY_SHIPPED)
AWAITING_DISPATCH = (
    OrderStatus.PAID,
    OrderStatus.IN_REVIEW,
    OrderStatus.ON_HOLD,
    OrderStatus.APPROVED,
    OrderStatus.PARTIALLY_SHIPPED,
)


def dispatch_queue(
    *, now: datetime | None = None, within: timedelta = timedelta(hours=24)
) -> QuerySet[Order]:
    """Paid orders not fully shipped, earliest dispatch deadline first, each annotated with `clock`:
    "overdue" (deadline passed), "due_soon" (within `within`), "on_time" or "not_started" (no deadline
    yet: awaiting review approval)."""
    now = now or timezone.now()
    return (
        Order.objects.filter(status__in=AWAITING_DISPATCH)
        .select_related("user")
        .annotate(
            clock=Case(
                When(dispatch_due_at__isnull=True, then=Value("not_started")),
                When(dispatch_due_at__lt=now, then=Value("overdue")),
                When(dispatch_due_at__lt=now + within, then=Value("due_soon")),
                default=Value("on_time"),
            )
        )
        .order_by(F("dispatch_due_at").asc(nulls_last=True), "placed_at")
    )


# The lost-parcel suspect list: days without tracking news, by default and at most.
STALE_DAYS_DEFAULT, STALE_DAYS_MIN, STALE_DAYS_MAX = 7, 1, 90


def stale_shipments(*, days: int, now: datetime | None = None) -> QuerySet[Shipment]:
    """Undelivered parcels with no tracking news for `days` days: suspects for a lost-parcel claim."""
    now = now or timezone.now()
    return (
        Shipment.objects.filter(delivered_at__isnull=True)
        .annotate(last_news_at=Coalesce("last_event_at", "shipped_at", output_field=DateTimeField()))
        .filter(last_news_at__lt=now - timedelta(days=days))
        .exclude(order__status=OrderStatus.CANCELLED)
        .select_related("order", "carrier", "service")
        .order_by("last_news_at")
    )


def shipments_recent(*, limit: int = 100) -> QuerySet[Shipment]:
    return Shipment.objects.select_related("order", "carrier", "service").order_by("-shipped_at")[:limit]
