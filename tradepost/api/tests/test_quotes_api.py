"""Quotes API: a buyer's inquiries of each kind to an order at quoted prices; the sales desk; 404s."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.orders.models import Order
from tradepost.orders.tests.factories import make_address, staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.quotes.models import Production
from tradepost.quotes.tests.factories import PDF, a_date, quote_shop, sales_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(buyer, other_buyer):
    quote_shop()
    sales = sales_staff()
    return {
        "buyer": token_for(buyer),
        "other": token_for(other_buyer),
        "sales": token_for(sales),
        "fulfilment": token_for(staff_member("ops@example.com", desks=("fulfilment", "finance"))),
        "address": make_address(buyer),
    }


def put(client, path, body, **extra):
    return client.put(API + path, data=json.dumps(body), content_type="application/json", **extra)


def test_inquiry_cart_to_order_at_quoted_prices(client, world):
    auth, sales = world["buyer"], world["sales"]
    cart = put(
        client, "/inquiry-cart/lines", {"sku": "TI-LM317T", "quantity": 40, "target_price": "0.30"}, **auth
    )
    assert cart.status_code == 200 and cart.json()["lines"][0]["quantity"] == 40
    put(client, "/inquiry-cart/lines", {"sku": "AMS-1117-33", "quantity": 5}, **auth)
    removed = client.delete(f"{API}/inquiry-cart/lines/AMS-1117-33", **auth)
    assert len(removed.json()["lines"]) == 1
    sent = post(client, "/inquiry-cart/submit", {"notes": "Please hurry"}, **auth)
    assert sent.status_code == 201, sent.content
    inquiry = sent.json()
    assert inquiry["status"] == "received" and inquiry["overdue"] is False and inquiry["due_at"]
    number = inquiry["number"]

    queue = client.get(f"{API}/desk/quotes", **sales).json()
    assert [row["number"] for row in queue["items"]] == [number] and queue["items"][0]["clock"] == "on_time"
    quoted = post(
        client,
        f"/desk/quotes/{number}/quotations",
        {"lines": [{"sku": "TI-LM317T", "quantity": 40, "unit_price": "0.31", "lead_time_days": 2}]},
        **sales,
    )
    assert quoted.status_code == 201, quoted.content
    quotation = quoted.json()["quotations"][0]
    assert quotation["status"] == "sent" and quotation["goods_total"] == "12.40"

    mine = client.get(f"{API}/inquiries/{number}", **auth).json()
    assert mine["quotations"][0]["can_accept"] is True and mine["status"] == "quoted"
    body = {"address_id": world["address"].pk, "payment_method": "wire_transfer"}
    preview = post(client, f"/quotations/{quotation['id']}/preview", body, **auth).json()
    assert preview["ready"] is True, preview["errors"]
    assert preview["totals"]["goods"] == "12.40"
    accepted = post(
        client,
        f"/quotations/{quotation['id']}/accept",
        {**body, "expected_total": preview["totals"]["total"]},
        **auth,
    )
    assert accepted.status_code == 201, accepted.content
    order = accepted.json()
    assert (
        order["lines"][0]["unit_price"] == "0.3100" and order["totals"]["total"] == preview["totals"]["total"]
    )
    again = post(client, f"/quotations/{quotation['id']}/accept", body, **auth)
    assert again.status_code == 200 and again.json()["number"] == order["number"]
    assert Order.objects.count() == 1


def test_unlisted_part_with_a_datasheet_and_files_only_for_owner_and_sales(client, world):
    auth = world["buyer"]
    created = post(
        client,
        "/inquiries/unlisted",
        {"part_number": "NE555P", "manufacturer": "TI", "quantity": 1000},
        **auth,
    )
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    upload = client.post(
        f"{API}/inquiries/{number}/attachments",
        {"files": [SimpleUploadedFile("ne555.pdf", PDF, "application/pdf")]},
        **auth,
    )
    assert upload.status_code == 201, upload.content
    url = upload.json()[0]["url"]
    download = client.get(url, **auth)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert client.get(url, **world["sales"]).status_code == 200
    assert_problem(client.get(url, **world["other"]), 404)
    assert_problem(client.get(url, **world["fulfilment"]), 404)
    bad = client.post(
        f"{API}/inquiries/{number}/attachments",
        {"files": [SimpleUploadedFile("x.exe", b"MZ\x90\x00", "application/octet-stream")]},
        **auth,
    )
    assert_problem(bad, 422, code="file_type", field="files")
    assert_problem(client.get(f"{API}/inquiries/{number}", **world["other"]), 404)
    assert_problem(
        client.post(
            f"{API}/inquiries/{number}/attachments",
            {"files": [SimpleUploadedFile("a.pdf", PDF, "application/pdf")]},
            **world["other"],
        ),
        404,
    )


def test_customized_goods_spec_errors_name_fields_then_production(client, world):
    auth, sales = world["buyer"], world["sales"]
    types = client.get(f"{API}/customization/types", **auth).json()
    assert [t["slug"] for t in types] == ["cable-assemblies"]
    assert [f["key"] for f in types[0]["fields"]][:2] == ["length_mm", "connector_a"]
    bad = post(
        client,
        "/inquiries/customized",
        {"product_type": "cable-assemblies", "spec": {"length_mm": "abc"}, "quantity": 10},
        **auth,
    )
    body = assert_problem(bad, 422)
    assert {"spec.length_mm", "spec.connector_a", "spec.connector_b"} <= {e["field"] for e in body["errors"]}
    spec = {"length_mm": 300, "connector_a": "USB-C", "connector_b": "USB-A"}
    created = post(
        client,
        "/inquiries/customized",
        {"product_type": "cable-assemblies", "spec": spec, "quantity": 10},
        **auth,
    )
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert created.json()["spec"]["length_mm"] == "300"
    missing_date = post(
        client,
        f"/desk/quotes/{number}/quotations",
        {"lines": [{"mpn": "CAB-300", "title": "USB cable 300 mm", "quantity": 10, "unit_price": "2.5"}]},
        **sales,
    )
    assert_problem(missing_date, 422, field="promised_ship_date")
    quoted = post(
        client,
        f"/desk/quotes/{number}/quotations",
        {
            "lines": [{"mpn": "CAB-300", "title": "USB cable 300 mm", "quantity": 10, "unit_price": "2.5"}],
            "promised_ship_date": a_date(12).isoformat(),
        },
        **sales,
    )
    assert quoted.status_code == 201, quoted.content
    quotation_id = quoted.json()["quotations"][0]["id"]
    order = post(
        client,
        f"/quotations/{quotation_id}/accept",
        {"address_id": world["address"].pk, "payment_method": "wire_transfer"},
        **auth,
    ).json()
    assert order["lines"][0]["sku"].startswith("CUSTOM-")
    production = client.get(f"{API}/desk/production", **world["fulfilment"]).json()
    assert production[0]["state"] == "awaiting_payment" and production[0]["late"] is False
    assert_problem(client.post(f"{API}/desk/production/{order['number']}/ready", **world["fulfilment"]), 409)
    placed = Order.objects.get(number=order["number"])
    wire_receipt_record(
        order=placed,
        amount=placed.total,
        bank_reference="B-1",
        actor=Production.objects.get().quotation.created_by,
    )
    ready = client.post(f"{API}/desk/production/{order['number']}/ready", **world["fulfilment"])
    assert ready.status_code == 200 and ready.json()["state"] == "ready"
    mine = client.get(f"{API}/inquiries/{number}", **auth).json()
    assert mine["production"]["state"] == "ready" and mine["production"]["order_number"] == order["number"]
    assert_problem(client.get(f"{API}/desk/production", **world["sales"]), 404)


def test_desk_endpoints_are_404_for_buyers_and_other_desks(client, world):
    created = post(
        client, "/inquiries/unlisted", {"part_number": "X1", "quantity": 1}, **world["buyer"]
    ).json()
    number = created["number"]
    for auth in (world["buyer"], world["fulfilment"]):
        assert_problem(client.get(f"{API}/desk/quotes", **auth), 404)
        assert_problem(client.get(f"{API}/desk/quotes/{number}", **auth), 404)
        assert_problem(client.get(f"{API}/desk/quotes/metrics", **auth), 404)
        assert_problem(post(client, f"/desk/quotes/{number}/decline", {"reason": "no"}, **auth), 404)


def test_desk_assign_note_message_decline_and_metrics(client, world):
    sales = world["sales"]
    number = post(
        client, "/inquiries/unlisted", {"part_number": "X1", "quantity": 1}, **world["buyer"]
    ).json()["number"]
    assigned = post(client, f"/desk/quotes/{number}/assign", {"assignee": "sales@example.com"}, **sales)
    assert assigned.json()["assigned_to"] == "sales@example.com"
    assert_problem(post(client, f"/desk/quotes/{number}/assign", {"assignee": "nobody@x.org"}, **sales), 422)
    noted = post(client, f"/desk/quotes/{number}/notes", {"note": "call the supplier"}, **sales).json()
    assert noted["timeline"][-1]["buyer_visible"] is False
    post(client, f"/desk/quotes/{number}/messages", {"message": "Which package?"}, **sales)
    buyer_view = client.get(f"{API}/inquiries/{number}", **world["buyer"]).json()
    assert "call the supplier" not in json.dumps(buyer_view) and "Which package?" in json.dumps(buyer_view)
    assert_problem(
        post(client, f"/desk/quotes/{number}/decline", {"reason": ""}, **sales), 422, field="reason"
    )
    declined = post(client, f"/desk/quotes/{number}/decline", {"reason": "Obsolete"}, **sales).json()
    assert declined["status"] == "declined"
    metrics = client.get(f"{API}/desk/quotes/metrics", **sales).json()
    assert metrics["overdue_now"] == 0 and metrics["weeks"][-1]["received"] == 1
