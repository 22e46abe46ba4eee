"""Reads of inquiries and quotations for buyers and the sales desk; another buyer's inquiry is 404."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, F, Prefetch, QuerySet, Value, When
from django.utils import timezone

from tradepost.accounts.roles import Desk, user_has_desk
from tradepost.core.exceptions import NotFound
from tradepost.quotes.calculations import SlaRow, WeekSla, median_time_to_quote, weekly_sla
from tradepost.quotes.models import (
    OPEN_STATUSES,
    Attachment,
    Inquiry,
    InquiryCart,
    InquiryCartLine,
    InquiryStatus,
    Production,
    Quotation,
    QuotationLine,
    QuotationStatus,
)

# How soon before its due time an open inquiry is "nearly due" on the desk.
NEARLY_DUE = timedelta(hours=2)


def _storable(value) -> bool:
    return isinstance(value, str) and "\x00" not in value and len(value) <= 40


def inquiry_cart_lines(*, user) -> list[InquiryCartLine]:
    return list(
        InquiryCartLine.objects.filter(cart__user=user)
        .select_related("product__manufacturer")
        .order_by("added_at", "id")
    )


def inquiry_cart_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return InquiryCartLine.objects.filter(cart__in=InquiryCart.objects.filter(user=user)).count()


def inquiries_for_buyer(*, user) -> QuerySet[Inquiry]:
    return Inquiry.objects.filter(user=user).select_related("category").order_by("-received_at", "-id")


def _detail_query() -> QuerySet[Inquiry]:
    return Inquiry.objects.select_related(
        "user", "policy_version", "category", "assigned_to"
    ).prefetch_related(
        "lines",
        "attachments",
        Prefetch(
            "quotations",
            queryset=Quotation.objects.select_related("order", "created_by").prefetch_related(
                Prefetch("lines", queryset=QuotationLine.objects.order_by("id"))
            ),
        ),
    )


def inquiry_for_buyer(*, user, number) -> Inquiry:
    """The buyer's own inquiry with lines, files and quotations; anyone else's is the same 404."""
    inquiry = None
    if getattr(user, "is_authenticated", False) and _storable(number):
        inquiry = _detail_query().filter(number=number, user=user).first()
    if inquiry is None:
        raise NotFound("No such inquiry.", code="inquiry_not_found")
    return inquiry


def inquiry_for_staff(*, number) -> Inquiry:
    inquiry = _detail_query().filter(number=number).first() if _storable(number) else None
    if inquiry is None:
        raise NotFound("No such inquiry.", code="inquiry_not_found")
    return inquiry


def inquiry_timeline(inquiry: Inquiry, *, staff: bool = False) -> list:
    events = inquiry.events.select_related("actor").order_by("created_at", "id")
    if not staff:
        events = events.filter(buyer_visible=True)
    return list(events)


def spec_rows(inquiry: Inquiry) -> list[tuple[str, str]]:
    """The filled spec form as (label, value with unit), in the form's order; unknown keys by key."""
    from tradepost.quotes.specs import template_fields

    fields = []
    template = getattr(inquiry.category, "spec_template", None) if inquiry.category_id else None
    if template is not None:
        try:
            fields = template_fields(template.fields)
        except ValueError:
            fields = []
    rows, seen = [], set()
    for field in fields:
        if field.key in inquiry.spec:
            unit = f" {field.unit}" if field.unit else ""
            rows.append((field.label, f"{inquiry.spec[field.key]}{unit}"))
            seen.add(field.key)
    rows.extend((key, value) for key, value in inquiry.spec.items() if key not in seen)
    return rows


def live_quotation(inquiry: Inquiry) -> Quotation | None:
    """The quotation the buyer can act on (prefetched): the newest sent version."""
    return next((q for q in inquiry.quotations.all() if q.status == QuotationStatus.SENT), None)


def quotation_for_buyer(*, user, quotation_id) -> Quotation:
    quotation = None
    if (
        getattr(user, "is_authenticated", False)
        and isinstance(quotation_id, int)
        and 0 < quotation_id < 2**31
    ):
        quotation = (
            Quotation.objects.select_related("inquiry__user", "inquiry__policy_version", "order")
            .prefetch_related("lines__product")
            .filter(pk=quotation_id, inquiry__user=user)
            .first()
        )
    if quotation is None:
        raise NotFound("No such quotation.", code="quotation_not_found")
    return quotation


def quote_queue(*, now: datetime | None = None, status: str = "open", mine=None) -> QuerySet[Inquiry]:
    """The desk queue, the nearest due time first, each annotated with `clock`: "overdue" (due time
    passed without a quotation), "nearly_due" (within NEARLY_DUE), "on_time" or "quoted"."""
    now = now or timezone.now()
    rows = Inquiry.objects.select_related("user", "assigned_to", "category")
    if status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status in InquiryStatus.values:
        rows = rows.filter(status=status)
    if mine is not None:
        rows = rows.filter(assigned_to=mine)
    return rows.annotate(
        clock=Case(
            When(first_quoted_at__isnull=False, then=Value("quoted")),
            When(due_at__lt=now, then=Value("overdue")),
            When(due_at__lt=now + NEARLY_DUE, then=Value("nearly_due")),
            default=Value("on_time"),
        )
    ).order_by(
        Case(When(first_quoted_at__isnull=True, then=Value(0)), default=Value(1)), F("due_at").asc(), "id"
    )


def attachment_for(*, user, attachment_id) -> Attachment:
    """A file for its owner or the sales desk; for anyone else it does not exist."""
    attachment = None
    if (
        isinstance(attachment_id, int)
        and 0 < attachment_id < 2**31
        and getattr(user, "is_authenticated", False)
    ):
        attachment = Attachment.objects.select_related("inquiry").filter(pk=attachment_id).first()
    if (
        attachment is not None
        and attachment.inquiry.user_id != user.pk
        and not user_has_desk(user, Desk.SALES)
    ):
        attachment = None
    if attachment is None:
        raise NotFound("No such file.", code="file_not_found")
    return attachment


@dataclass(frozen=True)
class SlaMetrics:
    weeks: list[WeekSla]
    median_time_to_quote: timedelta | None
    overdue_now: int
    open_now: int
    since: datetime


def sla_metrics(*, now: datetime | None = None, weeks: int = 8) -> SlaMetrics:
    """Share quoted within SLA per week of arrival, the median time to the first quotation, and how many
    open inquiries are past due now (derived from due_at, never a flag)."""
    now = now or timezone.now()
    today = now.date()
    since_day = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    since = datetime.combine(since_day, datetime.min.time(), tzinfo=now.tzinfo)
    rows = [
        SlaRow(*values)
        for values in Inquiry.objects.filter(received_at__gte=since).values_list(
            "received_at", "due_at", "first_quoted_at"
        )
    ]
    unquoted_open = Inquiry.objects.filter(status__in=OPEN_STATUSES, first_quoted_at__isnull=True)
    return SlaMetrics(
        weeks=weekly_sla(rows, now=now),
        median_time_to_quote=median_time_to_quote(rows),
        overdue_now=unquoted_open.filter(due_at__lt=now).count(),
        open_now=unquoted_open.count(),
        since=since,
    )


def store_today(now: datetime | None = None):
    """Today's date at the store (the active policy's timezone): promised ship dates are store dates."""
    from zoneinfo import ZoneInfo

    from tradepost.policies.selectors import policy_active

    now = now or timezone.now()
    return now.astimezone(ZoneInfo(policy_active().policy.store.timezone)).date()


def productions_for_dispatch(*, include_done: bool = False) -> QuerySet[Production]:
    """Customized orders by promised ship date, earliest first (late ones lead)."""
    rows = Production.objects.select_related("order__user", "quotation__inquiry")
    if not include_done:
        rows = rows.filter(order__first_shipped_at__isnull=True).exclude(order__status="cancelled")
    return rows.order_by("promised_ship_date", "id")


def production_for_quotation(quotation) -> Production | None:
    """The production record of an ordered customized quotation, or None."""
    return Production.objects.select_related("order").filter(quotation=quotation).first()


def production_for_order(*, number) -> Production:
    production = None
    if _storable(number):
        production = (
            Production.objects.select_related("order", "quotation__inquiry")
            .filter(order__number=number)
            .first()
        )
    if production is None:
        raise NotFound("No customized goods in that order.", code="production_not_found")
    return production
