"""Shipping desk: the fulfilment desk dispatches orders, ships parcels, follows tracking and uploads CSVs."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tradepost.conftest import make_user
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.tests.factories import make_address, place, shop, staff_member
from tradepost.payments.services import wire_receipt_record
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate
from tradepost.shipping.models import Rate, Shipment, TrackingEvent
from tradepost.shipping.services import shipment_create, tracking_events_record

pytestmark = pytest.mark.django_db

QUEUE, SHIPMENTS, STALE = "/desk/shipping/", "/desk/shipping/shipments/", "/desk/shipping/stale/"
TRACKING, RATES, RATES_CSV = (
    "/desk/shipping/tracking/upload/",
    "/desk/shipping/rates/",
    "/desk/shipping/rates/export.csv",
)
TRACKING_HEADER = "carrier,tracking_number,event_id,occurred_at,status,location,description\n"


def ship_url(order) -> str:
    return f"/desk/shipping/orders/{order.number}/ship/"


def delivered_url(shipment) -> str:
    return f"/desk/shipping/shipments/{shipment.number}/delivered/"


def detail(order) -> str:
    return f"/desk/orders/{order.number}/"


def page(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def status(order) -> str:
    order.refresh_from_db()
    return order.status


def upload(name: str, text: str | bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


@pytest.fixture
def staff(client):
    shop("components")
    person = staff_member("sam@example.com", desks=("fulfilment",))
    client.force_login(person)
    return person


def approved(buyer, staff, items=None) -> Order:
    """A components order to the Netherlands, paid by wire (the components store approves on payment)."""
    if not buyer.addresses.exists():
        make_address(buyer, country="NL")
    order = place(buyer, items or {"TI-LM317T": 10, "AMS-1117-33": 5})
    wire_receipt_record(order=order, amount=order.total, bank_reference=f"BANK-{order.number}", actor=staff)
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.shipping_carrier == "ups"
    return order


def ship(order, staff, tracking_number: str, quantities=None) -> Shipment:
    return shipment_create(
        order=order,
        actor=staff,
        carrier=order.shipping_carrier,
        service=order.shipping_service,
        tracking_number=tracking_number,
        quantities=quantities,
    )


def ship_form(order, *, service="ups.saver", tracking_number="1Z999AA10123456784", note="", **quantities):
    data = {"service": service, "tracking_number": tracking_number, "note": note}
    for line in order.lines.all():
        data[f"line_{line.pk}"] = quantities.get(line.sku.replace("-", "_"), line.quantity_to_ship)
    return data


# --- Who finds the desk -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["buyer of the order", "staff without a desk", "finance desk"])
def test_without_the_fulfilment_desk_every_shipping_page_is_a_404_and_nothing_changes(client, buyer, who):
    shop("components")
    clerk = staff_member("clerk@example.com", desks=("fulfilment",))
    order = approved(buyer, clerk)
    parcel = ship(order, clerk, "TRK0001", quantities={order.lines.first().pk: 1})
    if who == "buyer of the order":
        client.force_login(buyer)
    else:
        client.force_login(
            staff_member("other@example.com", desks=("finance",) if who == "finance desk" else ())
        )
    for url in (
        QUEUE,
        SHIPMENTS,
        STALE,
        TRACKING,
        RATES,
        RATES_CSV,
        ship_url(order),
        "/desk/shipping/orders/X/ship/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(ship_url(order), ship_form(order)).status_code == 404
    assert client.post(delivered_url(parcel), {}).status_code == 404
    events = TRACKING_HEADER + f"ups,TRK0001,E1,{timezone.now().isoformat()},delivered,,\n"
    assert client.post(TRACKING, {"file": upload("t.csv", events)}).status_code == 404
    rates = "carrier,service,zone,max_weight_kg,price_usd\nups,saver,europe,1,1\n"
    assert client.post(RATES, {"file": upload("r.csv", rates)}).status_code == 404
    assert Shipment.objects.count() == 1 and not TrackingEvent.objects.exists()
    assert status(order) == OrderStatus.PARTIALLY_SHIPPED
    assert Rate.objects.filter(service__code="saver", zone__code="europe").count() == 13


def test_anonymous_visitors_are_sent_to_sign_in(client, buyer):
    shop("components")
    order = approved(buyer, staff_member("clerk@example.com", desks=("fulfilment",)))
    for url in (QUEUE, SHIPMENTS, STALE, TRACKING, RATES, ship_url(order)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/?next=/desk/")
    response = client.post(ship_url(order), ship_form(order))
    assert response.status_code == 302 and not Shipment.objects.exists()


def test_fulfilment_staff_find_the_shipping_desk_at_home_and_superusers_get_in(client, staff):
    home = page(client.get("/desk/"))
    for url in (QUEUE, SHIPMENTS, STALE, TRACKING, RATES):
        assert f'href="{url}"' in home, url
        assert client.get(url).status_code == 200, url
    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    assert client.get(QUEUE).status_code == 200


def test_ship_needs_a_csrf_token(staff, buyer):
    order = approved(buyer, staff)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    assert strict.post(ship_url(order), ship_form(order)).status_code == 403
    assert not Shipment.objects.exists()


# --- The dispatch queue -----------------------------------------------------------------------------------


def test_the_queue_puts_overdue_orders_first_then_those_due_within_a_day_and_counts_them(
    client, staff, buyer
):
    now = timezone.now()
    relaxed, soon, late = (approved(buyer, staff) for _ in range(3))  # placed in this order
    for order, due in (
        (relaxed, now + timedelta(days=3)),
        (soon, now + timedelta(hours=5)),
        (late, now - timedelta(hours=2)),
    ):
        Order.objects.filter(pk=order.pk).update(dispatch_due_at=due)
    unpaid = place(buyer, {"TI-LM317T": 1})
    done = approved(buyer, staff)
    ship(done, staff, "TRK0009")

    response = client.get(QUEUE)
    html = page(response)
    assert [o.number for o in response.context["page"]] == [late.number, soon.number, relaxed.number]
    assert unpaid.number not in html and done.number not in html
    assert "<strong>1</strong> overdue" in html and "<strong>1</strong> due within 24 h" in html
    rows = dict(zip([late.number, soon.number, relaxed.number], html.split("<tr class=")[1:], strict=True))
    assert "overdue 2" in rows[late.number] and "due in 4" in rows[soon.number]
    assert "overdue" not in rows[relaxed.number] and "due in" not in rows[relaxed.number]
    for number, row in rows.items():
        assert f'href="/desk/shipping/orders/{number}/ship/"' in row
        assert "UPS Worldwide Saver" in row and "Bea Buyer" in row


# --- Shipping a parcel ------------------------------------------------------------------------------------


def test_the_ship_form_preselects_the_buyers_choice_and_everything_left(client, staff, buyer):
    order = approved(buyer, staff)
    line = order.lines.get(sku="TI-LM317T")
    ship(order, staff, "TRK0001", quantities={line.pk: 3})

    response = client.get(ship_url(order))
    html = page(response)
    assert response.status_code == 200
    assert '<option value="ups.saver" selected>' in html and "the buyer&#x27;s choice" in html
    assert '<option value="dhl.express">' in html and '<option value="hongkong-post.air-registered">' in html
    assert re.search(rf'name="line_{line.pk}" value="7"', html)
    other = order.lines.get(sku="AMS-1117-33")
    assert re.search(rf'name="line_{other.pk}" value="5"', html)


def test_a_partial_then_a_full_shipment_moves_the_order_to_partially_shipped_then_shipped(
    client, staff, buyer
):
    order = approved(buyer, staff)
    regulators = order.lines.get(sku="TI-LM317T")
    ams = order.lines.get(sku="AMS-1117-33")

    response = client.post(
        ship_url(order), ship_form(order, tracking_number="1z 0001", TI_LM317T=4, AMS_1117_33=0), follow=True
    )
    assert response.redirect_chain == [(detail(order), 302)]
    assert status(order) == OrderStatus.PARTIALLY_SHIPPED and order.first_shipped_at is not None
    first = Shipment.objects.get()
    assert first.number == f"{order.number}-1" and first.tracking_number == "1Z0001"
    assert list(first.lines.values_list("order_line_id", "quantity")) == [(regulators.pk, 4)]
    assert messages_of(response) == [
        f"Parcel {first.number} shipped with UPS Worldwide Saver, tracking number 1Z0001: 4 units. "
        "The buyer has been emailed."
    ]
    html = page(response)
    assert 'id="shipments"' in html and f"Parcel {first.number}" in html
    assert '<a href="https://www.ups.com/track?tracknum=1Z0001"' in html
    assert f'href="{ship_url(order)}"' in html  # more to ship

    response = client.post(ship_url(order), ship_form(order, tracking_number="1Z0002"))
    assert response.status_code == 302
    assert status(order) == OrderStatus.SHIPPED
    second = Shipment.objects.get(number=f"{order.number}-2")
    assert sorted(second.lines.values_list("order_line_id", "quantity")) == [(regulators.pk, 6), (ams.pk, 5)]
    html = page(client.get(detail(order)))
    assert f"Parcel {first.number}" in html and f"Parcel {second.number}" in html
    assert f'href="{ship_url(order)}"' not in html  # nothing left to ship
    assert "Nothing is left to ship" in page(client.get(ship_url(order)))


def test_service_errors_are_shown_on_their_fields_and_nothing_ships(client, staff, buyer):
    order = approved(buyer, staff)
    line = order.lines.get(sku="TI-LM317T")

    response = client.post(ship_url(order), ship_form(order, TI_LM317T=11))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[f"line_{line.pk}"] == ["Only 10 of TI-LM317T left to ship."]
    row = page(response).split(f'name="line_{line.pk}"')[1].split("</tr>")[0]
    assert "Only 10 of TI-LM317T left to ship." in row  # next to that line's input
    assert "Nothing was shipped" in page(response)

    response = client.post(ship_url(order), ship_form(order, tracking_number=""))
    assert response.status_code == 400
    assert response.context["form"].errors["tracking_number"] == [
        "This store promises tracking on every parcel: enter the tracking number."
    ]

    response = client.post(ship_url(order), ship_form(order, service="dhl.express"))
    assert "note why another carrier is used" in response.context["form"].errors["note"][0]

    response = client.post(ship_url(order), ship_form(order, TI_LM317T=0, AMS_1117_33=0))
    assert response.context["form"].non_field_errors() == ["Put at least one unit in the parcel."]

    response = client.post(ship_url(order), ship_form(order, service="dhl.teleport"))
    assert "Select a valid choice" in response.context["form"].errors["service"][0]

    assert not Shipment.objects.exists() and status(order) == OrderStatus.APPROVED
    # With a note the other carrier is fine.
    response = client.post(ship_url(order), ship_form(order, service="dhl.express", note="UPS pickup missed"))
    assert response.status_code == 302 and Shipment.objects.get().carrier.code == "dhl"


def test_a_duplicate_tracking_number_is_refused_on_its_field(client, staff, buyer, other_buyer):
    first = approved(buyer, staff)
    ship(first, staff, "1Z0001")
    order = approved(other_buyer, staff)
    response = client.post(ship_url(order), ship_form(order, tracking_number="1Z0001"))
    assert response.status_code == 400
    assert "already on a parcel" in response.context["form"].errors["tracking_number"][0]
    assert status(order) == OrderStatus.APPROVED


def test_an_order_that_cannot_ship_says_so_and_a_post_is_refused(client, staff, buyer):
    order = place(buyer, {"TI-LM317T": 1}, address=make_address(buyer))  # awaiting payment
    response = client.get(ship_url(order))
    assert "cannot be shipped" in page(response) and '<form method="post" action="/desk/shipping' not in page(
        response
    )
    response = client.post(ship_url(order), ship_form(order))
    assert response.status_code == 400
    assert "it must be approved first" in response.context["form"].non_field_errors()[0]
    assert not Shipment.objects.exists()


# --- Parcels ----------------------------------------------------------------------------------------------


def test_recent_parcels_and_the_stale_list_by_days(client, staff, buyer):
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=10)):
        old = ship(approved(buyer, staff), staff, "TRK0010")
    with time_machine.travel(start - timedelta(days=3)):
        recent = ship(approved(buyer, staff), staff, "TRK0003")
    with time_machine.travel(start - timedelta(days=12)):
        heard = ship(approved(buyer, staff), staff, "TRK0012")
    tracking_events_record(
        events=[
            {
                "carrier": "ups",
                "tracking_number": "TRK0012",
                "event_id": "E1",
                "occurred_at": start - timedelta(days=1, hours=1),
                "status": "in_transit",
            }
        ],
        actor=staff,
    )

    html = page(client.get(SHIPMENTS))
    assert html.index(recent.number) < html.index(old.number) < html.index(heard.number)  # newest first
    assert '<a href="https://www.ups.com/track?tracknum=TRK0010"' in html

    listed = lambda response: [s.number for s in response.context["page"]]  # noqa: E731
    response = client.get(STALE)
    assert response.status_code == 200 and listed(response) == [old.number]  # 7 days by default
    assert "In transit" not in page(response) and (start - timedelta(days=10)).strftime("%Y-%m-%d") in page(
        response
    )
    assert listed(client.get(STALE, {"days": 2})) == [old.number, recent.number, heard.number][:2]
    assert listed(client.get(STALE, {"days": 1})) == [old.number, recent.number, heard.number]
    assert listed(client.get(STALE, {"days": 11})) == []
    for bad in ("0", "91", "seven", "-3"):
        response = client.get(STALE, {"days": bad})
        assert response.status_code == 400 and response.context["form"].errors["days"], bad


def test_staff_mark_a_parcel_delivered_and_the_order_with_it(client, staff, buyer):
    order = approved(buyer, staff)
    parcel = ship(order, staff, "TRK0001")
    response = client.post(delivered_url(parcel), {"note": "Buyer confirmed by phone"}, follow=True)
    assert response.redirect_chain == [(detail(order) + "#shipments", 302)]
    assert messages_of(response) == [f"Parcel {parcel.number} is marked delivered."]
    parcel.refresh_from_db()
    assert parcel.delivered_at is not None and status(order) == OrderStatus.DELIVERED
    event = parcel.events.get()
    assert (event.source, event.status, event.description) == (
        "staff",
        "delivered",
        "Buyer confirmed by phone",
    )
    assert "Buyer confirmed by phone" in page(response)

    response = client.post(delivered_url(parcel), {"next": STALE}, follow=True)
    assert response.redirect_chain == [(STALE, 302)]
    assert messages_of(response) == [f"{parcel.number}: This parcel is already marked delivered."]
    response = client.post(delivered_url(parcel), {"next": "https://evil.example/"})
    assert response["Location"] == detail(order) + "#shipments"
    assert client.post("/desk/shipping/shipments/NOPE-1/delivered/", {}).status_code == 404


def test_a_store_without_tracking_can_confirm_delivery_of_a_parcel_shipped_without_a_number(
    client, staff, buyer
):
    policy = load_preset("components")
    policy = policy.model_copy(update={"shipping": policy.shipping.model_copy(update={"tracking": False})})
    policy_activate(policy=policy, source="test")
    order = approved(buyer, staff)
    response = client.post(ship_url(order), ship_form(order, tracking_number=""), follow=True)
    assert response.redirect_chain == [(detail(order), 302)] and status(order) == OrderStatus.SHIPPED
    parcel = Shipment.objects.get(order=order)
    assert parcel.tracking_number == "" and f'action="{delivered_url(parcel)}"' in page(response)

    response = client.post(delivered_url(parcel), {"note": "Signed for at the door"}, follow=True)
    assert messages_of(response) == [f"Parcel {parcel.number} is marked delivered."]
    assert status(order) == OrderStatus.DELIVERED


# --- Tracking CSV -----------------------------------------------------------------------------------------


def test_a_tracking_upload_records_events_and_a_delivered_event_delivers_the_order(client, staff, buyer):
    order = approved(buyer, staff)
    parcel = ship(order, staff, "TRK0001")
    at = timezone.now() - timedelta(hours=3)
    text = (
        TRACKING_HEADER
        + f"ups,TRK0001,E1,{at.isoformat()},picked_up,Hong Kong,Picked up\n"
        + f"ups,TRK0001,E2,{(at + timedelta(hours=2)).isoformat()},delivered,Amsterdam,Signed: Bea\n"
    )
    response = client.post(TRACKING, {"file": upload("ups.csv", text)})
    html = page(response)
    assert response.status_code == 200
    assert "2 new events" in html and "0 already recorded" in html and parcel.number in html
    assert f'<a href="{detail(order)}">{order.number}</a>' in html
    assert status(order) == OrderStatus.DELIVERED
    parcel.refresh_from_db()
    assert parcel.last_status == "delivered" and parcel.delivered_at == at + timedelta(hours=2)
    order_page = page(client.get(detail(order)))
    assert "Signed: Bea" in order_page and "Picked up" in order_page

    # The same file again: every event is a duplicate and nothing changes.
    response = client.post(TRACKING, {"file": upload("ups.csv", text)})
    assert response.status_code == 200
    assert "0 new events" in page(response) and "2 already recorded" in page(response)
    assert "nothing changed" in page(response)
    assert TrackingEvent.objects.count() == 2


def test_a_bad_tracking_row_writes_nothing_and_names_its_row_and_column(client, staff, buyer):
    order = approved(buyer, staff)
    ship(order, staff, "TRK0001")
    at = (timezone.now() - timedelta(hours=1)).isoformat()
    text = (
        TRACKING_HEADER
        + f"ups,TRK0001,E1,{at},picked_up,,\n"
        + f"ups,TRK0001,E2,{at},delivered,,\n"
        + "ups,TRK0001,E3,2026-13-01 10:00,teleported,,\n"
    )
    response = client.post(TRACKING, {"file": upload("ups.csv", text)})
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["errors"]] == [(4, "occurred_at"), (4, "status")]
    html = page(response)
    assert "Nothing was recorded" in html and "<td>4</td><td>status</td>" in html
    assert not TrackingEvent.objects.exists() and status(order) == OrderStatus.SHIPPED

    response = client.post(TRACKING, {"file": upload("ups.txt", text)})
    assert response.status_code == 400 and "Choose a .csv file." in page(response)
    response = client.post(TRACKING, {"file": upload("latin.csv", TRACKING_HEADER.encode() + b"ups,\xe9\n")})
    assert response.status_code == 400 and "not UTF-8" in page(response)


# --- Rate tables ------------------------------------------------------------------------------------------


def test_rates_download_edit_and_upload_through_the_desk(client, staff):
    response = client.get(RATES_CSV)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="rates-')
    exported = response.content.decode("utf-8")
    assert exported.startswith("\ufeffcarrier,service,zone,max_weight_kg,price_usd\r\n")
    edited = exported.replace("ups,saver,europe,0.5,24.96", "ups,saver,europe,0.5,19.99")
    assert edited != exported
    before = set(Rate.objects.values_list("service_id", "zone_id", "max_weight_grams", "price"))

    response = client.post(RATES, {"file": upload("rates.csv", edited), "dry_run": "on"})
    assert response.status_code == 200 and "The file is valid; nothing was changed" in page(response)
    assert set(Rate.objects.values_list("service_id", "zone_id", "max_weight_grams", "price")) == before

    response = client.post(RATES, {"file": upload("rates.csv", edited)})
    assert response.status_code == 200 and "These tables were replaced" in page(response)
    assert (
        str(Rate.objects.get(service__code="saver", zone__code="europe", max_weight_grams=500).price)
        == "19.99"
    )
    assert Rate.objects.count() == len(before)

    bad = "carrier,service,zone,max_weight_kg,price_usd\nups,saver,europe,1,5\nups,saver,mars,1,5\n"
    response = client.post(RATES, {"file": upload("bad.csv", bad)})
    assert response.status_code == 400
    assert "<td>3</td><td>zone</td>" in page(response) and "Nothing was changed" in page(response)
    assert Rate.objects.filter(service__code="saver", zone__code="europe").count() == 13
    response = client.post(RATES, {"file": upload("empty.csv", io.BytesIO(b"").read())})
    assert response.status_code == 400


# --- The admin: carriers, zones and rates are edited there; parcels and tracking are read-only ----------


def test_staff_edit_carriers_zones_and_rates_in_the_admin_and_only_read_parcels(client, staff, buyer):
    parcel = ship(approved(buyer, staff), staff, "TRK0001")
    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    dhl = Rate.objects.filter(service__carrier__code="dhl").first().service
    europe = Rate.objects.filter(zone__code="europe").first().zone
    for url in (
        "/admin/shipping/carrier/",
        f"/admin/shipping/carrier/{dhl.carrier_id}/change/",
        "/admin/shipping/zone/",
        f"/admin/shipping/zone/{europe.pk}/change/",
        "/admin/shipping/carrierservice/",
        "/admin/shipping/shipment/",
        f"/admin/shipping/shipment/{parcel.pk}/change/",
        "/admin/shipping/trackingevent/",
    ):
        assert client.get(url).status_code == 200, url
    response = client.get(
        "/admin/shipping/rate/", {"service__id__exact": dhl.pk, "zone__id__exact": europe.pk}
    )
    assert response.status_code == 200 and response.context["cl"].result_count == 13
    assert client.get("/admin/shipping/shipment/add/").status_code == 403
    assert client.get("/admin/shipping/trackingevent/add/").status_code == 403
    shipment_page = page(client.get(f"/admin/shipping/shipment/{parcel.pk}/change/"))
    assert 'name="tracking_number"' not in shipment_page and "TRK0001" in shipment_page
    # A zone gains a country through its inline; a country already in another zone is refused.
    data = {
        "code": europe.code,
        "name": europe.name,
        "countries-TOTAL_FORMS": "1",
        "countries-INITIAL_FORMS": "0",
        "countries-MIN_NUM_FORMS": "0",
        "countries-MAX_NUM_FORMS": "1000",
        "countries-0-country": "JP",
        "countries-0-zone": str(europe.pk),
    }
    response = client.post(f"/admin/shipping/zone/{europe.pk}/change/", data)
    assert response.status_code == 200 and "already exists" in page(response)
    data["countries-0-country"] = "GL"
    response = client.post(f"/admin/shipping/zone/{europe.pk}/change/", data)
    assert response.status_code == 302 and europe.countries.filter(country="GL").exists()


def _errors_of(response) -> dict[str, list[str]]:
    """Field name -> messages of the admin form and its inline forms (prefix-less names)."""
    found: dict[str, list[str]] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.extend(inline.formset.forms)
    for form in forms:
        for name, messages in form.errors.items():
            found.setdefault(name, []).extend(messages)
    return found


def test_bad_carriers_and_services_in_the_admin_are_field_errors_never_a_server_error(staff):
    from tradepost.shipping.models import Carrier, CarrierService

    root = Client(raise_request_exception=False)
    root.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    dhl = Carrier.objects.get(code="dhl")
    express = dhl.services.get(code="express")
    service_form = {
        "carrier": dhl.pk,
        "code": "economy",
        "name": "Economy",
        "transit_min_working_days": "9",
        "transit_max_working_days": "2",
        "volumetric_divisor": "5000",
        "active": "on",
    }
    response = root.post("/admin/shipping/carrierservice/add/", service_form)
    assert response.status_code == 200
    assert "faster than the quickest" in _errors_of(response)["transit_max_working_days"][0]
    # A typo of many digits would push promised dates beyond what a date holds: refused on its field.
    service_form.update(transit_min_working_days="1", transit_max_working_days="99999999")
    response = root.post("/admin/shipping/carrierservice/add/", service_form)
    assert response.status_code == 200 and "transit_max_working_days" in _errors_of(response)

    # The carrier page edits its services inline; a code the carrier already uses is the code's error.
    inline = {
        "code": "dhl",
        "name": "DHL",
        "tracking_url": dhl.tracking_url,
        "active": "on",
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "1000",
        "services-0-carrier": str(dhl.pk),
        "services-0-code": express.code,
        "services-0-name": "Express again",
        "services-0-transit_min_working_days": "1",
        "services-0-transit_max_working_days": "3",
        "services-0-volumetric_divisor": "5000",
        "services-0-active": "on",
    }
    response = root.post(f"/admin/shipping/carrier/{dhl.pk}/change/", inline)
    assert response.status_code == 200, response.status_code
    assert _errors_of(response)["code"] == ["This carrier already has a service with this code."]
    inline.update({"services-0-code": "economy", "services-0-transit_min_working_days": "5"})
    inline["services-0-transit_max_working_days"] = "4"
    response = root.post(f"/admin/shipping/carrier/{dhl.pk}/change/", inline)
    assert response.status_code == 200 and "transit_max_working_days" in _errors_of(response)
    assert not CarrierService.objects.filter(code="economy").exists()

    # Buyers follow the tracking link: it must be a web address with a place for the number.
    for url, message in (
        ("javascript:alert(1)", "https://"),
        ("https://track.example/parcel", "{tracking_number}"),
    ):
        inline.update({"tracking_url": url, "services-TOTAL_FORMS": "0"})
        response = root.post(f"/admin/shipping/carrier/{dhl.pk}/change/", inline)
        assert response.status_code == 200 and message in _errors_of(response)["tracking_url"][0]
    inline["tracking_url"] = "https://track.example/parcel/{tracking_number}"
    assert root.post(f"/admin/shipping/carrier/{dhl.pk}/change/", inline).status_code == 302
    dhl.refresh_from_db()
    assert dhl.tracking_link("JD01") == "https://track.example/parcel/JD01"
