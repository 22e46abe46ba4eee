"""Storefront and desk pages: the order page's entitlements, filing an RMA, the desk steps, the public
claim page; another buyer, a non-desk staff member and a guessed token all find nothing (404)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tradepost.accounts.models import AccountType
from tradepost.aftersales import services
from tradepost.aftersales.models import Rma, TroubleshootingGuide
from tradepost.aftersales.tests.factories import LM317, delivered_order, shop, staff
from tradepost.catalog.models import Category
from tradepost.conftest import PASSWORD, make_user
from tradepost.invoices.tests.factories import pdf_text

pytestmark = pytest.mark.django_db

SHIPPED = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def login(client, user):
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_order_page_lists_entitlements_and_the_buyer_files_an_rma(client, buyer):
    shop("wholesale")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    line = order.lines.get(sku=LM317)
    TroubleshootingGuide.objects.create(
        category=Category.objects.get(slug="regulators"),
        title="Regulator checks",
        steps="Check the input voltage",
    )
    login(client, buyer)
    with time_machine.travel(SHIPPED + timedelta(days=10), tick=False):
        page = client.get(reverse("storefront:order_detail", args=[order.number])).content.decode()
        assert "Money-back guarantee" in page and "Warranty for Everything else: 3 months" in page
        assert "2026-03-17" in page  # money-back until: 14 days from the first shipment
        new = reverse("storefront:rma_new", args=[order.number]) + f"?line={line.pk}"
        form = client.get(new).content.decode()
        assert "Check the input voltage" in form
        refused = client.post(
            new,
            {
                "line": line.pk,
                "quantity": 99,
                "reason": "defective",
                "remedy": "warranty",
                "description": "x",
            },
        )
        assert refused.status_code == 400 and "At most 10" in refused.content.decode()
        assert not Rma.objects.exists()
        done = client.post(
            new, {"line": line.pk, "quantity": 2, "reason": "changed_mind", "description": "No"}
        )
        detail = client.get(done["Location"]).content.decode()
    rma = Rma.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("storefront:rma_detail", args=[rma.number])
    assert rma.number in detail and "Requested" in detail


def test_other_people_and_other_desks_find_nothing(client, buyer, other_buyer):
    shop("components")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    with time_machine.travel(DELIVERED + timedelta(days=1), tick=False):
        rma = services.rma_request(
            order=order,
            user=buyer,
            claim=services.Claim(
                line_id=order.lines.get(sku=LM317).pk, quantity=1, reason="defective", description="x"
            ),
        )
    login(client, other_buyer)
    assert client.get(reverse("storefront:rma_detail", args=[rma.number])).status_code == 404
    assert client.get(reverse("storefront:rma_new", args=[order.number]) + "?line=1").status_code == 404
    client.logout()
    login(client, staff("shipper@example.com", desks=("fulfilment",)))
    assert client.get(reverse("backoffice:aftersales_rma", args=[rma.number])).status_code == 404
    assert client.get(reverse("storefront:rma_public", args=["not-a-token"])).status_code == 404


def test_desk_approves_and_the_buyer_prints_the_form(client, buyer):
    shop("components")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    with time_machine.travel(DELIVERED + timedelta(days=1), tick=False):
        rma = services.rma_request(
            order=order,
            user=buyer,
            claim=services.Claim(
                line_id=order.lines.get(sku=LM317).pk, quantity=1, reason="wrong_item", description="x"
            ),
        )
    login(client, staff())
    queue = client.get(reverse("backoffice:aftersales_queue")).content.decode()
    assert rma.number in queue
    act = reverse("backoffice:aftersales_act", args=[rma.number, "approve"])
    response = client.post(act, {"approve-return_address": "Returns desk\nShenzhen", "approve-note": ""})
    assert response.status_code == 302
    rma.refresh_from_db()
    assert rma.approved_at and rma.return_address == "Returns desk\nShenzhen"
    refused = client.post(
        reverse("backoffice:aftersales_act", args=[rma.number, "reject"]), {"reject-reason": "x"}
    )
    assert refused.status_code == 400
    client.logout()
    login(client, buyer)
    pdf = client.get(reverse("storefront:rma_pdf", args=[rma.number]))
    text = pdf_text(pdf.content)
    assert pdf["Content-Type"] == "application/pdf" and rma.number in text and "Shenzhen" in text


def test_public_claim_page(client, mailoutbox, django_capture_on_commit_callbacks):
    shop("wholesale")
    reseller = make_user("shop@example.com", full_name="Rita", account_type=AccountType.RESELLER)
    order = delivered_order(reseller, shipped=SHIPPED, delivered=DELIVERED)
    services.end_customer_register(
        order=order, user=reseller, line_id=order.lines.get(sku=LM317).pk, name="Eve", email="eve@example.net"
    )
    url = reverse("storefront:rma_public_start")
    data = {"order_number": order.number, "quantity": 1, "reason": "defective", "description": "Dead"}
    with time_machine.travel(DELIVERED + timedelta(days=5), tick=False):
        wrong = client.post(url, {**data, "proof": "mallory@example.net"})
        assert wrong.status_code == 422 and "no goods for this order number" in wrong.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            ok = client.post(url, {**data, "proof": "EVE@example.net"})
    assert ok.status_code == 302 and "/returns/claim/" in ok["Location"]
    assert ok["Location"] in mailoutbox[-1].body
    assert "Requested" in client.get(ok["Location"]).content.decode()


def test_photos_travel_with_the_request_and_only_images_pass(client, buyer, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    shop("components")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    line = order.lines.get(sku=LM317)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    png = SimpleUploadedFile("burnt.png", buffer.getvalue(), content_type="image/png")
    fake = SimpleUploadedFile("burnt.png", b"not an image", content_type="image/png")
    login(client, buyer)
    url = reverse("storefront:rma_new", args=[order.number]) + f"?line={line.pk}"
    data = {"line": line.pk, "quantity": 1, "reason": "defective", "description": "Burnt"}
    with time_machine.travel(DELIVERED + timedelta(days=3), tick=False):
        refused = client.post(url, {**data, "photos": [fake]})
        assert refused.status_code == 400 and not Rma.objects.exists()
        assert client.post(url, {**data, "photos": [png]}).status_code == 302
    rma = Rma.objects.get()
    assert rma.photos.count() == 1
    client.logout()
    login(client, staff())
    photo = client.get(reverse("backoffice:aftersales_photo", args=[rma.photos.get().pk]))
    assert photo.status_code == 200


def test_the_order_page_reads_entitlements_in_fixed_queries(buyer, django_assert_max_num_queries):
    from tradepost.aftersales.selectors import order_entitlements

    shop("components")
    from tradepost.orders.selectors import order_for_buyer

    number = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED).number
    order = order_for_buyer(user=buyer, number=number)  # as the order page has it
    with django_assert_max_num_queries(3):  # parcels with lines, units already claimed, the lines
        items = order_entitlements(order)
    assert len(items) == 2


def test_desk_walks_a_return_to_a_refund_through_its_forms(client, buyer):
    shop("direct")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    line = order.lines.get(sku=LM317)
    with time_machine.travel(DELIVERED + timedelta(days=30), tick=False):
        rma = services.rma_request(
            order=order,
            user=buyer,
            claim=services.Claim(line_id=line.pk, quantity=4, reason="changed_mind", description="Too many"),
        )
    login(client, staff())

    def act(action, data):
        fields = {f"{action}-{key}": value for key, value in data.items()}
        return client.post(reverse("backoffice:aftersales_act", args=[rma.number, action]), fields)

    assert act("approve", {"return_address": "", "note": ""}).status_code == 302
    assert act("receive", {"restock": "on", "note": "Sealed"}).status_code == 302
    page = client.get(reverse("backoffice:aftersales_rma", args=[rma.number])).content.decode()
    assert "Restocked" in page and 'id="act-inspect"' in page
    assert act("inspect", {"condition": "Sealed", "exclusion": ""}).status_code == 302
    page = client.get(reverse("backoffice:aftersales_rma", args=[rma.number])).content.decode()
    expected = str(line.line_total * 4 / 10)
    assert f'value="{expected}"' in page  # the refund the rule allows, proposed
    too_much = act("resolve", {"resolution": "refund", "amount": "999999", "note": ""})
    assert too_much.status_code == 400 and "At most" in too_much.content.decode()
    assert act("resolve", {"resolution": "repair", "note": ""}).status_code == 400  # returns only refund
    assert act("resolve", {"resolution": "refund", "amount": "", "note": ""}).status_code == 302
    rma.refresh_from_db()
    assert rma.resolution == "refund" and str(rma.refund.amount) == expected
    queue = client.get(reverse("backoffice:aftersales_queue")).content.decode()
    assert rma.number in queue and "RMA refunds to send" in queue


def test_a_reseller_records_an_end_customer_on_the_page(client, buyer):
    shop("wholesale")
    reseller = make_user("shop@example.com", full_name="Rita", account_type=AccountType.RESELLER)
    order = delivered_order(reseller, shipped=SHIPPED, delivered=DELIVERED)
    line = order.lines.get(sku=LM317)
    url = reverse("storefront:order_end_customers", args=[order.number])
    login(client, reseller)
    bad = client.post(url, {"line_id": line.pk, "name": "Eve", "email": "not-an-email"})
    assert bad.status_code == 400
    ok = client.post(url, {"line_id": line.pk, "name": "Eve", "email": "eve@example.net", "serial": "sn-1"})
    assert ok.status_code == 302
    assert order.end_customers.get().serial == "SN-1"
    again = client.post(
        url, {"line_id": line.pk, "name": "Eve", "email": "eve@example.net", "serial": "SN-1"}
    )
    assert again.status_code == 400 and "already recorded" in again.content.decode()
    client.logout()
    login(client, buyer)  # a plain buyer, and not their order
    assert client.get(url).status_code == 404
