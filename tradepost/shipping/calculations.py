"""Pure shipping math: chargeable weight, the rate band for a weight, and promised dates in working days."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradepost.core.calendar import WorkingCalendar


@dataclass(frozen=True)
class Parcel:
    """What goes into the box: actual weight and packed volume of every unit together."""

    weight_grams: int
    volume_cm3: Decimal

    def volumetric_grams(self, divisor: int) -> int:
        """Volume / divisor (cm³ per kg), in whole grams rounded up, as carriers charge it."""
        if divisor <= 0:
            raise ValueError("The volumetric divisor must be positive")
        grams = self.volume_cm3 * 1000 / divisor
        whole = int(grams)
        return whole + (1 if grams > whole else 0)

    def chargeable_grams(self, divisor: int) -> int:
        """The weight a carrier charges for: the actual or the volumetric weight, whichever is more."""
        return max(self.weight_grams, self.volumetric_grams(divisor))


@dataclass(frozen=True)
class Item:
    """One line of goods: per-unit weight and packed size (0 when unknown), and how many units."""

    weight_grams: int
    length_mm: int
    width_mm: int
    height_mm: int
    quantity: int


def parcel_for(items: Iterable[Item]) -> Parcel:
    """Add up weights and volumes; an item without all three dimensions adds only its weight."""
    weight, volume_mm3 = 0, 0
    for item in items:
        if item.quantity < 0 or item.weight_grams < 0:
            raise ValueError("Quantities and weights cannot be negative")
        weight += item.weight_grams * item.quantity
        if item.length_mm > 0 and item.width_mm > 0 and item.height_mm > 0:
            volume_mm3 += item.length_mm * item.width_mm * item.height_mm * item.quantity
    return Parcel(weight_grams=weight, volume_cm3=Decimal(volume_mm3) / 1000)


def band_price(bands: Sequence[tuple[int, Decimal]], chargeable_grams: int) -> Decimal | None:
    """The price of the lightest band that takes the weight; None when the parcel is over every band.

    `bands` are (max_weight_grams, price) pairs, in any order.
    """
    fitting = [(limit, price) for limit, price in bands if limit >= chargeable_grams]
    if not fitting:
        return None
    return min(fitting)[1]


@dataclass(frozen=True)
class Promise:
    """When the parcel leaves at the latest, and the window it arrives in."""

    dispatch_by: datetime
    delivery_from: datetime
    delivery_by: datetime


def promise(
    calendar: WorkingCalendar,
    start: datetime,
    *,
    dispatch_min_days: int,
    dispatch_max_days: int,
    transit_min_days: int,
    transit_max_days: int,
) -> Promise:
    """Dispatch within the dispatch window of working days after `start`, then transit in working days.

    The earliest delivery follows the earliest dispatch, the latest delivery follows the latest dispatch.
    """
    if dispatch_min_days > dispatch_max_days or transit_min_days > transit_max_days:
        raise ValueError("A window's minimum must not exceed its maximum")
    earliest_dispatch = calendar.add_working_days(start, dispatch_min_days)
    dispatch_by = calendar.add_working_days(start, dispatch_max_days)
    return Promise(
        dispatch_by=dispatch_by,
        delivery_from=calendar.add_working_days(earliest_dispatch, transit_min_days),
        delivery_by=calendar.add_working_days(dispatch_by, transit_max_days),
    )


def transit_window(
    calendar: WorkingCalendar, shipped_at: datetime, *, min_days: int, max_days: int
) -> tuple[datetime, datetime]:
    """Once the parcel has left: its arrival window from the actual shipping time."""
    if min_days > max_days:
        raise ValueError("A window's minimum must not exceed its maximum")
    return calendar.add_working_days(shipped_at, min_days), calendar.add_working_days(shipped_at, max_days)
