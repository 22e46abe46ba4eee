"""Broken policy files fail loudly, naming the file and every bad field."""

import pytest

from tradepost.core.exceptions import ApplicationError
from tradepost.policies.loading import (
    PolicyFileError,
    UnknownPreset,
    load_policy_file,
    load_preset,
    parse_policy,
)

from .conftest import preset_text

_components = preset_text("components")
WIRE_BLOCK = _components[
    _components.index("[payments.wire_transfer]") : _components.index("[payments.western_union]")
]
ACCESSORIES = 'key = "cell_phone_accessories"\nlabel = "Mobile phone accessories"\nlifetime = true'


def case(case_id, preset, old, new, field, fragment):
    return pytest.param(preset, [(old, new)], field, fragment, id=case_id)


BROKEN = [
    case(
        "negative-days-components",
        "components",
        "\ndays = 90",
        "\ndays = -90",
        "quality_guarantee.days",
        "greater than 0",
    ),
    case(
        "negative-days-wholesale",
        "wholesale",
        "\ndays = 14",
        "\ndays = -14",
        "money_back.days",
        "greater than 0",
    ),
    case("negative-days-direct", "direct", "\ndays = 60", "\ndays = -60", "returns.days", "greater than 0"),
    case(
        "unknown-payment-method",
        "direct",
        'methods = ["paypal", "card"]',
        'methods = ["paypal", "bitcoin"]',
        "payments.methods.1",
        "'paypal', 'card', 'wire_transfer' or 'western_union'",
    ),
    case(
        "unknown-key",
        "wholesale",
        'return_loss_risk = "buyer"',
        'return_loss_risk = "buyer"\nrestocking_fee = 15',
        "money_back.restocking_fee",
        "Extra inputs are not permitted",
    ),
    case(
        "unknown-key-components",
        "components",
        "[quotes]\n",
        "[quotes]\nsla_minutes = 720\n",
        "quotes.sla_minutes",
        "Extra inputs are not permitted",
    ),
    case(
        "dispatch-min-over-max",
        "direct",
        "min_working_days = 1\n",
        "min_working_days = 4\n",
        "dispatch.min_working_days",
        "Must not exceed max_working_days (3)",
    ),
    case(
        "delivery-min-over-max",
        "direct",
        "delivery_min_working_days = 6",
        "delivery_min_working_days = 13",
        "shipping.delivery_min_working_days",
        "Must not exceed delivery_max_working_days (12)",
    ),
    case(
        "refund-min-over-max",
        "components",
        "min_working_days = 5  #",
        "min_working_days = 11  #",
        "refunds.min_working_days",
        "Must not exceed max_working_days (10)",
    ),
    case(
        "wire-details-missing",
        "components",
        WIRE_BLOCK,
        "",
        "payments.wire_transfer",
        "Required because 'wire_transfer' is in payments.methods",
    ),
    case(
        "default-class-not-in-table",
        "wholesale",
        'default_class = "other"',
        'default_class = "gadgets"',
        "warranty.default_class",
        "'gadgets' is not a class key",
    ),
    case(
        "member-days-below-days",
        "components",
        "member_days = 100",
        "member_days = 80",
        "quality_guarantee.member_days",
        "Must be at least days (90)",
    ),
    case(
        "member-days-without-membership",
        "components",
        "[membership]\nenabled = true",
        "[membership]\nenabled = false",
        "quality_guarantee.member_days",
        "Requires membership.enabled = true",
    ),
    case(
        "bad-country",
        "wholesale",
        'warehouse_country = "HK"',
        'warehouse_country = "XX"',
        "store.warehouse_country",
        "'XX' is not",
    ),
    case(
        "lower-case-country",
        "wholesale",
        'warehouse_country = "HK"',
        'warehouse_country = "hk"',
        "store.warehouse_country",
        "'hk' is not",
    ),
    case(
        "bad-timezone",
        "direct",
        '"Asia/Shanghai"',
        '"Asia/Beijing"',
        "store.timezone",
        "'Asia/Beijing' is not an IANA timezone",
    ),
    case(
        "duplicate-payment-method",
        "components",
        '["paypal", "card", "wire',
        '["paypal", "card", "paypal", "wire',
        "payments.methods",
        "Duplicate entries: paypal",
    ),
    case(
        "card-without-processor",
        "components",
        'card_processor = "paypal"',
        "# no processor",
        "payments.card_processor",
        "Required because 'card'",
    ),
    case(
        "lifetime-and-months",
        "wholesale",
        ACCESSORIES,
        ACCESSORIES + "\nmonths = 24",
        "warranty.classes.3.months",
        "not both",
    ),
    case(
        "review-approval-without-review",
        "direct",
        "review_required = true",
        "review_required = false",
        "dispatch.counted_from",
        "requires orders.review_required = true",
    ),
    case(
        "shipping-coupons-with-free-shipping",
        "components",
        "free_shipping = false",
        "free_shipping = true",
        "coupons.kinds",
        "free_shipping = true",
    ),
    case(
        "enabled-section-missing-number",
        "components",
        "sla_hours = 12\n",
        "",
        "quotes.sla_hours",
        "Field required while the section is enabled",
    ),
    case(
        "working-hours-reversed",
        "direct",
        'start = "09:00"',
        'start = "19:00"',
        "store.working_hours.end",
        "Must be later than start (19:00)",
    ),
    case(
        "invoice-always-yet-requested",
        "wholesale",
        "request_at_checkout = false",
        "request_at_checkout = true",
        "invoices.request_at_checkout",
        "always issued",
    ),
    case(
        "unknown-schema-version",
        "direct",
        "schema_version = 1",
        "schema_version = 2",
        "schema_version",
        "Input should be 1",
    ),
]


@pytest.mark.parametrize(("preset", "replacements", "field", "fragment"), BROKEN)
def test_broken_copy_names_file_and_field(broken_preset, preset, replacements, field, fragment):
    path = broken_preset(preset, *replacements, filename=f"broken-{preset}.toml")
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path)
    error = caught.value
    assert isinstance(error, ApplicationError)
    assert (error.status, error.code) == (422, "invalid_policy")
    line = next(line for line in error.message.splitlines() if f": {field}: " in line)
    assert line.startswith(f"{path}: {field}: ")
    assert fragment in line
    assert field in [item.field for item in error.errors]


def test_unchanged_copy_loads(broken_preset):
    # The fixture itself must not break a file: an untouched copy is valid.
    assert load_policy_file(broken_preset("wholesale")).store.key == "wholesale"


def test_every_bad_field_is_reported_at_once(broken_preset):
    path = broken_preset(
        "direct",
        ("\ndays = 60", "\ndays = 0"),
        ('"Asia/Shanghai"', '"Mars/Olympus"'),
        ("min_working_days = 1\n", "min_working_days = 9\n"),
    )
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path)
    fields = [item.field for item in caught.value.errors]
    assert fields == ["store.timezone", "dispatch.min_working_days", "returns.days"]
    assert len(caught.value.message.splitlines()) == 3
    assert all(line.startswith(f"{path}: ") for line in caught.value.message.splitlines())


def test_toml_syntax_error_names_file_and_line(broken_preset):
    path = broken_preset("components", ("sla_hours = 12", "sla_hours = "))
    expected_line = preset_text("components").splitlines().index("sla_hours = 12") + 1
    with pytest.raises(PolicyFileError) as caught:
        load_policy_file(path)
    message = caught.value.message
    assert message.startswith(f"{path}: Invalid TOML: ")
    assert f"line {expected_line}" in message
    assert caught.value.errors[0].code == "toml_syntax"


def test_missing_file_is_a_policy_error(tmp_path):
    with pytest.raises(PolicyFileError, match=r"nowhere\.toml: Cannot read the file"):
        load_policy_file(tmp_path / "nowhere.toml")


def test_unknown_preset_lists_the_available_ones():
    with pytest.raises(UnknownPreset) as caught:
        load_preset("marketplace")
    assert "'marketplace'" in caught.value.message
    assert "available presets: components, direct, wholesale" in caught.value.message
    assert caught.value.errors[0].field == "preset"


@pytest.mark.parametrize("name", ["../schema", "components.toml", "", "/etc/passwd"])
def test_preset_names_cannot_reach_other_files(name):
    with pytest.raises(UnknownPreset):
        load_preset(name)


def test_parse_policy_names_the_source_and_each_missing_section():
    with pytest.raises(PolicyFileError) as caught:
        parse_policy({"schema_version": 1}, "api")
    fields = {item.field for item in caught.value.errors}
    assert {"store", "payments", "warranty", "support", "reviews"} <= fields
    assert "schema_version" not in fields
    assert "api: store: Field required" in caught.value.message


def test_disabled_section_needs_only_enabled_flag():
    document = load_preset("components").model_dump(mode="json")
    document["quotes"] = {"enabled": False}
    assert parse_policy(document, "api").quotes.sla_hours is None
