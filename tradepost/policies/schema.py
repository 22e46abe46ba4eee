"""The store policy as typed data: every promise a store makes, validated before it can be activated."""

from __future__ import annotations

import zoneinfo
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, ClassVar, Literal, Self, TypeVar

import holidays
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --- Building blocks -----------------------------------------------------------------------------------


class PolicyRuleError(ValueError):
    """Cross-field rules failed; each problem names a field relative to the model that raised it."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))


def _raise_problems(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise PolicyRuleError(problems)


T = TypeVar("T")


def _reject_duplicates(values: list) -> list:
    seen, duplicates = set(), []
    for value in values:
        if value in seen and value not in duplicates:
            duplicates.append(value)
        seen.add(value)
    if duplicates:
        listed = ", ".join(str(value) for value in duplicates)
        raise PydanticCustomError("duplicate", "Duplicate entries: {duplicates}", {"duplicates": listed})
    return values


UniqueList = Annotated[list[T], AfterValidator(_reject_duplicates)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$", max_length=50)]
ClockTime = Annotated[str, StringConstraints(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$")]


class PolicyModel(BaseModel):
    """Base for every policy section: unknown keys are errors and parsed policies never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FeatureSection(PolicyModel):
    """A section a store may switch off; while it is on, the fields in `required_when_enabled` must be set."""

    required_when_enabled: ClassVar[tuple[str, ...]] = ()

    enabled: bool = Field(description="Whether the store offers this at all.")

    @model_validator(mode="after")
    def _require_when_enabled(self) -> Self:
        if not self.enabled:
            return self
        problems = []
        for name in self.required_when_enabled:
            value = getattr(self, name)
            if value is None:
                problems.append((name, "Field required while the section is enabled"))
            elif value == []:
                problems.append((name, "List must not be empty while the section is enabled"))
        _raise_problems(problems)
        return self


# --- Vocabulary ----------------------------------------------------------------------------------------


class PaymentMethod(StrEnum):
    PAYPAL = "paypal"
    CARD = "card"
    WIRE_TRANSFER = "wire_transfer"
    WESTERN_UNION = "western_union"


class StaffCancelReason(StrEnum):
    BUYER_CONSENT = "buyer_consent"
    NON_PAYMENT = "non_payment"


class DispatchStart(StrEnum):
    PAYMENT = "payment"
    REVIEW_APPROVAL = "review_approval"


class Duties(StrEnum):
    DDP = "DDP"  # delivered duty paid: the store pays import duties and taxes
    DAP = "DAP"  # delivered at place: the buyer pays them on arrival


class QuoteKind(StrEnum):
    INQUIRY_CART = "inquiry_cart"
    UNLISTED_PART = "unlisted_part"
    CUSTOMIZED = "customized"


class SlaClock(StrEnum):
    CLOCK_HOURS = "clock_hours"
    WORKING_HOURS = "working_hours"


class CouponKind(StrEnum):
    PRODUCT = "product"
    SHIPPING = "shipping"


class AfterSalesStart(StrEnum):
    DELIVERY = "delivery"
    FIRST_SHIPMENT = "first_shipment"


class GuaranteeCover(StrEnum):
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    LOST_PARCEL = "lost_parcel"


class WarrantyRemedy(StrEnum):
    REPAIR = "repair"
    REPLACEMENT = "replacement"


class MoneyBackRemedy(StrEnum):
    REFUND = "refund"
    REPLACEMENT_SAME_PRODUCT = "replacement_same_product"
    REPLACEMENT_SAME_VALUE = "replacement_same_value"


class Party(StrEnum):
    BUYER = "buyer"
    STORE = "store"


class CommercialInvoice(StrEnum):
    ON_REQUEST = "on_request"
    ALWAYS = "always"


class SupportTopic(StrEnum):
    PRE_SALES = "pre_sales"
    ORDER = "order"
    LOGISTICS = "logistics"
    AFTER_SALES = "after_sales"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"


@lru_cache(maxsize=1)
def _supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries(include_aliases=False))


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


# --- Sections ------------------------------------------------------------------------------------------


class WorkingHours(PolicyModel):
    start: ClockTime = Field(description="Start of the working day in the store timezone, HH:MM.")
    end: ClockTime = Field(description="End of the working day in the store timezone, HH:MM.")

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        # Zero-padded HH:MM strings order the same way as the times they name.
        if self.start >= self.end:
            _raise_problems([("end", f"Must be later than start ({self.start})")])
        return self


class StoreInfo(PolicyModel):
    key: Slug = Field(
        description="Short identifier: a preset name (components, wholesale, direct) or a slug."
    )
    name: Text = Field(description="Store name shown to buyers.")
    summary: Text = Field(description="One line describing what the store sells and how.")
    support_email: Text = Field(
        description="Address buyers can write to when the Contact Us page is not enough."
    )
    warehouse_country: str = Field(description="ISO 3166 alpha-2 code of the shipping warehouse country.")
    timezone: str = Field(description="IANA timezone that working days and working hours are counted in.")
    working_hours: WorkingHours = Field(
        description="Staffed hours on a working day, for working-hour targets."
    )

    @field_validator("support_email")
    @classmethod
    def _email(cls, value: str) -> str:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise PydanticCustomError(
                "email", "Not a valid email address: {value}", {"value": value}
            ) from None
        return value

    @field_validator("warehouse_country")
    @classmethod
    def _country(cls, value: str) -> str:
        # The working-day calendar needs the country's public holidays, so only covered countries pass.
        if value not in _supported_countries():
            raise PydanticCustomError(
                "country",
                "'{value}' is not an upper-case ISO 3166 alpha-2 code with a known holiday calendar",
                {"value": value},
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value not in _known_timezones():
            raise PydanticCustomError(
                "timezone", "'{value}' is not an IANA timezone such as Asia/Shanghai", {"value": value}
            )
        return value


class Currency(PolicyModel):
    settlement: Literal["USD"] = Field(description="Currency every price, payment and refund is settled in.")


class WireTransferDetails(PolicyModel):
    bank_name: Text = Field(description="Name of the receiving bank.")
    bank_address: Text = Field(description="Postal address of the receiving bank.")
    beneficiary: Text = Field(description="Account holder the buyer pays to.")
    account_number: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9 -]*$")] = Field(
        description="Account number or IBAN, digits and capital letters."
    )
    currency: Literal["USD"] = Field(
        description="Currency of the receiving account; equals the settlement currency."
    )
    swift: Annotated[str, StringConstraints(pattern=r"^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")] | None = Field(
        default=None, description="SWIFT/BIC code of the receiving bank, when published."
    )


class WesternUnionDetails(PolicyModel):
    receiver_name: Text = Field(description="Name the buyer sends the money transfer to.")
    receiver_address: Text = Field(
        description="City and country of the receiver, as Western Union asks for it."
    )


class Payments(PolicyModel):
    methods: UniqueList[PaymentMethod] = Field(
        min_length=1, description="Payment methods offered at checkout."
    )
    card_processor: Literal["paypal"] | None = Field(
        default=None, description="Who processes card payments; required when card is offered."
    )
    unpaid_order_expiry_hours: PositiveInt = Field(
        description="Hours an unpaid order is held before it lapses."
    )
    wire_transfer: WireTransferDetails | None = Field(
        default=None, description="Bank details; required exactly when wire_transfer is offered."
    )
    western_union: WesternUnionDetails | None = Field(
        default=None, description="Receiver details; required exactly when western_union is offered."
    )

    @model_validator(mode="after")
    def _details_match_methods(self) -> Self:
        problems = []
        for method, field in (
            (PaymentMethod.CARD, "card_processor"),
            (PaymentMethod.WIRE_TRANSFER, "wire_transfer"),
            (PaymentMethod.WESTERN_UNION, "western_union"),
        ):
            offered, given = method in self.methods, getattr(self, field) is not None
            if offered and not given:
                problems.append((field, f"Required because '{method}' is in payments.methods"))
            elif given and not offered:
                problems.append((field, f"Given but '{method}' is not in payments.methods"))
        _raise_problems(problems)
        return self


class Orders(PolicyModel):
    review_required: bool = Field(
        description="Staff approve each paid order before it is prepared for dispatch."
    )
    buyer_may_cancel_before: Literal["shipment"] = Field(
        description="The buyer may cancel on their own until this step."
    )
    staff_cancel_requires: UniqueList[StaffCancelReason] = Field(
        min_length=1, description="Staff may cancel a valid order only on one of these grounds."
    )
    complete_after_delivery_days: PositiveInt = Field(
        default=30,
        le=3650,
        description=(
            "Days after delivery (calendar days) a delivered order completes on its own; "
            "staff may complete it sooner. After-sales windows keep their own clocks."
        ),
    )


class Dispatch(PolicyModel):
    # Zero is allowed: a store may promise same-day dispatch.
    min_working_days: NonNegativeInt = Field(description="Earliest dispatch, in working days.")
    max_working_days: PositiveInt = Field(description="Latest promised dispatch, in working days.")
    counted_from: DispatchStart = Field(description="Event the dispatch clock starts at.")

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.min_working_days > self.max_working_days:
            _raise_problems(
                [("min_working_days", f"Must not exceed max_working_days ({self.max_working_days})")]
            )
        return self


class Shipping(PolicyModel):
    free_shipping: bool = Field(description="The store pays for shipping on every order.")
    duties: Duties = Field(description="DDP: the store pays import duties and taxes; DAP: the buyer does.")
    delivery_min_working_days: PositiveInt | None = Field(
        default=None,
        description="Shortest promised transit after dispatch; null when it depends on the carrier.",
    )
    delivery_max_working_days: PositiveInt | None = Field(
        default=None,
        description="Longest promised transit after dispatch; null when it depends on the carrier.",
    )
    carriers: UniqueList[Text] = Field(
        default_factory=list,
        description="Carriers the store ships with; empty means the store picks per parcel.",
    )
    tracking: bool = Field(description="Every parcel gets a tracking number the buyer can follow.")
    buyer_chooses_carrier: bool = Field(description="The buyer picks the carrier at checkout.")

    @model_validator(mode="after")
    def _delivery_and_carriers(self) -> Self:
        problems = []
        low, high = self.delivery_min_working_days, self.delivery_max_working_days
        if (low is None) != (high is None):
            missing = "delivery_min_working_days" if low is None else "delivery_max_working_days"
            problems.append(
                (missing, "Set both delivery bounds, or neither when transit depends on the carrier")
            )
        elif low is not None and high is not None and low > high:
            problems.append(
                ("delivery_min_working_days", f"Must not exceed delivery_max_working_days ({high})")
            )
        if not self.carriers:
            if self.buyer_chooses_carrier:
                problems.append(("carriers", "List the carriers the buyer can choose from"))
            if low is None and high is None:
                problems.append(("carriers", "List the carriers, since the delivery time depends on them"))
        _raise_problems(problems)
        return self


class Quotes(FeatureSection):
    required_when_enabled = ("kinds", "sla_hours", "sla_clock", "quotation_validity_days")

    kinds: UniqueList[QuoteKind] = Field(default_factory=list, description="What buyers can ask a price for.")
    sla_hours: PositiveInt | None = Field(
        default=None, description="Hours within which the store sends a quotation."
    )
    sla_clock: SlaClock | None = Field(
        default=None, description="Whether sla_hours run around the clock or only in working hours."
    )
    quotation_validity_days: PositiveInt | None = Field(
        default=None, description="Days a quotation can still be turned into an order."
    )


class Coupons(FeatureSection):
    required_when_enabled = ("kinds", "max_per_kind_per_order", "kinds_combinable")

    kinds: UniqueList[CouponKind] = Field(
        default_factory=list,
        description="Product coupons reduce goods; shipping coupons reduce shipping fees.",
    )
    max_per_kind_per_order: PositiveInt | None = Field(
        default=None, description="Most coupons of one kind a single order may use."
    )
    kinds_combinable: bool | None = Field(
        default=None, description="Coupons of different kinds may be used on the same order."
    )
    promotion_code_validity_days: PositiveInt | None = Field(
        default=None, description="Days a coupon obtained from a promotion code stays usable; null: no codes."
    )
    promotion_code_counted_from: Literal["exchange"] | None = Field(
        default=None, description="Event the promotion-code validity starts at."
    )

    @model_validator(mode="after")
    def _promotion_codes(self) -> Self:
        days, start = self.promotion_code_validity_days, self.promotion_code_counted_from
        if (days is None) != (start is None):
            missing = "promotion_code_validity_days" if days is None else "promotion_code_counted_from"
            _raise_problems([(missing, "Set both promotion-code fields, or neither")])
        return self


class Membership(FeatureSection):
    required_when_enabled = (
        "name",
        "cancellation",
        "refund_rule",
        "revoke_welcome_shipping_coupons",
        "charge_used_welcome_shipping_coupons",
    )

    name: Text | None = Field(default=None, description="Name of the paid membership shown to buyers.")
    cancellation: Literal["anytime"] | None = Field(default=None, description="When a member may cancel.")
    refund_rule: Literal["prorated_remaining_days"] | None = Field(
        default=None, description="How much of the fee comes back on cancellation."
    )
    revoke_welcome_shipping_coupons: bool | None = Field(
        default=None, description="Cancelling removes the unused shipping coupons of the welcome package."
    )
    charge_used_welcome_shipping_coupons: bool | None = Field(
        default=None, description="Cancelling deducts the value of welcome shipping coupons already used."
    )

    @model_validator(mode="after")
    def _charge_needs_revoke(self) -> Self:
        if self.charge_used_welcome_shipping_coupons and not self.revoke_welcome_shipping_coupons:
            _raise_problems(
                [("charge_used_welcome_shipping_coupons", "Requires revoke_welcome_shipping_coupons = true")]
            )
        return self


class QualityGuarantee(FeatureSection):
    required_when_enabled = ("days", "counted_from", "covers")

    days: PositiveInt | None = Field(
        default=None, description="Days a buyer may claim for the covered problems."
    )
    member_days: PositiveInt | None = Field(
        default=None, description="Longer window for members; null when members get the same days."
    )
    counted_from: AfterSalesStart | None = Field(
        default=None, description="Event the guarantee window starts at."
    )
    covers: UniqueList[GuaranteeCover] = Field(
        default_factory=list, description="Problems the guarantee covers."
    )

    def days_for(self, *, member: bool) -> int | None:
        """Return the guarantee window for a buyer, or None when the store offers none."""
        if not self.enabled:
            return None
        return self.member_days if member and self.member_days is not None else self.days

    @model_validator(mode="after")
    def _member_days(self) -> Self:
        if self.member_days is not None and self.days is not None and self.member_days < self.days:
            _raise_problems([("member_days", f"Must be at least days ({self.days})")])
        return self


class LabelledKey(PolicyModel):
    key: Slug = Field(description="Stable identifier stored on claims.")
    label: Text = Field(description="Wording shown to buyers and staff.")


class WarrantyClass(PolicyModel):
    key: Slug = Field(description="Identifier that products refer to.")
    label: Text = Field(description="Product group as shown to buyers.")
    months: PositiveInt | None = Field(
        default=None, description="Warranty length in months; omit for lifetime."
    )
    lifetime: bool = Field(default=False, description="The warranty never ends; exclusive with months.")

    @model_validator(mode="after")
    def _one_length(self) -> Self:
        if (self.months is None) == (not self.lifetime):
            problem = (
                "Set months or lifetime = true, not both"
                if self.lifetime
                else "Set months or lifetime = true"
            )
            _raise_problems([("months", problem)])
        return self


class Warranty(FeatureSection):
    required_when_enabled = (
        "counted_from",
        "covers",
        "remedies",
        "reaches_end_customers",
        "end_customer_direct_claims",
        "troubleshooting_before_claim",
        "default_class",
        "classes",
    )

    counted_from: AfterSalesStart | None = Field(
        default=None, description="Event the warranty period starts at."
    )
    covers: Literal["parts_and_labor"] | None = Field(
        default=None, description="What a warranty repair includes."
    )
    remedies: UniqueList[WarrantyRemedy] = Field(default_factory=list, description="What the store may do.")
    exclusions: list[LabelledKey] = Field(
        default_factory=list, description="Causes the warranty does not cover."
    )
    reaches_end_customers: bool | None = Field(
        default=None, description="The warranty passes on to the customers of a reseller."
    )
    end_customer_direct_claims: bool | None = Field(
        default=None, description="Those end customers may claim with the store directly."
    )
    troubleshooting_before_claim: bool | None = Field(
        default=None, description="Claimants see the troubleshooting steps before they can open a claim."
    )
    default_class: Slug | None = Field(
        default=None, description="Class used for products without one of their own; must be in classes."
    )
    classes: list[WarrantyClass] = Field(
        default_factory=list, description="Warranty length by product group."
    )

    def class_for(self, key: str | None) -> WarrantyClass | None:
        """Return the warranty class for a product's key, the default class for an unknown key, or None."""
        if not self.enabled:
            return None
        by_key = {item.key: item for item in self.classes}
        return by_key.get(key or "", by_key.get(self.default_class or ""))

    @model_validator(mode="after")
    def _classes(self) -> Self:
        problems = []
        class_keys = [item.key for item in self.classes]
        if len(set(class_keys)) != len(class_keys):
            problems.append(("classes", "Class keys must be unique"))
        exclusion_keys = [item.key for item in self.exclusions]
        if len(set(exclusion_keys)) != len(exclusion_keys):
            problems.append(("exclusions", "Exclusion keys must be unique"))
        if self.default_class is not None and self.default_class not in class_keys:
            listed = ", ".join(class_keys) or "none"
            problems.append(
                ("default_class", f"'{self.default_class}' is not a class key (classes: {listed})")
            )
        if self.end_customer_direct_claims and not self.reaches_end_customers:
            problems.append(("end_customer_direct_claims", "Requires reaches_end_customers = true"))
        _raise_problems(problems)
        return self


class MoneyBack(FeatureSection):
    required_when_enabled = (
        "days",
        "counted_from",
        "any_reason",
        "remedies",
        "refunds_original_shipping",
        "refunds_return_shipping",
        "return_loss_risk",
    )

    days: PositiveInt | None = Field(default=None, description="Days the buyer has to send goods back.")
    counted_from: AfterSalesStart | None = Field(default=None, description="Event the window starts at.")
    any_reason: bool | None = Field(default=None, description="No defect needed: a change of mind is enough.")
    remedies: UniqueList[MoneyBackRemedy] = Field(
        default_factory=list, description="What the buyer may choose once the goods are back."
    )
    refunds_original_shipping: bool | None = Field(
        default=None, description="The shipping paid on the order comes back too."
    )
    refunds_return_shipping: bool | None = Field(
        default=None, description="The buyer's cost of sending the goods back is reimbursed."
    )
    return_loss_risk: Party | None = Field(
        default=None, description="Who bears a parcel lost on its way back."
    )


class Returns(FeatureSection):
    required_when_enabled = ("days", "counted_from")

    days: PositiveInt | None = Field(default=None, description="Days within which goods may be returned.")
    counted_from: AfterSalesStart | None = Field(
        default=None, description="Event the return window starts at."
    )
    rma_required: bool = Field(
        description="Every return, including warranty and money-back ones, needs an RMA number first."
    )
    return_shipping_paid_by: Party = Field(
        description="Who pays to send goods back, unless a guarantee says more."
    )
    return_address: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None
    ) = Field(
        default=None,
        description="Where returned goods are sent, one line per address line; null: the store address.",
    )


class Refunds(PolicyModel):
    min_working_days: PositiveInt = Field(description="Earliest refund, in working days.")
    max_working_days: PositiveInt = Field(description="Latest promised refund, in working days.")
    counted_from: Literal["return_verified"] = Field(description="Event the refund clock starts at.")
    destination: Literal["original_payment_method"] = Field(description="Where refunded money goes.")
    currency: Literal["USD"] = Field(description="Currency refunds are paid in.")

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.min_working_days > self.max_working_days:
            _raise_problems(
                [("min_working_days", f"Must not exceed max_working_days ({self.max_working_days})")]
            )
        return self


class Invoices(PolicyModel):
    commercial_invoice: CommercialInvoice = Field(
        description="Whether every order gets a commercial invoice."
    )
    request_at_checkout: bool = Field(description="The buyer can ask for the invoice in a checkout remark.")
    request_after_shipment_days: PositiveInt | None = Field(
        default=None,
        description="Days after shipment the buyer can still ask from the order page; null: never.",
    )

    @model_validator(mode="after")
    def _request_paths(self) -> Self:
        problems = []
        if self.commercial_invoice == CommercialInvoice.ALWAYS:
            if self.request_at_checkout:
                problems.append(("request_at_checkout", "Must be false when the invoice is always issued"))
            if self.request_after_shipment_days is not None:
                problems.append(
                    ("request_after_shipment_days", "Must be omitted when the invoice is always issued")
                )
        elif not self.request_at_checkout and self.request_after_shipment_days is None:
            problems.append(("request_at_checkout", "An on-request invoice needs a way to request it"))
        _raise_problems(problems)
        return self


class SupportTarget(PolicyModel):
    first_response_working_hours: PositiveInt = Field(
        description="Working hours until the first staff reply."
    )
    resolution_working_hours: PositiveInt = Field(description="Working hours until the matter is resolved.")

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.first_response_working_hours > self.resolution_working_hours:
            _raise_problems(
                [
                    (
                        "first_response_working_hours",
                        f"Must not exceed resolution_working_hours ({self.resolution_working_hours})",
                    )
                ]
            )
        return self


class SupportTargets(PolicyModel):
    pre_sales: SupportTarget = Field(description="Questions before buying: specifications, usage, rules.")
    order: SupportTarget = Field(description="Questions about an order being processed.")
    logistics: SupportTarget = Field(description="Shipping status and delivery questions.")
    after_sales: SupportTarget = Field(description="Returns, refunds, guarantee and warranty claims.")
    suggestion: SupportTarget = Field(description="Ideas for improving the service.")
    complaint: SupportTarget = Field(description="Complaints about the store or its staff.")


class Support(PolicyModel):
    channel: Literal["contact_us"] = Field(description="The one place buyers raise every kind of request.")
    targets: SupportTargets = Field(description="Response and resolution targets for each topic.")

    def target(self, topic: SupportTopic | str) -> SupportTarget:
        """Return the targets for a ticket topic."""
        return getattr(self.targets, SupportTopic(topic).value)


class Reviews(FeatureSection):
    required_when_enabled = ("after",)

    after: Literal["delivery"] | None = Field(
        default=None, description="Event after which the buyer may comment."
    )


# --- The policy ----------------------------------------------------------------------------------------


class StorePolicy(PolicyModel):
    """Everything a store promises its buyers; orders keep the version they were placed under."""

    schema_version: Literal[1] = Field(description="Layout version of this document.")
    store: StoreInfo = Field(description="Who the store is and where and when it works.")
    currency: Currency = Field(description="Money the store settles in.")
    payments: Payments = Field(description="How buyers pay.")
    orders: Orders = Field(description="Order review and cancellation rules.")
    dispatch: Dispatch = Field(description="How soon paid orders leave the warehouse.")
    shipping: Shipping = Field(description="Shipping costs, duties, carriers and delivery times.")
    quotes: Quotes = Field(description="Price requests for carts, unlisted parts and customized goods.")
    coupons: Coupons = Field(description="Discount coupons and promotion codes.")
    membership: Membership = Field(description="Paid membership and its cancellation terms.")
    quality_guarantee: QualityGuarantee = Field(description="Claims for defective, wrong or lost goods.")
    warranty: Warranty = Field(description="Repair or replacement for defects, by product group.")
    money_back: MoneyBack = Field(
        description="Send goods back within a window and choose refund or replacement."
    )
    returns: Returns = Field(description="Plain return window and rules shared by every return.")
    refunds: Refunds = Field(description="How fast and where refunds are paid.")
    invoices: Invoices = Field(description="Commercial invoices.")
    support: Support = Field(description="Contact channel and response targets.")
    reviews: Reviews = Field(description="Buyer comments on orders.")

    @model_validator(mode="after")
    def _sections_agree(self) -> Self:
        problems = []
        if self.dispatch.counted_from == DispatchStart.REVIEW_APPROVAL and not self.orders.review_required:
            problems.append(
                ("dispatch.counted_from", "'review_approval' requires orders.review_required = true")
            )
        offers_shipping_coupons = self.coupons.enabled and CouponKind.SHIPPING in self.coupons.kinds
        if self.shipping.free_shipping and offers_shipping_coupons:
            problems.append(
                ("coupons.kinds", "Shipping coupons make no sense when shipping.free_shipping = true")
            )
        membership = self.membership
        if membership.enabled and membership.revoke_welcome_shipping_coupons and not offers_shipping_coupons:
            problems.append(
                ("membership.revoke_welcome_shipping_coupons", "Requires shipping coupons in coupons.kinds")
            )
        if self.quality_guarantee.member_days is not None and not membership.enabled:
            problems.append(("quality_guarantee.member_days", "Requires membership.enabled = true"))
        _raise_problems(problems)
        return self

    def offers(self, method: PaymentMethod | str) -> bool:
        """Say whether buyers may pay with this method."""
        return method in self.payments.methods

    def warranty_class(self, key: str | None) -> WarrantyClass | None:
        """Return a product's warranty class, falling back to the default class; None without a warranty."""
        return self.warranty.class_for(key)

    def quality_guarantee_days(self, *, member: bool) -> int | None:
        """Return the quality-guarantee window for a buyer, or None when the store offers none."""
        return self.quality_guarantee.days_for(member=member)

    def support_target(self, topic: SupportTopic | str) -> SupportTarget:
        """Return the support targets for a ticket topic."""
        return self.support.target(topic)
