"""The after-sales API: buyers, resellers, the no-account end customer and the desk; others get 404."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tradepost.accounts.models import AccountType
from tradepost.aftersales.tests.factories import LM317, delivered_order, shop, staff
from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.conftest import make_user
from tradepost.invoices.tests.factories import pdf_text

pytestmark = pytest.mark.django_db

SHIPPED = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)


def test_buyer_sees_entitlements_files_an_rma_and_the_desk_walks_it(client, buyer, other_buyer):
    shop("wholesale")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    line = order.lines.get(sku=LM317)
    me, other, desk = token_for(buyer), token_for(other_buyer), token_for(staff())
    with time_machine.travel(SHIPPED + timedelta(days=15), tick=False):
        body = client.get(f"{API}/orders/{order.number}/entitlements", **me).json()
        lm = next(item for item in body if item["sku"] == LM317)
        remedies = {e["remedy"]: e for e in lm["entitlements"]}
        assert not remedies["money_back"]["open"] and remedies["warranty"]["open"]
        assert client.get(f"{API}/orders/{order.number}/entitlements", **other).status_code == 404
        refused = post(
            client,
            "/rmas",
            {
                "order": order.number,
                "line_id": line.pk,
                "quantity": 1,
                "reason": "changed_mind",
                "description": "meh",
            },
            **me,
        )
        problem = assert_problem(refused, 422, field="reason")
        unshipped = post(
            client,
            "/rmas",
            {
                "order": order.number,
                "line_id": 2**31 - 1,
                "quantity": 1,
                "reason": "defective",
                "description": "x",
            },
            **me,
        )
        assert_problem(unshipped, 422, field="line_id")
        assert "closed on" in problem["detail"]
        created = post(
            client,
            "/rmas",
            {
                "order": order.number,
                "line_id": line.pk,
                "quantity": 2,
                "reason": "defective",
                "description": "dead",
            },
            **me,
        )
        assert created.status_code == 201, created.content
        rma = created.json()
        assert rma["state"] == "requested" and rma["remedy"] == "warranty" and rma["form_pdf_url"] is None
        number = rma["number"]
        assert client.get(f"{API}/rmas/{number}", **other).status_code == 404
        assert post(client, f"/desk/rmas/{number}/approve", {}, **me).status_code == 404  # not staff
        approved = post(client, f"/desk/rmas/{number}/approve", {}, **desk).json()
        assert approved["state"] == "approved" and "Hong Kong" in approved["return_address"]
        pdf = client.get(f"{API}/rmas/{number}/form.pdf", **me)
        assert pdf.status_code == 200 and number in pdf_text(pdf.content)
        shipped_back = post(
            client,
            f"/rmas/{number}/return-shipment",
            {"carrier": "HK Post", "tracking_number": "RR1HK"},
            **me,
        ).json()
        assert shipped_back["state"] == "return_shipped"
        post(client, f"/desk/rmas/{number}/receive", {"restock": False}, **desk)
        inspected = post(
            client,
            f"/desk/rmas/{number}/inspect",
            {"condition": "Worn", "exclusion": "wear_and_tear"},
            **desk,
        ).json()
    assert inspected["state"] == "resolved" and inspected["resolution"] == "reject"
    assert inspected["exclusion_label"] == "Normal wear and tear"
    mine = client.get(f"{API}/rmas/{number}", **me).json()
    assert [e["kind"] for e in mine["timeline"]][-2:] == ["inspected", "resolved"]
    queue = client.get(f"{API}/desk/rmas?state=resolved", **desk).json()
    assert [item["number"] for item in queue["items"]] == [number]


def test_end_customer_claims_without_an_account(client, mailoutbox, django_capture_on_commit_callbacks):
    shop("wholesale")
    reseller = make_user("shop@example.com", full_name="Rita", account_type=AccountType.RESELLER)
    order = delivered_order(reseller, shipped=SHIPPED, delivered=DELIVERED)
    line = order.lines.get(sku=LM317)
    recorded = post(
        client,
        f"/orders/{order.number}/end-customers",
        {"line_id": line.pk, "name": "Eve", "email": "eve@example.net", "serial": "SN-9"},
        **token_for(reseller),
    )
    assert recorded.status_code == 201, recorded.content
    claim = {"order_number": order.number, "quantity": 1, "reason": "defective", "description": "dead"}
    with time_machine.travel(DELIVERED + timedelta(days=20), tick=False):
        assert_problem(post(client, "/end-customer/rmas", {**claim, "proof": "SN-0"}), 422, field="proof")
        with django_capture_on_commit_callbacks(execute=True):
            created = post(client, "/end-customer/rmas", {**claim, "proof": "sn-9"})
    assert created.status_code == 201 and "token" not in created.json()
    link = next(m for m in mailoutbox if m.to == ["eve@example.net"]).body
    token = link.split("/returns/claim/")[1].split("/")[0]
    follow = client.get(f"{API}/end-customer/rmas/{token}")
    assert follow.status_code == 200 and follow.json()["requester"] == "end_customer"
    assert client.get(f"{API}/end-customer/rmas/{token}x").status_code == 404


def test_photos_by_multipart_and_the_desk_refund_watch(client, buyer, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from tradepost.aftersales import services

    settings.MEDIA_ROOT = tmp_path
    shop("components")
    order = delivered_order(buyer, shipped=SHIPPED, delivered=DELIVERED)
    desk_user = staff()
    me, desk = token_for(buyer), token_for(desk_user)
    with time_machine.travel(DELIVERED + timedelta(days=3), tick=False):
        rma = services.rma_request(
            order=order,
            user=buyer,
            claim=services.Claim(
                line_id=order.lines.get(sku=LM317).pk, quantity=10, reason="defective", description="dead"
            ),
        )
        buffer = io.BytesIO()
        Image.new("RGB", (2, 2)).save(buffer, "JPEG")
        url = f"{API}/rmas/{rma.number}/photos"
        bad = client.post(url, {"photos": [SimpleUploadedFile("a.jpg", b"<svg/>")]}, **me)
        assert_problem(bad, 422, field="photos")
        good = client.post(url, {"photos": [SimpleUploadedFile("a.jpg", buffer.getvalue())]}, **me)
        assert good.status_code == 200 and good.json()["photos"] == 1
        services.rma_approve(rma=rma, actor=desk_user)
        services.rma_receive(rma=rma, actor=desk_user, restock=False)
        services.rma_inspect(rma=rma, actor=desk_user, condition="dead")
        services.rma_resolve(rma=rma, actor=desk_user, resolution="refund")
        watch = client.get(f"{API}/desk/rma-refunds", **desk).json()
        assert client.get(f"{API}/desk/rma-refunds", **me).status_code == 404
    assert [(w["rma"], w["overdue"]) for w in watch] == [(rma.number, False)]
    with time_machine.travel(DELIVERED + timedelta(days=60), tick=False):
        assert client.get(f"{API}/desk/rma-refunds", **desk).json()[0]["overdue"] is True
