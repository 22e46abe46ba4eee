"""The quote desk through its services: each kind of inquiry to a paid order at the quoted prices."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tradepost.catalog.models import Product
from tradepost.core.exceptions import Conflict, NotFound, ValidationFailed
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.tests.factories import make_address, staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.quotes import services
from tradepost.quotes.models import (
    Attachment,
    Inquiry,
    InquiryEvent,
    InquiryStatus,
    Production,
    Quotation,
    QuotationStatus,
)
from tradepost.quotes.selectors import attachment_for, inquiry_for_buyer, quotation_for_buyer
from tradepost.quotes.services import LineInput, Upload
from tradepost.quotes.tests.factories import (
    a_date,
    accept,
    cart_inquiry,
    customized_inquiry,
    pdf,
    quote_shop,
    sales_staff,
    send_quotation,
    unlisted_inquiry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return sales_staff()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block queued for after commit (emails) when it ends."""
    return django_capture_on_commit_callbacks


def pay(order):
    finance = staff_member("finance@example.com", desks=("finance", "fulfilment"))
    wire_receipt_record(order=order, amount=order.total, bank_reference=f"B-{order.number}", actor=finance)
    order.refresh_from_db()
    return order


def test_inquiry_cart_keeps_parts_across_visits_and_sends_them_at_once(buyer, staff, committed):
    quote_shop()
    services.inquiry_cart_line_set(user=buyer, sku="TI-LM317T", quantity=500, target_price="0.30")
    services.inquiry_cart_line_set(user=buyer, sku="AMS-1117-33", quantity=1000)
    services.inquiry_cart_line_set(user=buyer, sku="TI-LM317T", quantity=100, add=True)
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        with committed(execute=True):
            inquiry = services.inquiry_cart_submit(user=buyer, notes="Monthly need")
        now = timezone.now()
    assert inquiry.kind == "inquiry_cart" and inquiry.status == InquiryStatus.RECEIVED
    # components preset: 12 clock hours
    assert inquiry.due_at == now + timedelta(hours=12)
    lines = {line.sku: line for line in inquiry.lines.all()}
    assert lines["TI-LM317T"].quantity == 600 and lines["TI-LM317T"].target_price == Decimal("0.3000")
    assert not buyer.inquiry_cart.lines.exists()
    assert inquiry.number.startswith("RQ-")
    assert mail.outbox[-1].to == [buyer.email]
    assert inquiry.due_at.strftime("%Y-%m-%d %H:%M") in mail.outbox[-1].body
    with pytest.raises(ValidationFailed) as caught:
        services.inquiry_cart_submit(user=buyer)
    assert caught.value.errors[0].field == "cart"


def test_cart_line_refuses_bad_input_naming_the_field(buyer):
    quote_shop()
    for kwargs, field in [
        ({"sku": "NOPE", "quantity": 1}, "sku"),
        ({"sku": "TI-LM317T", "quantity": 0}, "quantity"),
        ({"sku": "TI-LM317T", "quantity": 5, "target_price": "-1"}, "target_price"),
        ({"sku": "TI-LM317T", "quantity": 5, "target_price": "0.123456"}, "target_price"),
    ]:
        with pytest.raises((ValidationFailed, NotFound)) as caught:
            services.inquiry_cart_line_set(user=buyer, **kwargs)
        assert caught.value.errors[0].field == field


def test_quotes_disabled_in_the_direct_preset(buyer):
    quote_shop("direct")
    with pytest.raises(ValidationFailed) as caught:
        unlisted_inquiry(buyer)
    assert caught.value.code == "quotes_disabled"


def test_cart_inquiry_to_a_paid_order_at_the_quoted_prices(buyer, staff, committed):
    quote_shop()
    inquiry = cart_inquiry(buyer, {"TI-LM317T": 50})
    with committed(execute=True):
        quotation = send_quotation(inquiry, staff)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.QUOTED and inquiry.first_quoted_at is not None
    assert quotation.goods_total == Decimal("15.00")
    assert "quotation" in mail.outbox[-1].subject.lower()
    assert f"/account/inquiries/{inquiry.number}/" in mail.outbox[-1].body
    # A catalog price change does not touch the quotation.
    Product.objects.filter(sku="TI-LM317T").update(price_from=Decimal("9"))
    order, created = accept(buyer, quotation)
    assert created
    line = order.lines.get()
    assert line.unit_price == Decimal("0.3000") and line.line_total == Decimal("15.00")
    assert line.product.sku == "TI-LM317T"
    assert order.goods_total == Decimal("15.00") and order.total == order.goods_total + order.shipping_total
    assert Product.objects.get(sku="TI-LM317T").stock == 50
    quotation.refresh_from_db()
    inquiry.refresh_from_db()
    assert quotation.status == QuotationStatus.ACCEPTED and quotation.order == order
    assert inquiry.status == InquiryStatus.ORDERED
    assert pay(order).status in (OrderStatus.PAID, OrderStatus.APPROVED, OrderStatus.IN_REVIEW)


def test_unlisted_part_becomes_an_order_line_without_product(buyer, staff):
    quote_shop()
    inquiry = unlisted_inquiry(buyer, files=[pdf("datasheet.pdf")], notes="Tray packing")
    assert inquiry.attachments.get().name == "datasheet.pdf"
    quotation = send_quotation(inquiry, staff)
    order, _ = accept(buyer, quotation)
    line = order.lines.get()
    assert line.product is None
    assert line.mpn == "STM32F103C8T6" and line.manufacturer == "ST" and line.sku.startswith("QUOTED-")
    assert line.unit_price == Decimal("1.1000") and line.quantity == 100
    assert order.chargeable_weight_grams >= 2000  # 100 x 20 g entered by staff
    assert pay(order).paid_at is not None
    assert not Production.objects.exists()


def test_customized_goods_go_through_production_after_payment(buyer, staff):
    quote_shop()
    inquiry = customized_inquiry(buyer)
    assert inquiry.spec == {
        "length_mm": "250",
        "connector_a": "USB-C",
        "connector_b": "JST-XH",
        "colour": "black",
    }
    quotation = send_quotation(inquiry, staff, promised_ship_date=a_date(10))
    order, _ = accept(buyer, quotation)
    production = Production.objects.get(order=order)
    assert production.promised_ship_date == a_date(10)
    assert production.state == "awaiting_payment"
    with pytest.raises(Conflict):
        services.production_mark_ready(production=production, actor=staff)
    pay(order)
    production.refresh_from_db()
    assert production.state == "in_production"
    assert not production.is_late(a_date(10)) and production.is_late(a_date(11))
    production = services.production_mark_ready(production=production, actor=staff)
    assert production.state == "ready" and production.ready_by == staff
    assert order.events.filter(message__icontains="ready to ship").exists()
    Order.objects.filter(pk=order.pk).update(first_shipped_at=timezone.now())
    production.order.refresh_from_db()
    assert production.state == "shipped" and not production.is_late(a_date(30))


def test_customized_spec_is_validated_field_by_field(buyer):
    quote_shop()
    with pytest.raises(ValidationFailed) as caught:
        customized_inquiry(
            buyer,
            spec={"length_mm": "2.5", "connector_a": "HDMI", "surprise": "x"},
            quantity=0,
        )
    fields = {error.field for error in caught.value.errors}
    assert {"spec.length_mm", "spec.connector_a", "spec.connector_b", "spec.surprise", "quantity"} <= fields
    assert not Inquiry.objects.exists()
    with pytest.raises(NotFound) as caught:
        customized_inquiry(buyer, product_type="regulators")
    assert caught.value.errors[0].field == "product_type"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (Upload("virus.exe", "application/octet-stream", b"MZ\x90\x00"), "file_type"),
        (Upload("fake.pdf", "application/pdf", b"MZ not a pdf"), "file_type"),
        (Upload("empty.pdf", "application/pdf", b""), "invalid_file"),
        (Upload("big.pdf", "application/pdf", b"%PDF-" + b"0" * 2048), "file_too_large"),
    ],
)
def test_attachments_are_type_and_size_checked_and_nothing_is_half_written(buyer, settings, upload, code):
    settings.QUOTES_MAX_ATTACHMENT_BYTES = 1024
    quote_shop()
    with pytest.raises(ValidationFailed) as caught:
        unlisted_inquiry(buyer, files=[pdf(), upload])
    assert caught.value.errors[0].field == "files" and caught.value.errors[0].code == code
    assert not Inquiry.objects.exists() and not Attachment.objects.exists()


def test_only_the_owner_and_sales_staff_reach_files_inquiries_and_quotations(buyer, other_buyer, staff):
    quote_shop()
    inquiry = customized_inquiry(buyer)
    quotation = send_quotation(inquiry, staff)
    attachment = inquiry.attachments.get()
    assert attachment_for(user=buyer, attachment_id=attachment.pk) == attachment
    assert attachment_for(user=staff, attachment_id=attachment.pk) == attachment
    fulfilment = staff_member("ops@example.com", desks=("fulfilment",))
    for someone in (other_buyer, fulfilment):
        with pytest.raises(NotFound):
            attachment_for(user=someone, attachment_id=attachment.pk)
    with pytest.raises(NotFound):
        inquiry_for_buyer(user=other_buyer, number=inquiry.number)
    with pytest.raises(NotFound):
        quotation_for_buyer(user=other_buyer, quotation_id=quotation.pk)
    with pytest.raises(NotFound):
        accept(other_buyer, quotation)
    with pytest.raises(NotFound):
        services.quotation_decline(quotation=quotation, user=other_buyer)
    assert not Order.objects.exists()


def test_revision_supersedes_the_old_version_which_cannot_be_ordered(buyer, staff):
    quote_shop()
    inquiry = unlisted_inquiry(buyer)
    first = send_quotation(inquiry, staff)
    second = send_quotation(
        inquiry, staff, lines=[LineInput(mpn="STM32F103C8T6", title="MCU", quantity=100, unit_price="0.95")]
    )
    first.refresh_from_db()
    assert first.status == QuotationStatus.SUPERSEDED and second.version == 2
    assert inquiry.events.filter(kind=InquiryEvent.Kind.REVISED).exists()
    with pytest.raises(Conflict) as caught:
        accept(buyer, first)
    assert caught.value.code == "quotation_superseded"
    order, _ = accept(buyer, second)
    assert order.lines.get().unit_price == Decimal("0.9500")


def test_an_expired_quotation_cannot_be_ordered(buyer, staff):
    quote_shop()
    inquiry = cart_inquiry(buyer)
    quotation = send_quotation(inquiry, staff)
    # components preset: valid for 7 days by default
    assert quotation.valid_until == quotation.sent_at + timedelta(days=7)
    with time_machine.travel(quotation.valid_until + timedelta(seconds=1)):
        quotation.refresh_from_db()
        assert quotation.display_state(timezone.now()) == "expired"
        with pytest.raises(Conflict) as caught:
            accept(buyer, quotation)
        assert caught.value.code == "quotation_expired"
    assert not Order.objects.exists()
    assert Product.objects.get(sku="TI-LM317T").stock == 100


def test_a_chosen_validity_date_runs_to_the_end_of_that_day_at_the_store(buyer, staff):
    quote_shop()
    quotation = send_quotation(cart_inquiry(buyer), staff, valid_until=a_date(3))
    assert quotation.valid_until > quotation.sent_at + timedelta(days=2)
    for wrong in (a_date(-2), a_date(400), date.max):
        with pytest.raises(ValidationFailed) as caught:
            send_quotation(unlisted_inquiry(buyer), staff, valid_until=wrong)
        assert caught.value.errors[0].field == "valid_until"
    with pytest.raises(ValidationFailed) as caught:
        send_quotation(customized_inquiry(buyer), staff, promised_ship_date=date.max)
    assert caught.value.errors[0].field == "promised_ship_date"


def test_buyer_declines_the_quotation(buyer, staff):
    quote_shop()
    inquiry = cart_inquiry(buyer)
    quotation = send_quotation(inquiry, staff)
    services.quotation_decline(quotation=quotation, user=buyer, reason="Found it cheaper")
    quotation.refresh_from_db()
    inquiry.refresh_from_db()
    assert quotation.status == QuotationStatus.DECLINED and inquiry.status == InquiryStatus.CLOSED
    with pytest.raises(Conflict):
        accept(buyer, quotation)
    with pytest.raises(Conflict):
        send_quotation(inquiry, staff)


def test_store_declines_with_a_reason_and_the_live_quotation_is_withdrawn(buyer, staff, committed):
    quote_shop()
    inquiry = unlisted_inquiry(buyer)
    quotation = send_quotation(inquiry, staff)
    with pytest.raises(ValidationFailed):
        services.inquiry_decline(inquiry=inquiry, actor=staff, reason=" ")
    with committed(execute=True):
        services.inquiry_decline(inquiry=inquiry, actor=staff, reason="End of life part, no stock anywhere.")
    quotation.refresh_from_db()
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.DECLINED and quotation.status == QuotationStatus.WITHDRAWN
    assert "End of life" in mail.outbox[-1].body
    with pytest.raises(Conflict):
        accept(buyer, quotation)


def test_accepting_twice_makes_one_order(buyer, staff):
    quote_shop()
    quotation = send_quotation(cart_inquiry(buyer, {"TI-LM317T": 10}), staff)
    first, created = accept(buyer, quotation)
    again, created_again = accept(buyer, quotation)
    assert created and not created_again and again.pk == first.pk
    assert Order.objects.count() == 1
    assert Product.objects.get(sku="TI-LM317T").stock == 90


def test_quoted_catalog_parts_need_stock_and_nothing_is_placed_without_it(buyer, staff):
    quote_shop()
    quotation = send_quotation(cart_inquiry(buyer, {"TI-LM317T": 80}), staff)
    Product.objects.filter(sku="TI-LM317T").update(stock=10)
    with pytest.raises(Conflict) as caught:
        accept(buyer, quotation)
    assert caught.value.code == "out_of_stock"
    quotation.refresh_from_db()
    assert quotation.status == QuotationStatus.SENT and not Order.objects.exists()


def test_checkout_errors_name_fields(buyer, staff):
    quote_shop()
    quotation = send_quotation(cart_inquiry(buyer), staff)
    with pytest.raises(ValidationFailed) as caught:
        accept(buyer, quotation, payment_method="bitcoin")
    assert [e.field for e in caught.value.errors] == ["payment_method"]
    with pytest.raises(ValidationFailed) as caught:
        accept(buyer, quotation, address=make_address(buyer, country="AQ"))
    assert caught.value.errors[0].field == "shipping_method"


def test_quotation_lines_are_checked(buyer, staff):
    quote_shop()
    inquiry = customized_inquiry(buyer)
    with pytest.raises(ValidationFailed) as caught:
        services.quotation_send(
            inquiry=inquiry,
            actor=staff,
            lines=[
                LineInput(sku="NOPE", quantity=1, unit_price="1"),
                LineInput(mpn="", title="Cable", quantity=0, unit_price="-1", lead_time_days=900),
            ],
        )
    fields = {e.field for e in caught.value.errors}
    assert {
        "lines[0].sku",
        "lines[1].mpn",
        "lines[1].quantity",
        "lines[1].unit_price",
        "lines[1].lead_time_days",
        "promised_ship_date",
    } <= fields
    assert not Quotation.objects.exists()


def test_expiry_notice_goes_once(buyer, staff, committed):
    quote_shop()
    quotation = send_quotation(cart_inquiry(buyer), staff)
    assert services.quotations_notify_expiring() == 0
    mail.outbox.clear()
    with time_machine.travel(quotation.valid_until - timedelta(hours=20)), committed(execute=True):
        assert services.quotations_notify_expiring() == 1
        assert services.quotations_notify_expiring() == 0
    assert len(mail.outbox) == 1 and "expires" in mail.outbox[0].subject
    with time_machine.travel(quotation.valid_until + timedelta(hours=1)):
        assert services.quotations_notify_expiring() == 0


def test_desk_assign_note_and_message(buyer, staff, committed):
    quote_shop()
    inquiry = cart_inquiry(buyer)
    services.inquiry_assign(inquiry=inquiry, actor=staff, assignee=staff)
    with pytest.raises(ValidationFailed):
        services.inquiry_assign(inquiry=inquiry, actor=staff, assignee=buyer)
    services.inquiry_note_add(inquiry=inquiry, actor=staff, note="Check the distributor")
    mail.outbox.clear()
    with committed(execute=True):
        services.inquiry_message_add(inquiry=inquiry, actor=staff, message="Is RoHS required?")
    assert "RoHS" in mail.outbox[0].body
    services.inquiry_message_add(inquiry=inquiry, actor=buyer, message="Yes")
    kinds = list(inquiry.events.values_list("kind", "actor_role", "buyer_visible"))
    assert ("note", "staff", False) in kinds and ("message", "buyer", True) in kinds
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == staff


def test_remind_command_sends_each_notice_once(buyer, staff, committed):
    from io import StringIO

    from django.core.management import call_command

    quote_shop()
    quotation = send_quotation(cart_inquiry(buyer), staff)
    with time_machine.travel(quotation.valid_until - timedelta(hours=2)):
        out = StringIO()
        call_command("quotes", "remind", stdout=out)
        assert out.getvalue().strip() == "1 expiry reminders sent."
        out = StringIO()
        call_command("quotes", "remind", stdout=out)
        assert out.getvalue().strip() == "0 expiry reminders sent."


def test_a_failure_after_files_were_saved_leaves_no_file_behind(buyer, settings, monkeypatch, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    quote_shop()

    def mail_server_down(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "quote_email_queue", mail_server_down)
    with pytest.raises(RuntimeError):
        customized_inquiry(buyer)
    assert not Inquiry.objects.exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_totals_a_money_column_cannot_hold_are_refused(buyer, staff):
    quote_shop()
    with pytest.raises(ValidationFailed) as caught:
        send_quotation(
            unlisted_inquiry(buyer),
            staff,
            lines=[LineInput(mpn="X", title="X", quantity=10_000_000, unit_price="9999999999.9999")],
        )
    assert caught.value.errors[0].field == "lines[0].quantity"


def test_an_order_from_a_quotation_keeps_member_benefits_decided_at_order_time(buyer, staff, monkeypatch):
    import tradepost.checkout.services as checkout

    quote_shop()
    quotation = send_quotation(cart_inquiry(buyer, {"TI-LM317T": 10}), staff)
    monkeypatch.setattr(checkout, "is_member", lambda *, user, now: user == buyer)
    order, _ = accept(buyer, quotation)
    assert order.member_benefits is True
