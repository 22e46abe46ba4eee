"""Synthetic demo catalogs for the presets: real-looking parts, deterministic per seed, written in bulk.

`components` makes resistors, capacitors, regulators, microcontrollers, diodes, transistors, timers,
connectors and (customizable) cable assemblies; `wholesale` and `direct` make phones, phone batteries and
accessories, MP3/MP4 players and general goods in categories mapped to the wholesale warranty classes.
The first products are fixed "anchor" parts (LM317T, STM32F103C8T6, NE555P...) that demos and tests search.
Part numbers follow the manufacturers' real schemes but are generated, so most are not real products.
"""

import csv
import functools
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.utils.text import slugify

from tradepost.catalog.exports import clean_product_row
from tradepost.catalog.imports import COLUMNS, SPEC_SEPARATOR, SPEC_VALUE_SEPARATOR, ProductBatchWriter
from tradepost.catalog.models import Category, ProductStatus, SpecAttribute
from tradepost.catalog.normalize import normalize_part_number
from tradepost.catalog.services import category_create, spec_attribute_create
from tradepost.catalog.validation import CleanProduct, parse_spec_number
from tradepost.core.exceptions import ApplicationError, ValidationFailed
from tradepost.policies.loading import load_preset

PRESETS = ("components", "wholesale", "direct")
SKU_PREFIX = {"components": "TPC", "wholesale": "TPW", "direct": "TPD"}
NUMBER, TEXT = SpecAttribute.Kind.NUMBER, SpecAttribute.Kind.TEXT
IMAGE_HOST = "https://img.example.com"
DATASHEET_HOST = "https://datasheets.example.com"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CategorySeed:
    slug: str
    name: str
    parent: str = ""
    warranty_class: str = ""
    customizable: bool = False


@dataclass(slots=True)
class Part:
    """One generated product before its SKU, stock, status and price breaks are drawn."""

    manufacturer: str
    mpn: str
    category: str
    title: str
    specs: dict[str, str]
    price: Decimal  # unit price at the first quantity
    hs_code: str = ""  # blank: the category's
    weight_grams: int = 1
    quantities: tuple[int, ...] = ()  # empty: the plan's
    moq: int = 1
    order_multiple: int = 1
    stock: int | None = None  # anchors only; others draw it


@dataclass(frozen=True)
class Plan:
    categories: tuple[CategorySeed, ...]
    attributes: list[tuple[str, ...]]  # key, name, kind, unit
    hs_codes: dict[str, str]  # by category slug
    anchors: tuple[Part, ...]
    families: tuple[tuple[Callable[[random.Random], Part], int], ...]  # maker, weight
    quantities: tuple[int, ...]  # of the price breaks, unless a part has its own
    multipliers: tuple[int, ...]  # each break's price, per mille of the first's


# --- Public API ---------------------------------------------------------------------------------------------


def catalog_taxonomy_ensure(*, preset: str) -> tuple[dict[str, Category], dict[str, SpecAttribute]]:
    """Create the preset's demo categories and spec attributes where missing; returns both by slug and key."""
    plan = _plan(preset)
    with transaction.atomic():
        categories = {c.slug: c for c in Category.objects.filter(slug__in=[s.slug for s in plan.categories])}
        for position, seed in enumerate(plan.categories):
            if seed.slug not in categories:
                categories[seed.slug] = category_create(
                    name=seed.name,
                    slug=seed.slug,
                    parent=categories[seed.parent] if seed.parent else None,
                    warranty_class=seed.warranty_class,
                    customizable=seed.customizable,
                    position=position,
                )
        attributes = {
            key: spec_attribute_create(key=key, name=name, kind=kind, unit=unit, position=position)
            for position, (key, name, kind, unit) in enumerate(plan.attributes)
        }
    return categories, attributes


def catalog_generate(
    *, parts: int, preset: str, seed: int = 1, progress: Progress | None = None, batch_size: int = 1000
) -> int:
    """Create or refresh `parts` demo products and their taxonomy in batches; returns the count.

    SKUs are numbered (TPC-0000001...), so running it again rewrites the same products: safe to retry.
    """
    categories, attributes = catalog_taxonomy_ensure(preset=preset)
    writer = ProductBatchWriter(attributes=attributes)
    written = 0
    products = enumerate(generate_products(parts=parts, preset=preset, seed=seed, categories=categories))
    while batch := list(itertools.islice(products, batch_size)):
        outcome = writer.write(batch)
        if outcome.failures:
            row, message = outcome.failures[0]
            raise ApplicationError(
                f"Generated part {row + 1} was not saved: {message}", code="generate_failed"
            )
        written += len(batch)
        if progress:
            progress(written, parts)
    return written


def generate_csv(
    *, parts: int, preset: str, seed: int = 1, target: TextIO, progress: Progress | None = None
) -> int:
    """Write `parts` demo products as an import CSV, touching no database; returns the count.

    Importing it needs the preset's categories and spec attributes: `catalog_taxonomy_ensure(preset=...)`.
    """
    categories = {seed.slug: Category(slug=seed.slug, name=seed.name) for seed in _plan(preset).categories}
    writer = csv.writer(target)
    writer.writerow(COLUMNS)
    written = 0
    for clean in generate_products(parts=parts, preset=preset, seed=seed, categories=categories):
        writer.writerow(clean_product_row(clean))
        written += 1
        if progress and written % 10_000 == 0:
            progress(written, parts)
    if progress:
        progress(written, parts)
    return written


def generate_products(
    *, parts: int, preset: str, seed: int, categories: dict[str, Category]
) -> Iterator[CleanProduct]:
    """The demo products one at a time, so memory stays flat; the same seed gives the same products."""
    plan = _plan(preset)
    if parts < 0:
        raise ValidationFailed("The number of parts can't be negative.", field="parts")
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    makers = [maker for maker, _ in plan.families]
    cumulative = list(itertools.accumulate(weight for _, weight in plan.families))
    number_keys = {key for key, _, kind, _ in plan.attributes if kind == NUMBER}
    position = {key: n for n, (key, *_) in enumerate(plan.attributes)}  # specs in the export's order
    numbers: dict[str, Decimal] = {}
    slugs: dict[str, str] = {}
    prefix = SKU_PREFIX[preset]
    for index in range(parts):
        anchor = index < len(plan.anchors)
        part = plan.anchors[index] if anchor else rng.choices(makers, cum_weights=cumulative)[0](rng)
        sku = f"{prefix}-{index + 1:07d}"
        specs = {}
        for key in sorted(part.specs, key=position.__getitem__):
            text = part.specs[key]
            number = None
            if key in number_keys:
                number = numbers.get(text)
                if number is None:
                    number = numbers[text] = parse_spec_number(text)
            specs[key] = (text, number)
        status = ProductStatus.ACTIVE
        if anchor:
            stock = part.stock or 0
        else:
            stock = 0 if rng.random() < 0.12 else int(10 ** rng.uniform(1, 5.3)) // part.order_multiple
            stock *= part.order_multiple
            roll = rng.random()
            if roll < 0.025:
                status = ProductStatus.DISCONTINUED if roll < 0.02 else ProductStatus.NOT_FOR_SALE
        if part.manufacturer not in slugs:
            slugs[part.manufacturer] = slugify(part.manufacturer)
        mpn_normalized = normalize_part_number(part.mpn)
        images = [f"{IMAGE_HOST}/{preset}/{sku.lower()}-1.jpg"]
        if not anchor and rng.random() < 0.3:
            images.append(f"{IMAGE_HOST}/{preset}/{sku.lower()}-2.jpg")
        countries = COUNTRIES.get(part.manufacturer, ("CN",))
        yield CleanProduct(
            sku=sku,
            mpn=part.mpn,
            mpn_normalized=mpn_normalized,
            manufacturer=part.manufacturer,
            category=categories[part.category],
            title=part.title,
            description=f"{part.title}. Manufacturer part number {part.mpn}.",
            datasheet_url=f"{DATASHEET_HOST}/{slugs[part.manufacturer]}/{mpn_normalized.lower()}.pdf",
            weight_grams=part.weight_grams,
            hs_code=part.hs_code or plan.hs_codes[part.category],
            country_of_origin=countries[0] if anchor else rng.choice(countries),
            stock=stock,
            moq=part.moq,
            order_multiple=part.order_multiple,
            status=status,
            price_breaks=_breaks(
                part.price, part.quantities or plan.quantities, plan.multipliers, rng, anchor
            ),
            specs=specs,
            images=images,
        )


def _breaks(
    price: Decimal,
    quantities: tuple[int, ...],
    multipliers: tuple[int, ...],
    rng: random.Random,
    anchor: bool,
) -> list[tuple[int, Decimal]]:
    """Falling unit prices for the quantities; anchors get the same prices whatever the seed."""
    # Whole hundredths of a cent: integer arithmetic is several times faster than Decimal here.
    units = int(price.scaleb(4))
    breaks, previous = [], units
    for quantity, per_mille in zip(quantities, multipliers, strict=False):
        jitter = 100 if anchor or not breaks else rng.randint(95, 105)
        price = min(max(units * per_mille * jitter // 100_000, 1), previous)
        breaks.append((quantity, Decimal(price).scaleb(-4)))
        previous = price
    return breaks


@functools.cache
def _plan(preset: str) -> Plan:
    if preset == "components":
        return _components_plan()
    if preset in PRESETS:
        return _goods_plan()
    raise ValidationFailed(
        f"Unknown preset '{preset}'; choose one of {', '.join(PRESETS)}.",
        field="preset",
        code="unknown_preset",
    )


# --- Helpers ------------------------------------------------------------------------------------------------


def _table(text: str) -> list[tuple[str, ...]]:
    """Rows of a `|`-separated table written as a string, cells stripped."""
    return [tuple(cell.strip() for cell in line.split("|")) for line in text.strip().splitlines()]


_SI = tuple(
    (Decimal(scale), prefix)
    for scale, prefix in (("1e9", "G"), ("1e6", "M"), ("1e3", "k"), ("1", ""), ("1e-3", "m"), ("1e-6", "µ"),
                          ("1e-9", "n"), ("1e-12", "p"))
)  # fmt: skip
COUNTRIES = {row[0]: tuple(row[1].split()) for row in _table("""
    Yageo                       | TW CN
    Vishay                      | IL CZ CN
    Panasonic                   | JP MY
    KOA Speer                   | JP MY
    Samsung Electro-Mechanics   | KR PH CN
    Murata                      | JP CN TH
    TDK                         | JP CN
    KEMET                       | MX CN
    Texas Instruments           | MY PH CN MX US
    Microchip                   | TH PH TW
    STMicroelectronics          | MA PH MY CN
    onsemi                      | MY PH CN VN
    Advanced Monolithic Systems | TW CN
    Diodes Incorporated         | CN TW
    Nexperia                    | CN PH MY
    Infineon                    | MY DE AT
    Littelfuse                  | CN PH
    TE Connectivity             | CN US DE MX
    Molex                       | CN MY US
    JST                         | JP CN
    Samtec                      | US MY
    Würth Elektronik            | DE CN
    Raspberry Pi                | TW
    Renesas                     | JP MY
    Sony                        | MY CN
""")}  # fmt: skip


def _spec_text(text: str) -> dict[str, str]:
    """`package=0603;power=0.1W`, the import's spec format, as a dict."""
    pairs = (item.split(SPEC_VALUE_SEPARATOR, 1) for item in text.split(SPEC_SEPARATOR) if item)
    return {key.strip(): value.strip() for key, value in pairs}


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _si(value: Decimal, unit: str) -> str:
    """10000, "Ω" -> "10kΩ"; 0.0000047, "F" -> "4.7µF"."""
    scale, prefix = next(((s, p) for s, p in _SI if abs(value) >= s), _SI[-1])
    return f"{_plain(value / scale)}{prefix}{unit}"


def _code(value: Decimal, digits: int) -> str:
    """Significant digits then a power of ten, R for a decimal point: 10k -> "103" or "1002", 4.7 -> "4R7"."""
    _, figures, exponent = value.normalize().as_tuple()
    whole = len(figures) + exponent
    significant = "".join(map(str, figures)).ljust(digits, "0")[:digits]
    if whole >= digits:
        return significant + str(whole - digits)
    return significant[:whole] + "R" + significant[whole:]


def _rkm(ohms: Decimal, width: int = 0) -> str:
    """4700 -> "4K7", 10000 -> "10K", 100 -> "100R"; `width` pads with zeros: "4K70", "10K0"."""
    scale, letter = (10**6, "M") if ohms >= 10**6 else (1000, "K") if ohms >= 1000 else (1, "R")
    whole, _, fraction = _plain(ohms / scale).partition(".")
    return (whole + letter + fraction).ljust(width, "0")


def _usd(rng: random.Random, low: str, high: str) -> Decimal:
    """A price between two amounts, in whole hundredths of a cent."""
    return Decimal(rng.randint(*_hundredths(low, high))).scaleb(-4)


@functools.cache
def _hundredths(*amounts: str) -> tuple[int, ...]:
    return tuple(int(Decimal(amount).scaleb(4)) for amount in amounts)


# --- Components ---------------------------------------------------------------------------------------------

_E24 = tuple(Decimal(n) / 10 for n in (10, 11, 12, 13, 15, 16, 18, 20, 22, 24, 27, 30, 33, 36, 39, 43, 47, 51,
                                        56, 62, 68, 75, 82, 91))  # fmt: skip
_E6 = tuple(map(Decimal, ("1.0", "1.5", "2.2", "3.3", "4.7", "6.8")))
# package | power | Panasonic size | metric size | KOA size | reel
_RESISTOR_PACKAGES = {row[0]: row[1:] for row in _table("""
    0402 | 0.063W | 2 | 1005 | 1E | 10000
    0603 | 0.1W   | 3 | 1608 | 1J | 5000
    0805 | 0.125W | 6 | 2012 | 2A | 5000
    1206 | 0.25W  | 8 | 3216 | 2B | 5000
""")}  # fmt: skip
# package | Murata size | Samsung size | metric size | TDK thickness | reel
_CAPACITOR_PACKAGES = {row[0]: row[1:] for row in _table("""
    0402 | 155 | 05 | 1005 | 050 | 10000
    0603 | 188 | 10 | 1608 | 080 | 4000
    0805 | 21B | 21 | 2012 | 125 | 4000
    1206 | 31M | 31 | 3216 | 160 | 3000
""")}  # fmt: skip
# dielectric codes of Murata, Samsung, KEMET, Yageo; voltage codes of Murata and TDK, Samsung, KEMET, Yageo
_DIELECTRICS = {
    "X7R": ("R7", "B", "R", "X7R"),
    "X5R": ("R6", "A", "P", "X5R"),
    "C0G": ("5C", "C", "G", "NPO"),
}
_VOLTAGES = {row[0]: row[1:] for row in _table("""
    6.3V | 0J | Q | 9 | 5
    10V  | 1A | P | 8 | 6
    16V  | 1C | O | 4 | 7
    25V  | 1E | A | 3 | 8
    50V  | 1H | B | 5 | 9
    100V | 2A | C | 1 | 0
""")}  # fmt: skip


def _reel(part: Part, rng: random.Random, reel: int) -> Part:
    """Make one passive in five a full-reel SKU: MOQ and multiple of one reel, at a fifth of the price."""
    if rng.random() < 0.2:
        part.moq = part.order_multiple = reel
        part.quantities = (reel, 2 * reel, 5 * reel)
        part.price = max(part.price / 5, Decimal("0.0001")).quantize(Decimal("0.0001"))
        part.title = f"{part.title}, reel of {reel:,}"
    return part


def _resistor(rng: random.Random) -> Part:
    ohms = rng.choice(_E24) * 10 ** rng.randint(0, 6)
    package = rng.choice(tuple(_RESISTOR_PACKAGES))
    power, panasonic, metric, koa, reel = _RESISTOR_PACKAGES[package]
    precise = rng.random() < 0.7
    grade, tolerance = ("F", "1%") if precise else ("J", "5%")
    manufacturer, mpn = rng.choice(
        (
            ("Yageo", f"RC{package}{grade}R-07{_rkm(ohms)}L"),
            ("Vishay", f"CRCW{package}{_rkm(ohms, 4)}{grade}KEA"),
            (
                "Panasonic",
                f"ERJ-{panasonic}{'EKF' + _code(ohms, 3) if precise else 'GEYJ' + _code(ohms, 2)}V",
            ),
            ("Samsung Electro-Mechanics", f"RC{metric}{grade}{_code(ohms, 2)}CS"),
            ("KOA Speer", f"RK73{'H' if precise else 'B'}{koa}TTD{_code(ohms, 3 if precise else 2)}{grade}"),
        )
    )
    resistance = _si(ohms, "Ω")
    title = f"{resistance} ±{tolerance} {power} {package} thick film chip resistor"
    specs = {"resistance": resistance, "tolerance": tolerance, "power": power, "package": package}
    return _reel(
        Part(manufacturer, mpn, "resistors", title, specs, _usd(rng, "0.01", "0.12")), rng, int(reel)
    )


def _capacitor(rng: random.Random) -> Part:
    exponent = rng.randint(1, 7)
    picofarads = rng.choice(_E6) * 10**exponent  # 10 pF to 68 µF
    if exponent <= 2:
        dielectric, volts = "C0G", rng.choice(("25V", "50V", "100V"))
    elif exponent <= 5:
        dielectric, volts = "X7R", rng.choice(("16V", "25V", "50V", "100V"))
    else:
        dielectric, volts = "X5R", rng.choice(("6.3V", "10V", "16V", "25V"))
    package = rng.choice(("0402", "0603") if exponent < 6 else ("0603", "0805", "1206"))
    murata, samsung, metric, thickness, reel = _CAPACITOR_PACKAGES[package]
    d_murata, d_samsung, d_kemet, d_yageo = _DIELECTRICS[dielectric]
    v_murata, v_samsung, v_kemet, v_yageo = _VOLTAGES[volts]
    grade, tolerance = ("J", "5%") if dielectric == "C0G" else ("K", "10%")
    code = _code(picofarads, 2)
    manufacturer, mpn = rng.choice(
        (
            ("Murata", f"GRM{murata}{d_murata}{v_murata}{code}{grade}A{rng.choice(('93', '01', '12'))}D"),
            (
                "Samsung Electro-Mechanics",
                f"CL{samsung}{d_samsung}{code}{grade}{v_samsung}{rng.choice('58')}NNNC",
            ),
            ("TDK", f"C{metric}{dielectric}{v_murata}{code}{grade}{thickness}AA"),
            ("KEMET", f"C{package}C{code}{grade}{v_kemet}{d_kemet}ACTU"),
            ("Yageo", f"CC{package}{grade}R{d_yageo}{v_yageo}BB{code}"),
        )
    )
    capacitance = _si(picofarads.scaleb(-12), "F")
    title = f"{capacitance} {volts} {dielectric} ±{tolerance} {package} multilayer ceramic capacitor"
    specs = {"capacitance": capacitance, "voltage": volts, "dielectric": dielectric, "tolerance": tolerance,
             "package": package}  # fmt: skip
    return _reel(
        Part(manufacturer, mpn, "capacitors", title, specs, _usd(rng, "0.01", "0.45")), rng, int(reel)
    )


# manufacturer | MPN ({a}, {b}: digits, {v}: voltage code) | package | type | output current |
# max. input voltage | volts per unit of the code | voltage codes
_REGULATORS = _table("""
    Texas Instruments   | TLV7{a}{b}{v}PDBVR    | SOT-23-5 | LDO       | 200mA | 5.5V | 0.1 | 12 18 25 33 50
    Microchip           | MCP17{a}{b}-{v}02E/TT | SOT-23-3 | LDO       | 250mA | 6V   | 0.1 | 12 18 25 33 50
    Diodes Incorporated | AP21{a}{b}K-{v}TRG1   | SOT-23-5 | LDO       | 600mA | 6V   | 1   | 1.2 1.8 2.5 3.3
    STMicroelectronics  | LD1117S{v}TR          | SOT-223  | LDO       | 800mA | 15V  | 0.1 | 12 18 25 33 50
    onsemi              | NCP1117ST{v}T3G       | SOT-223  | LDO       | 1A    | 20V  | 0.1 | 15 18 25 33 50
    onsemi              | LM78{v}CT             | TO-220   | Linear    | 1A    | 35V  | 1   | 05 09 12 15 24
    STMicroelectronics  | L79{v}CV              | TO-220   | Linear    | 1.5A  | 35V  | -1  | 05 08 12 15
    Texas Instruments   | LM2596S-{v}/NOPB      | TO-263-5 | Switching | 3A    | 40V  | 1   | 3.3 5.0 12
    Advanced Monolithic Systems | AMS1117-{v} | SOT-223 | LDO | 1A | 15V | 1 | 1.2 1.5 1.8 2.5 3.3
""")  # fmt: skip


def _regulator(rng: random.Random) -> Part:
    manufacturer, pattern, package, kind, current, vin, scale, codes = rng.choice(_REGULATORS)
    code = rng.choice(codes.split())
    volts = f"{_plain(Decimal(code) * Decimal(scale))}V"
    return Part(
        manufacturer,
        pattern.format(a=rng.randint(0, 9), b=rng.randint(0, 9), v=code),
        "voltage-regulators",
        f"{kind} voltage regulator {volts} {current} {package}",
        {"output_voltage": volts, "output_current": current, "input_voltage_max": vin, "regulator_type": kind,
         "package": package},
        _usd(rng, "0.15", "2.80"),
        weight_grams=2 if package.startswith("TO") else 1,
    )  # fmt: skip


# series | lines | core | frequency
_STM32 = _table("""
    F0 | 30 31 42 72 | ARM Cortex-M0  | 48MHz
    F1 | 01 03 05    | ARM Cortex-M3  | 72MHz
    F4 | 01 05 11 46 | ARM Cortex-M4  | 100MHz
    G0 | 30 71 B1    | ARM Cortex-M0+ | 64MHz
    G4 | 31 74       | ARM Cortex-M4  | 170MHz
    L4 | 32 76       | ARM Cortex-M4  | 80MHz
    H7 | 43 50       | ARM Cortex-M7  | 480MHz
""")  # fmt: skip
_STM32_PINS = {"F": 20, "G": 28, "K": 32, "C": 48, "R": 64, "V": 100, "Z": 144}
_STM32_FLASH = {
    "4": "16KB",
    "6": "32KB",
    "8": "64KB",
    "B": "128KB",
    "C": "256KB",
    "E": "512KB",
    "G": "1024KB",
}
# MPN | flash | packages (suffix:package)
_AVR = _table("""
    ATMEGA328P  | 32KB  | PU:PDIP-28 AU:TQFP-32 MU:QFN-32
    ATMEGA328PB | 32KB  | AU:TQFP-32 MU:QFN-32
    ATMEGA168PA | 16KB  | PU:PDIP-28 AU:TQFP-32
    ATMEGA644PA | 64KB  | PU:PDIP-40 AU:TQFP-44
    ATMEGA1284P | 128KB | PU:PDIP-40 AU:TQFP-44
    ATMEGA2560  | 256KB | 16AU:TQFP-100
    ATTINY85    | 8KB   | 20PU:PDIP-8 20SU:SOIC-8
    ATTINY1614  | 16KB  | SSNR:SOIC-14
""")  # fmt: skip
# manufacturer | MPN | core | frequency | flash | package | pins | price range
_MODULES = _table("""
    Espressif    | ESP32-WROOM-32E-N8     | Xtensa LX6     | 240MHz | 8MB  | Module | 38 | 3.00 4.20
    Espressif    | ESP32-S3-WROOM-1-N8R2  | Xtensa LX7     | 240MHz | 8MB  | Module | 41 | 3.40 4.60
    Espressif    | ESP32-S3-WROOM-1-N16R8 | Xtensa LX7     | 240MHz | 16MB | Module | 41 | 4.80 6.20
    Espressif    | ESP32-C3-MINI-1-N4     | RISC-V         | 160MHz | 4MB  | Module | 53 | 1.80 2.60
    Espressif    | ESP32-C6-WROOM-1-N8    | RISC-V         | 160MHz | 8MB  | Module | 28 | 2.60 3.40
    Raspberry Pi | RP2040                 | ARM Cortex-M0+ | 133MHz |      | QFN-56 | 56 | 0.70 1.10
    Raspberry Pi | RP2350A                | ARM Cortex-M33 | 150MHz |      | QFN-60 | 60 | 0.80 1.30
""")  # fmt: skip


def _microcontroller(rng: random.Random) -> Part:
    kind = rng.random()
    if kind < 0.55:
        series, lines, core, frequency = rng.choice(_STM32)
        pin_code, flash_code = rng.choice(tuple(_STM32_PINS)), rng.choice(tuple(_STM32_FLASH))
        pins, flash = _STM32_PINS[pin_code], _STM32_FLASH[flash_code]
        code, package = ("P", "TSSOP") if pins == 20 else rng.choice((("T", "LQFP"), ("U", "UFQFPN")))
        mpn = f"STM32{series}{rng.choice(lines.split())}{pin_code}{flash_code}{code}{rng.choice('67')}"
        manufacturer, package, price = "STMicroelectronics", f"{package}-{pins}", _usd(rng, "0.90", "12.00")
    elif kind < 0.85:
        base, flash, packages = rng.choice(_AVR)
        suffix, package = rng.choice(packages.split()).split(":")
        manufacturer, mpn, core, frequency = "Microchip", f"{base}-{suffix}", "AVR 8-bit", "20MHz"
        pins, price = int(package.rsplit("-", 1)[1]), _usd(rng, "0.60", "9.50")
    else:
        manufacturer, mpn, core, frequency, flash, package, pins, prices = rng.choice(_MODULES)
        price = _usd(rng, *prices.split())
    return _mcu(manufacturer, mpn, core, frequency, flash, package, pins, price)


def _mcu(manufacturer, mpn, core, frequency, flash, package, pins, price, stock=None) -> Part:
    specs = {"core": core, "frequency": frequency, "flash": flash, "pins": str(pins), "package": package}
    if not flash:
        del specs["flash"]  # flash is external
    title = f"{core} microcontroller {frequency}{f' {flash} flash' if flash else ''} {package}"
    weight = 3 if package == "Module" else 1
    return Part(manufacturer, mpn, "microcontrollers", title, specs, price, weight_grams=weight,
                quantities=(1, 10, 100, 500), stock=stock)  # fmt: skip


# manufacturer | MPN | type | voltage | current | package | price range
_DISCRETES = _table("""
    onsemi                      | 1N4148           | Switching diode  | 100V  | 200mA | DO-35    | 0.02 0.06
    Diodes Incorporated         | 1N4148W-7-F      | Switching diode  | 75V   | 150mA | SOD-123  | 0.02 0.06
    Nexperia                    | BAT54S,215       | Schottky diode   | 30V   | 200mA | SOT-23   | 0.03 0.10
    onsemi                      | 2N2222A          | NPN              | 40V   | 800mA | TO-18    | 0.20 0.60
    onsemi                      | 2N3904BU         | NPN              | 40V   | 200mA | TO-92    | 0.03 0.12
    onsemi                      | 2N3906BU         | PNP              | 40V   | 200mA | TO-92    | 0.03 0.12
    onsemi                      | BC547BTA         | NPN              | 45V   | 100mA | TO-92    | 0.03 0.10
    onsemi                      | MMBT3904LT1G     | NPN              | 40V   | 200mA | SOT-23   | 0.02 0.08
    Infineon                    | IRLZ44NPBF       | N-channel MOSFET | 55V   | 47A   | TO-220   | 0.80 1.90
    Infineon                    | IRF540NPBF       | N-channel MOSFET | 100V  | 33A   | TO-220   | 0.70 1.60
    onsemi                      | BSS138           | N-channel MOSFET | 50V   | 220mA | SOT-23   | 0.03 0.12
    Vishay                      | SI2302CDS-T1-GE3 | N-channel MOSFET | 20V   | 2.6A  | SOT-23   | 0.08 0.30
    STMicroelectronics          | TIP120           | NPN Darlington   | 60V   | 5A    | TO-220   | 0.30 0.80
""")  # fmt: skip


def _discrete(rng: random.Random) -> Part:
    """Diodes and transistors: catalog classics, rectifier, Schottky, Zener and TVS series, MOSFET ranges."""
    kind = rng.randrange(6)
    if kind == 0:
        manufacturer, mpn, device, volts, current, package, prices = rng.choice(_DISCRETES)
        low, high = prices.split()
    elif kind == 1:
        n = rng.randint(1, 7)
        volts = ("50V", "100V", "200V", "400V", "600V", "800V", "1000V")[n - 1]
        manufacturer, mpn = rng.choice(("onsemi", "Diodes Incorporated", "Vishay")), f"1N400{n}"
        device, current, package, low, high = "Rectifier diode", "1A", "DO-41", "0.02", "0.08"
    elif kind == 2:
        amps, tens = rng.randint(1, 5), rng.randint(2, 10)
        manufacturer, mpn = rng.choice(("Vishay", "onsemi", "Diodes Incorporated")), f"SS{amps}{tens}"
        device, volts, current, package, low, high = (
            "Schottky diode",
            f"{tens}0V",
            f"{amps}A",
            "DO-214AC",
            "0.04",
            "0.25",
        )
    elif kind == 3:
        zener = rng.choice(("2V4", "3V3", "3V6", "4V7", "5V1", "5V6", "6V2", "9V1", "12", "15", "24"))
        manufacturer, mpn, device, volts = (
            "onsemi",
            f"BZX84C{zener}LT1G",
            "Zener diode",
            f"{zener.replace('V', '.')}V",
        )
        current, package, low, high = "", "SOT-23", "0.02", "0.09"
    elif kind == 4:
        size, package = rng.choice((("SMAJ", "DO-214AC"), ("SMBJ", "DO-214AA"), ("SMCJ", "DO-214AB")))
        volts = rng.choice(("5.0", "6.0", "12", "15", "18", "24", "33", "48"))
        manufacturer, mpn = rng.choice(("Littelfuse", "Bourns")), f"{size}{volts}A"
        device, volts, current, low, high = "TVS diode", f"{volts}V", "", "0.08", "0.45"
    else:
        channel, rds = rng.choice("NP"), rng.randint(12, 95)
        manufacturer, mpn = "Nexperia", f"PMV{rds}{rng.choice('EXU')}{channel}"
        device, package, low, high = f"{channel}-channel MOSFET", "SOT-23", "0.04", "0.30"
        volts, current = rng.choice(("20V", "30V", "60V")), f"{round(60 / rds, 1)}A"
    diode = device.endswith("diode")
    specs = {"diode_type" if diode else "transistor_type": device.removesuffix(" diode"), "voltage": volts,
             "package": package}  # fmt: skip
    if current:
        specs["current"] = current
    title = f"{device} {volts}{f' {current}' if current else ''} {package}"
    hs_code = "854110" if diode else "854129" if package.startswith("TO-220") else "854121"
    category = "diodes" if diode else "transistors"
    return Part(manufacturer, mpn, category, title, specs, _usd(rng, low, high), hs_code=hs_code)


_TIMERS = _table("""
    Texas Instruments  | NE555DR      | SOIC-8  | Single | 16V
    Texas Instruments  | LM555CN/NOPB | PDIP-8  | Single | 16V
    Texas Instruments  | TLC555CP     | PDIP-8  | Single | 15V
    Texas Instruments  | TLC555IDR    | SOIC-8  | Single | 15V
    Texas Instruments  | NE556N       | PDIP-14 | Dual   | 16V
    Renesas            | ICM7555IPAZ  | PDIP-8  | Single | 18V
    STMicroelectronics | TS555IDT     | SOIC-8  | Single | 16V
""")  # fmt: skip


def _timer(rng: random.Random) -> Part:
    manufacturer, mpn, package, kind, supply = rng.choice(_TIMERS)
    specs = {"timer_type": kind, "supply_voltage": supply, "package": package}
    return Part(manufacturer, mpn, "timers", f"{kind} 555 timer {package}", specs, _usd(rng, "0.25", "1.40"))


# manufacturer | MPN ({n}: positions) | series | pitch | mounting | positions
_CONNECTORS = _table("""
    TE Connectivity  | 640456-{n}                | MTA-100          | 2.54mm | Through hole | 2 12
    TE Connectivity  | 282834-{n}                | Terminal block   | 2.54mm | Through hole | 2 12
    Molex            | 22-23-2{n:02d}1           | KK 254           | 2.54mm | Through hole | 2 12
    JST              | B{n}B-XH-A(LF)(SN)        | XH               | 2.50mm | Through hole | 2 16
    JST              | S{n}B-PH-K-S(LF)(SN)      | PH               | 2.00mm | Right angle  | 2 16
    JST              | SM{n:02d}B-SRSS-TB(LF)(SN) | SH              | 1.00mm | SMD          | 2 20
    Samtec           | TSW-1{n:02d}-07-G-S       | TSW              | 2.54mm | Through hole | 2 40
    Würth Elektronik | 613{n:03d}11121           | WR-PHD           | 2.54mm | Through hole | 2 40
    Amphenol         | 10118194-0001LF           | Micro-USB B      | 0.65mm | SMD          | 5 5
""")  # fmt: skip


def _connector(rng: random.Random) -> Part:
    manufacturer, pattern, series, pitch, mounting, limits = rng.choice(_CONNECTORS)
    positions = rng.randint(*map(int, limits.split()))
    tens = rng.random() < 0.3
    return Part(
        manufacturer,
        pattern.format(n=positions),
        "connectors",
        f"{series} connector, {positions} positions, {pitch} pitch, {mounting.lower()}",
        {"positions": str(positions), "pitch": pitch, "mounting": mounting, "series": series},
        _usd(rng, "0.08", "0.12") * positions,
        weight_grams=1 + positions // 8,
        moq=10 if tens else 1,
        order_multiple=10 if tens else 1,
        quantities=(10, 100, 500, 1000) if tens else (1, 10, 100, 1000),
    )


def _cable_assembly(rng: random.Random) -> Part:
    positions, length = rng.randint(2, 12), rng.choice((50, 100, 150, 200, 300, 500, 1000))
    manufacturer, mpn, series, pitch = rng.choice(
        (
            ("Molex", f"15134-{positions:02d}{length // 50:02d}", "Pico-Lock", "1.50mm"),
            ("JST", f"A{positions:02d}XH-{length}MM", "XH", "2.50mm"),
            (
                "Samtec",
                f"FFSD-{positions:02d}-D-{Decimal(length) / Decimal('25.4'):05.2f}-01-N",
                "FFSD",
                "1.27mm",
            ),
        )
    )
    return Part(
        manufacturer,
        mpn,
        "cable-assemblies",
        f"{series} cable assembly, {positions} positions, {length} mm (other lengths made to order)",
        {"positions": str(positions), "pitch": pitch, "length": f"{length}mm", "series": series},
        _usd(rng, "1.20", "14.00"),
        weight_grams=5 + length // 25,
        quantities=(1, 10, 50, 100),
    )


def _anchor(
    manufacturer: str, mpn: str, category: str, price: str, stock: int, title: str, specs: str, **more
):
    return Part(manufacturer, mpn, category, title, _spec_text(specs), Decimal(price), stock=stock, **more)


_COMPONENT_ANCHORS = (
    _anchor("Texas Instruments", "LM317T", "voltage-regulators", "0.62", 25_000,
            "Adjustable voltage regulator 1.2V to 37V 1.5A TO-220", weight_grams=2,
            specs="output_current=1.5A;input_voltage_max=40V;regulator_type=Adjustable;package=TO-220"),
    _anchor("Texas Instruments", "LM317LZ", "voltage-regulators", "0.38", 18_000,
            "Adjustable voltage regulator 1.2V to 37V 100mA TO-92",
            specs="output_current=100mA;input_voltage_max=40V;regulator_type=Adjustable;package=TO-92"),
    _mcu("STMicroelectronics", "STM32F103C8T6", "ARM Cortex-M3", "72MHz", "64KB", "LQFP-48", 48,
         Decimal("2.95"), stock=9_600),
    _anchor("Texas Instruments", "NE555P", "timers", "0.41", 40_000, "Single 555 timer PDIP-8",
            specs="timer_type=Single;supply_voltage=16V;package=PDIP-8"),
    _mcu("Microchip", "ATMEGA328P-PU", "AVR 8-bit", "20MHz", "32KB", "PDIP-28", 28, Decimal("2.58"),
         stock=7_200),
    _mcu("Espressif", "ESP32-WROOM-32E", "Xtensa LX6", "240MHz", "4MB", "Module", 38, Decimal("3.10"),
         stock=12_500),
    _anchor("Advanced Monolithic Systems", "AMS1117-3.3", "voltage-regulators", "0.12", 150_000,
            "LDO voltage regulator 3.3V 1A SOT-223",
            specs="output_voltage=3.3V;output_current=1A;input_voltage_max=15V;regulator_type=LDO;package=SOT-223"),
    _anchor("onsemi", "LM7805CT", "voltage-regulators", "0.45", 0, "Linear voltage regulator 5V 1A TO-220",
            specs="output_voltage=5V;output_current=1A;input_voltage_max=35V;regulator_type=Linear;package=TO-220",
            weight_grams=2),
    _anchor("Murata", "GRM188R71H104KA93D", "capacitors", "0.02", 2_000_000,
            "100nF 50V X7R ±10% 0603 multilayer ceramic capacitor",
            specs="capacitance=100nF;voltage=50V;dielectric=X7R;tolerance=10%;package=0603"),
    _anchor("Samsung Electro-Mechanics", "CL10B104KB8NNNC", "capacitors", "0.015", 1_500_000,
            "100nF 50V X7R ±10% 0603 multilayer ceramic capacitor",
            specs="capacitance=100nF;voltage=50V;dielectric=X7R;tolerance=10%;package=0603"),
    _anchor("Yageo", "RC0603FR-0710KL", "resistors", "0.01", 3_000_000,
            "10kΩ ±1% 0.1W 0603 thick film chip resistor",
            specs="resistance=10kΩ;tolerance=1%;power=0.1W;package=0603"),
    _anchor("Vishay", "CRCW060310K0FKEA", "resistors", "0.02", 800_000,
            "10kΩ ±1% 0.1W 0603 thick film chip resistor",
            specs="resistance=10kΩ;tolerance=1%;power=0.1W;package=0603"),
)  # fmt: skip


def _components_plan() -> Plan:
    categories = (
        CategorySeed("passive-components", "Passive components"),
        CategorySeed("resistors", "Resistors", "passive-components"),
        CategorySeed("capacitors", "Capacitors", "passive-components"),
        CategorySeed("semiconductors", "Semiconductors"),
        CategorySeed("discrete-semiconductors", "Discrete semiconductors", "semiconductors"),
        CategorySeed("diodes", "Diodes", "discrete-semiconductors"),
        CategorySeed("transistors", "Transistors", "discrete-semiconductors"),
        CategorySeed("integrated-circuits", "Integrated circuits", "semiconductors"),
        CategorySeed("voltage-regulators", "Voltage regulators", "integrated-circuits"),
        CategorySeed("microcontrollers", "Microcontrollers", "integrated-circuits"),
        CategorySeed("timers", "Timers and oscillators", "integrated-circuits"),
        CategorySeed("connectors-interconnects", "Connectors and interconnects"),
        CategorySeed("connectors", "Connectors", "connectors-interconnects"),
        CategorySeed("cable-assemblies", "Cable assemblies", "connectors-interconnects", customizable=True),
    )
    attributes = _table("""
        resistance        | Resistance          | number | Ω
        capacitance       | Capacitance         | number | F
        tolerance         | Tolerance           | number | %
        power             | Power rating        | number | W
        voltage           | Voltage rating      | number | V
        current           | Current rating      | number | A
        dielectric        | Dielectric          | text   |
        output_voltage    | Output voltage      | number | V
        output_current    | Output current      | number | A
        input_voltage_max | Max. input voltage  | number | V
        supply_voltage    | Max. supply voltage | number | V
        regulator_type    | Regulator type      | text   |
        core              | Core                | text   |
        frequency         | Max. frequency      | number | Hz
        flash             | Flash               | number | B
        pins              | Pins                | number |
        diode_type        | Diode type          | text   |
        transistor_type   | Transistor type     | text   |
        timer_type        | Timer type          | text   |
        positions         | Positions           | number |
        pitch             | Pitch               | text   |
        mounting          | Mounting            | text   |
        series            | Series              | text   |
        length            | Length              | number | m
        package           | Package             | text   |
    """)
    hs_codes = {
        "resistors": "853321", "capacitors": "853224", "voltage-regulators": "854239", "timers": "854239",
        "microcontrollers": "854231", "connectors": "853669", "cable-assemblies": "854442",
    }  # fmt: skip
    families = ((_resistor, 34), (_capacitor, 30), (_regulator, 6), (_microcontroller, 6), (_discrete, 15),
                (_timer, 1), (_connector, 6), (_cable_assembly, 2))  # fmt: skip
    return Plan(
        categories,
        attributes,
        hs_codes,
        _COMPONENT_ANCHORS,
        families,
        (1, 10, 100, 1000),
        (1000, 780, 520, 360),
    )


# --- Consumer goods (wholesale and direct) ------------------------------------------------------------------

# brand | model ({n}) | model numbers | rugged
_PHONES = _table("""
    Blackview | BV{n}          | 5300 6200 7100 8900 9300 9900 | rugged
    Ulefone   | Armor {n}      | 12 15 17 20 22 24 26          | rugged
    Doogee    | S{n}           | 41 61 89 100 110 118          | rugged
    Oukitel   | WP{n}          | 19 21 28 32 35                | rugged
    Xiaomi    | Redmi Note {n} | 10 11 12 13 14                |
    Realme    | C{n}           | 33 51 55 65 67                |
    Nokia     | G{n}           | 21 22 42 60                   |
""")  # fmt: skip
_PLAYERS = (("AGPTEK", "A{n}", "1.8"), ("Ruizu", "X{n}", "2.4"), ("FiiO", "M{n}S", "4"),
            ("Sony", "NW-A{n}0", "3.6"), ("Surfans", "F{n}", "2.8"))  # fmt: skip
_COLORS = ("Black", "Blue", "Green", "Orange", "Silver", "Purple")
_HANDSETS = ("iPhone 15", "iPhone 14", "iPhone 13", "Galaxy S24", "Galaxy A54", "Redmi Note 13", "Pixel 8")
_BATTERIES = _table("""
    Samsung Galaxy A52   | EB-BG781ABY
    Samsung Galaxy S10   | EB-BG973ABU
    Xiaomi Redmi Note 10 | BN59
    Xiaomi Redmi 9       | BN54
    iPhone 11            | 616-00641
    Nokia 3310           | BL-4C
    Motorola Moto G8     | JK50
""")  # fmt: skip
# item | brand | MPN ({n}) | category | HS code | spec
_GENERAL = _table("""
    LED strip lights, 5 m  | Govee      | H61{n:02d}   | home-garden | 940542 | power=24W
    Smart Wi-Fi plug       | TP-Link    | P1{n:02d}    | home-garden | 853650 | power=2300W
    LED desk lamp          | Xiaomi     | MJTD{n:02d}YL | home-garden | 940521 | power=10W
    Ultrasonic humidifier  | Levoit     | LV{n:03d}HH  | home-garden | 850979 | power=25W
    Bluetooth item tracker | Chipolo    | CH-C{n:02d}  | gadgets     | 852691 | battery_life=500h
    True wireless earbuds  | SoundPEATS | TW{n:02d}    | gadgets     | 851830 | battery_life=8h
    Smartwatch             | Amazfit    | A2{n:03d}    | gadgets     | 851762 | battery_life=240h
""")  # fmt: skip


def _phone(rng: random.Random) -> Part:
    brand, pattern, numbers, rugged = rng.choice(_PHONES)
    model = pattern.format(n=rng.choice(numbers.split()))
    ram, storage, color = rng.choice((4, 6, 8, 12)), rng.choice((64, 128, 256, 512)), rng.choice(_COLORS)
    network, screen = rng.choice(("4G", "5G")), f"{rng.randint(61, 68) / 10}in"
    capacity = rng.randrange(8000, 22001, 500) if rugged else rng.randrange(4000, 6001, 500)
    return Part(
        brand,
        f"{model.replace(' ', '')}-{ram}+{storage}-{color[:2].upper()}",
        "rugged-phones" if rugged else "smartphones",
        f"{brand} {model} {'rugged ' if rugged else ''}smartphone {ram}GB+{storage}GB {network} {color}",
        {"screen_size": screen, "ram": f"{ram}GB", "storage": f"{storage}GB",
         "battery_capacity": f"{capacity}mAh", "network": network, "color": color},
        _usd(rng, "70", "420"),
        weight_grams=rng.randint(300, 480) if rugged else rng.randint(170, 230),
    )  # fmt: skip


def _battery(rng: random.Random) -> Part:
    handset, code = rng.choice(_BATTERIES)
    capacity = rng.randrange(1500, 5001, 100)
    specs = {"battery_capacity": f"{capacity}mAh", "voltage": rng.choice(("3.7V", "3.85V", "3.87V")),
             "chemistry": rng.choice(("Li-ion", "Li-polymer")), "compatible_with": handset}  # fmt: skip
    title = f"Replacement battery {code} for {handset}, {capacity} mAh"
    mpn = f"{code}-{rng.choice('ABP')}{rng.randint(10, 99)}"
    maker = rng.choice(("Desay", "Sunwoda", "SCUD"))
    return Part(
        maker, mpn, "phone-batteries", title, specs, _usd(rng, "3.50", "16"), weight_grams=rng.randint(30, 70)
    )


def _accessory(rng: random.Random) -> Part:
    brand, prefix = rng.choice(
        (("Anker", "A2"), ("Baseus", "BS-"), ("Ugreen", "CD"), ("Spigen", "ACS0"), ("ESR", "R"))
    )
    mpn, handset, color = f"{prefix}{rng.randint(100, 9999):04d}", rng.choice(_HANDSETS), rng.choice(_COLORS)
    kind = rng.randrange(5)
    if kind == 0:
        watts = rng.choice(("20W", "25W", "33W", "45W", "65W"))
        category, hs_code, title = "chargers-cables", "850440", f"{brand} {watts} USB-C wall charger"
        specs = {"output_power": watts, "connector": "USB-C", "color": color}
    elif kind == 1:
        plug, metres = (
            rng.choice(("USB-C to USB-C", "USB-C to Lightning", "USB-A to Micro-USB")),
            rng.choice((1, 2)),
        )
        category, hs_code, title = "chargers-cables", "854442", f"{brand} {plug} cable, {metres} m"
        specs = {"connector": plug, "length": f"{metres * 1000}mm"}  # "1m" would read as one milli-unit
    elif kind == 2:
        material = rng.choice(("TPU", "Silicone", "Leather", "Polycarbonate"))
        category, hs_code, title = "phone-cases", "392690", f"{brand} {material.lower()} case for {handset}"
        specs = {"compatible_with": handset, "material": material, "color": color}
    elif kind == 3:
        category, hs_code, title = (
            "phone-cases",
            "700719",
            f"{brand} tempered glass screen protector for {handset}",
        )
        specs = {"compatible_with": handset, "material": "Tempered glass"}
    else:
        capacity = rng.choice((5000, 10000, 20000))
        category, hs_code, title = "chargers-cables", "850760", f"{brand} {capacity} mAh power bank"
        specs = {"battery_capacity": f"{capacity}mAh", "output_power": rng.choice(("20W", "22.5W", "65W"))}
    return Part(brand, mpn, category, title, specs, _usd(rng, "1.50", "35"), hs_code, rng.randint(20, 350))


def _custom_case(rng: random.Random) -> Part:
    handset = rng.choice(_HANDSETS)
    mpn = f"CTF-{normalize_part_number(handset)}-{rng.randint(100, 999)}"
    title = f"Custom printed case for {handset}, your artwork"
    specs = {"compatible_with": handset, "material": "Polycarbonate"}
    price = _usd(rng, "6", "18")
    return Part("Casetify", mpn, "custom-phone-cases", title, specs, price, weight_grams=40, moq=10,
                quantities=(10, 50, 100, 500))  # fmt: skip


def _player(rng: random.Random) -> Part:
    brand, pattern, screen = rng.choice(_PLAYERS)
    storage, color, model = (
        rng.choice((8, 16, 32, 64, 128)),
        rng.choice(_COLORS[:3]),
        pattern.format(n=rng.randint(2, 99)),
    )
    hours = rng.randint(20, 60)
    specs = {
        "storage": f"{storage}GB",
        "screen_size": f"{screen}in",
        "battery_life": f"{hours}h",
        "color": color,
    }
    title = f'{brand} {model} MP3/MP4 player {storage}GB, {screen}" screen, {color}'
    mpn = f"{model}-{storage}G-{color[:2].upper()}"
    return Part(
        brand, mpn, "mp3-mp4-players", title, specs, _usd(rng, "12", "260"), weight_grams=rng.randint(40, 200)
    )


def _general(rng: random.Random) -> Part:
    item, brand, pattern, category, hs_code, spec = rng.choice(_GENERAL)
    color = rng.choice(_COLORS[:3])
    specs = {**_spec_text(spec), "color": color}
    title = f"{brand} {item.lower()}, {color.lower()}"
    mpn = pattern.format(n=rng.randint(1, 99))
    return Part(brand, mpn, category, title, specs, _usd(rng, "3", "80"), hs_code, rng.randint(30, 900))


_GOODS_ANCHORS = (
    _anchor("Blackview", "BV9300-12+256-BL", "rugged-phones", "229", 600,
            "Blackview BV9300 rugged smartphone 12GB+256GB 4G Black", weight_grams=420,
            specs="screen_size=6.7in;ram=12GB;storage=256GB;battery_capacity=15080mAh;network=4G;color=Black"),
    _anchor("Desay", "BL-5C", "phone-batteries", "3.90", 12_000,
            "Replacement battery BL-5C for Nokia 1100, 1020 mAh",
            specs="battery_capacity=1020mAh;voltage=3.7V;chemistry=Li-ion;compatible_with=Nokia 1100",
            weight_grams=25),
    _anchor("Anker", "A2633", "chargers-cables", "12.50", 3_400, "Anker 20W USB-C wall charger",
            hs_code="850440",
            specs="output_power=20W;connector=USB-C;color=Black", weight_grams=60),
    _anchor("AGPTEK", "A09X-16G-BL", "mp3-mp4-players", "29.90", 900,
            'AGPTEK A09X MP3/MP4 player 16GB, 2.4" screen',
            specs="storage=16GB;screen_size=2.4in;battery_life=50h;color=Black", weight_grams=70),
    _anchor("Govee", "H6159", "home-garden", "19.90", 2_100, "Govee LED strip lights, 5 m, black",
            hs_code="940542",
            specs="power=24W;color=Black", weight_grams=300),
)  # fmt: skip


def _goods_plan() -> Plan:
    categories = (
        CategorySeed("mobile-phones", "Mobile phones", "", "cell_phones"),
        CategorySeed("smartphones", "Smartphones", "mobile-phones", "cell_phones"),
        CategorySeed("rugged-phones", "Rugged phones", "mobile-phones", "cell_phones"),
        CategorySeed("phone-batteries", "Phone batteries", "", "cell_phone_batteries"),
        CategorySeed("phone-accessories", "Phone accessories", "", "cell_phone_accessories"),
        CategorySeed("chargers-cables", "Chargers and cables", "phone-accessories", "cell_phone_accessories"),
        CategorySeed(
            "phone-cases", "Cases and screen protectors", "phone-accessories", "cell_phone_accessories"
        ),
        CategorySeed(
            "custom-phone-cases", "Custom printed cases", "phone-accessories", "cell_phone_accessories", True
        ),
        CategorySeed("mp3-mp4-players", "MP3 and MP4 players", "", "mp3_mp4_players"),
        CategorySeed("home-gadgets", "Home and gadgets", "", "other"),
        CategorySeed("home-garden", "Home and garden", "home-gadgets", "other"),
        CategorySeed("gadgets", "Gadgets", "home-gadgets", "other"),
    )
    known = {warranty_class.key for warranty_class in load_preset("wholesale").warranty.classes}
    unknown = sorted({seed.warranty_class for seed in categories} - known)
    if unknown:  # the preset was edited: the demo must not point products at classes that don't exist
        raise ApplicationError(
            f"The wholesale preset has no warranty class {', '.join(unknown)}.", code="warranty"
        )
    attributes = _table("""
        screen_size      | Screen size      | number | in
        ram              | RAM              | text   |
        storage          | Storage          | text   |
        battery_capacity | Battery capacity | number | Ah
        network          | Network          | text   |
        color            | Colour           | text   |
        connector        | Connector        | text   |
        output_power     | Output power     | number | W
        length           | Length           | number | m
        compatible_with  | Compatible with  | text   |
        material         | Material         | text   |
        chemistry        | Chemistry        | text   |
        voltage          | Voltage          | number | V
        battery_life     | Battery life     | number | h
        power            | Power            | number | W
    """)
    hs_codes = {"smartphones": "851713", "rugged-phones": "851713", "phone-batteries": "850760",
                "custom-phone-cases": "392690", "mp3-mp4-players": "851981"}  # fmt: skip
    families = (
        (_phone, 20),
        (_battery, 15),
        (_accessory, 30),
        (_custom_case, 3),
        (_player, 10),
        (_general, 22),
    )
    return Plan(
        categories, attributes, hs_codes, _GOODS_ANCHORS, families, (1, 10, 50, 100), (1000, 930, 870, 820)
    )
