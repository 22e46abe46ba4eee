"""A starter shipping network: common carriers and services, world zones and rate tables.

`tradepost shipping load-network` (and the demo) load it through the same services staff use; a store
then edits carriers and rates in the back office or replaces the rate tables with a CSV import. Prices
are illustrative list prices in USD, not carrier quotes.
"""

from decimal import Decimal

from django.db import transaction

from tradepost.shipping.models import Carrier, CarrierService, Rate, Zone, ZoneCountry

CARRIERS = [
    # code, name, tracking URL
    ("dhl", "DHL", "https://www.dhl.com/global-en/home/tracking.html?tracking-id={tracking_number}"),
    ("ups", "UPS", "https://www.ups.com/track?tracknum={tracking_number}"),
    ("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={tracking_number}"),
    (
        "hongkong-post",
        "Hong Kong Post",
        "https://www.hongkongpost.hk/en/mail_tracking/index.html?trackcode={tracking_number}",
    ),
]

SERVICES = [
    # carrier, code, name, transit working days (min, max), volumetric divisor, price factor
    ("dhl", "express", "Express Worldwide", 3, 6, 5000, Decimal("1.00")),
    ("ups", "saver", "Worldwide Saver", 3, 7, 5000, Decimal("0.96")),
    ("fedex", "priority", "International Priority", 3, 6, 5000, Decimal("1.04")),
    ("hongkong-post", "air-registered", "Registered Air Mail", 7, 20, 6000, Decimal("0.35")),
]

ZONES = {
    "asia": ("Asia", "CN HK MO TW JP KR SG MY TH VN PH ID IN PK BD LK NP KH LA MM MN"),
    "oceania": ("Oceania", "AU NZ FJ PG"),
    "north-america": ("North America", "US CA MX"),
    "europe": (
        "Europe",
        "GB IE FR DE NL BE LU AT CH IT ES PT DK SE NO FI IS PL CZ SK HU SI HR RO BG GR EE LV LT CY MT"
        " UA RS BA ME MK AL MD TR",
    ),
    "latin-america": ("Latin America", "BR AR CL CO PE VE EC BO PY UY CR PA GT HN SV NI DO JM TT PR"),
    "middle-east-africa": (
        "Middle East and Africa",
        "AE SA QA KW BH OM IL JO LB EG MA DZ TN ZA NG KE GH ET TZ UG",
    ),
}

# Price of the first half kilogram and of each further half kilogram, by zone, before the service factor.
ZONE_PRICES = {
    "asia": (Decimal("18"), Decimal("3.50")),
    "oceania": (Decimal("24"), Decimal("5.00")),
    "north-america": (Decimal("25"), Decimal("5.50")),
    "europe": (Decimal("26"), Decimal("5.50")),
    "latin-america": (Decimal("32"), Decimal("7.00")),
    "middle-east-africa": (Decimal("34"), Decimal("7.50")),
}

BANDS_GRAMS = [500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000, 15000, 20000, 30000]
POSTAL_LIMIT_GRAMS = 2000  # postal air mail takes small parcels only


def band_prices(zone: str, factor: Decimal, *, limit: int | None = None) -> list[tuple[int, Decimal]]:
    first, step = ZONE_PRICES[zone]
    rows = []
    for grams in BANDS_GRAMS:
        if limit is not None and grams > limit:
            break
        halves = grams // 500
        rows.append((grams, ((first + step * (halves - 1)) * factor).quantize(Decimal("0.01"))))
    return rows


@transaction.atomic
def network_load() -> dict[str, int]:
    """Create or update the starter network; existing rows with the same codes are updated, not doubled."""
    carriers = {}
    for code, name, url in CARRIERS:
        carriers[code], _ = Carrier.objects.update_or_create(
            code=code, defaults={"name": name, "tracking_url": url}
        )
    services = []
    for carrier, code, name, low, high, divisor, factor in SERVICES:
        service, _ = CarrierService.objects.update_or_create(
            carrier=carriers[carrier],
            code=code,
            defaults={
                "name": name,
                "transit_min_working_days": low,
                "transit_max_working_days": high,
                "volumetric_divisor": divisor,
            },
        )
        services.append((service, factor, POSTAL_LIMIT_GRAMS if carrier == "hongkong-post" else None))
    zones = {}
    for code, (name, countries) in ZONES.items():
        zones[code], _ = Zone.objects.update_or_create(code=code, defaults={"name": name})
        for country in countries.split():
            ZoneCountry.objects.update_or_create(country=country, defaults={"zone": zones[code]})
    rates = 0
    for service, factor, limit in services:
        for code, zone in zones.items():
            Rate.objects.filter(service=service, zone=zone).delete()
            Rate.objects.bulk_create(
                Rate(service=service, zone=zone, max_weight_grams=grams, price=price)
                for grams, price in band_prices(code, factor, limit=limit)
            )
            rates += len(band_prices(code, factor, limit=limit))
    return {"carriers": len(carriers), "services": len(services), "zones": len(zones), "rates": rates}
