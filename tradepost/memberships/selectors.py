"""Membership reads shared by the storefront, the API, checkout, coupons and the desk."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Q
from django.utils import timezone

from tradepost.core.exceptions import NotFound
from tradepost.core.prepared import Prepared
from tradepost.memberships.calculations import CancellationRefund, cancellation_refund
from tradepost.memberships.models import Membership, Plan


def _running_at(user_id: int, started_by: datetime, ends_after: datetime):
    """Paid memberships that started by `started_by` and end after `ends_after` (both "now" when read)."""
    return Membership.objects.filter(
        user_id=user_id, status=Membership.Status.ACTIVE, starts_at__lte=started_by, ends_at__gt=ends_after
    )


def _current(user, now: datetime):
    return _running_at(user.pk, now, now)


# Every placed order asks it: prepared (core/prepared.py). Two names for one "now": a prepared value
# appears once in its query.
_running = Prepared(
    lambda user_id, started_by, ends_after: _running_at(user_id, started_by, ends_after).values_list("pk")[
        :1
    ],
    user_id=-1,
    started_by=datetime(1901, 1, 1, tzinfo=UTC),
    ends_after=datetime(1902, 2, 2, tzinfo=UTC),
)


def is_member(*, user, now: datetime | None = None) -> bool:
    """Whether the user has a paid membership running now (anonymous users never do)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    now = now or timezone.now()
    return bool(_running.all(user_id=user.pk, started_by=now, ends_after=now))


def membership_current(*, user, now: datetime | None = None) -> Membership | None:
    return _current(user, now or timezone.now()).select_related("plan", "order").order_by("starts_at").first()


def membership_paid_until(*, user, now: datetime | None = None) -> datetime | None:
    """The end of the user's last paid period still to run: a renewal starts there."""
    now = now or timezone.now()
    latest = (
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE, ends_at__gt=now)
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )
    return latest


def plans_offered() -> list[Plan]:
    return list(Plan.objects.filter(active=True).prefetch_related("welcome__campaign"))


def plan_get_offered(*, plan_id) -> Plan:
    plan = Plan.objects.filter(pk=plan_id, active=True).first() if isinstance(plan_id, int) else None
    if plan is None:
        raise NotFound("No such membership plan on offer.", code="plan_not_found", field="plan_id")
    return plan


def memberships_for_user(*, user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related("plan", "order", "refund").order_by("-created_at")
    )


def membership_get(*, user, membership_id) -> Membership:
    """The user's own membership; someone else's reads as missing."""
    membership = (
        Membership.objects.select_related("plan", "order__policy_version", "refund", "user")
        .filter(pk=membership_id, user=user)
        .first()
        if isinstance(membership_id, int)
        else None
    )
    if membership is None:
        raise NotFound("No such membership.", code="membership_not_found")
    return membership


def welcome_coupons(*, membership: Membership):
    return membership.coupons.select_related("used_by_order").order_by("kind", "pk")


def cancellation_preview(*, membership: Membership, now: datetime | None = None) -> CancellationRefund:
    """The refund if the member cancelled now, under the policy the membership was bought under."""
    from tradepost.orders.services import order_policy
    from tradepost.promotions.models import CouponKind, CouponState

    now = now or timezone.now()
    rules = order_policy(membership.order).membership
    used = []
    if rules.charge_used_welcome_shipping_coupons:
        used = [
            coupon.face_value
            for coupon in membership.coupons.filter(kind=CouponKind.SHIPPING, state=CouponState.USED)
        ]
    return cancellation_refund(
        price_paid=membership.price_paid,
        plan_days=membership.plan_days,
        days_remaining=membership.days_left(now),
        used_shipping_coupon_values=used,
    )


@dataclass
class MembershipOverview:
    """The membership page: what runs now, what is queued, what awaits payment, and the past."""

    current: Membership | None = None
    upcoming: list[Membership] = field(default_factory=list)
    pending: list[Membership] = field(default_factory=list)
    past: list[Membership] = field(default_factory=list)

    @property
    def is_member(self) -> bool:
        return self.current is not None


def membership_overview(*, user, now: datetime | None = None) -> MembershipOverview:
    now = now or timezone.now()
    overview = MembershipOverview()
    for membership in sorted(memberships_for_user(user=user), key=lambda m: (m.starts_at or now, m.pk)):
        state = membership.state(now)
        if state == "active" and overview.current is None:
            overview.current = membership
        elif state in ("active", "upcoming"):
            overview.upcoming.append(membership)
        elif state == "pending":
            overview.pending.append(membership)
        else:
            overview.past.append(membership)
    overview.past.reverse()
    return overview


def memberships_for_desk(*, state: str = "", query: str = ""):
    """Staff list: newest first, filtered by derived state and buyer email or order number."""
    now = timezone.now()
    rows = Membership.objects.select_related("user", "order", "refund").order_by("-created_at", "-pk")
    filters = {
        "pending": Q(status=Membership.Status.PENDING),
        "active": Q(status=Membership.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now),
        "upcoming": Q(status=Membership.Status.ACTIVE, starts_at__gt=now),
        "expired": Q(status=Membership.Status.ACTIVE, ends_at__lte=now),
        "cancelled": Q(status=Membership.Status.CANCELLED),
        "void": Q(status=Membership.Status.VOID),
    }
    if state in filters:
        rows = rows.filter(filters[state])
    query = (query or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in a string literal
    if query:
        rows = rows.filter(Q(user__email__icontains=query) | Q(order__number__iexact=query))
    return rows


@dataclass(frozen=True)
class Benefits:
    """What membership gives, from the active policy and the plans on offer, for the plans page and API."""

    name: str
    guarantee_days: int | None
    member_guarantee_days: int | None
    members_only_campaigns: int


def membership_benefits(*, policy) -> Benefits:
    from tradepost.promotions.models import Campaign

    now = timezone.now()
    guarantee = policy.quality_guarantee
    return Benefits(
        name=policy.membership.name or "Membership",
        guarantee_days=guarantee.days if guarantee.enabled else None,
        member_guarantee_days=guarantee.member_days if guarantee.enabled else None,
        members_only_campaigns=Campaign.objects.filter(members_only=True, active=True, valid_from__lte=now)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=now))
        .count(),
    )


def welcome_items(plan: Plan) -> list[tuple[int, str]]:
    """The plan's welcome package as (quantity, label), labelled like the coupons it gives."""
    from tradepost.promotions.models import Coupon

    return [
        (
            item.quantity,
            Coupon(
                kind=item.campaign.coupon_kind,
                value_type=item.campaign.value_type,
                value=item.campaign.value,
                min_spend=item.campaign.min_spend,
            ).label,
        )
        for item in plan.welcome.all()
    ]
