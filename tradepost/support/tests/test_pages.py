"""Contact Us, My tickets, the guest's secret link and the in-site notifications, as pages."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tradepost.conftest import PASSWORD, make_user
from tradepost.orders.tests.factories import place, shop
from tradepost.support import services
from tradepost.support.models import Ticket
from tradepost.support.tests.factories import activate, agent, open_ticket

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.login(email=user.email, password=PASSWORD)
    return client


def test_a_guest_writes_follows_the_secret_link_and_reads_the_staff_reply(
    client, django_capture_on_commit_callbacks
):
    activate("direct")
    page = client.get(reverse("storefront:contact"))
    assert page.status_code == 200 and 'name="order"' not in page.text  # guests cannot link orders
    data = {
        "email": "gus@example.com",
        "topic": "pre_sales",
        "subject": "Stock?",
        "message": "Do you have 5k?",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("storefront:contact"), data)
    ticket = Ticket.objects.get()
    link = response["Location"]
    assert response.status_code == 302 and link.startswith("/support/tickets/")
    assert link in mail.outbox[0].body
    page = client.get(link)
    assert ticket.reference in page.text and "Do you have 5k?" in page.text
    assert page["Referrer-Policy"] == "same-origin"
    services.ticket_staff_reply(ticket=ticket, actor=agent(), body="Yes: 12,000 on the shelf.")
    assert "Yes: 12,000 on the shelf." in client.get(link).text
    reply = client.post(link, {"body": "Please reserve 5,000."})
    assert reply.status_code == 302 and ticket.messages.count() == 3
    assert client.get("/support/tickets/" + "x" * 43 + "/").status_code == 404


def test_contact_errors_name_the_field_and_bad_files_are_refused(client):
    activate("direct")
    response = client.post(reverse("storefront:contact"), {"topic": "order", "subject": "x", "message": "y"})
    assert response.status_code == 400 and "This field is required" in response.text
    bad = SimpleUploadedFile("virus.exe", b"MZ....", content_type="application/octet-stream")
    response = client.post(
        reverse("storefront:contact"),
        {"email": "g@example.com", "topic": "order", "subject": "x", "message": "y", "files": [bad]},
    )
    assert response.status_code == 400 and "send PDF, PNG" in response.text
    assert not Ticket.objects.exists()


def test_a_buyer_links_their_own_order_and_nobody_else_reaches_the_ticket(client):
    shop("direct")
    buyer, other = make_user(), make_user("other@example.com")
    order = place(buyer, method="paypal")
    signed_in(client, buyer)
    page = client.get(reverse("storefront:contact") + f"?topic=order&order={order.number}")
    assert f'value="{order.number}"' in page.text and 'name="email"' not in page.text
    response = client.post(
        reverse("storefront:contact"),
        {"topic": "order", "subject": "Where is it?", "message": "Hi", "order": order.number},
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("storefront:ticket_detail", args=[ticket.reference])
    assert ticket.reference in client.get(reverse("storefront:ticket_list")).text
    assert order.number in client.get(response["Location"]).text
    client.logout()
    signed_in(client, other)
    assert client.get(reverse("storefront:ticket_detail", args=[ticket.reference])).status_code == 404
    refused = client.post(
        reverse("storefront:contact"),
        {"topic": "order", "subject": "x", "message": "y", "order": order.number},
    )
    assert refused.status_code == 400 and f"You have no order {order.number}" in refused.text


def test_internal_notes_never_reach_the_buyer_page(client):
    activate("direct")
    buyer = make_user()
    ticket, _ = open_ticket(buyer)
    services.ticket_note(ticket=ticket, actor=agent(), body="Secret staff remark")
    page = signed_in(client, buyer).get(reverse("storefront:ticket_detail", args=[ticket.reference]))
    assert page.status_code == 200 and "Secret staff remark" not in page.text


def test_the_notification_list_shows_my_messages_and_marks_them_read(
    client, django_capture_on_commit_callbacks
):
    activate("direct")
    buyer, other = make_user(), make_user("other@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        ticket, _ = open_ticket(buyer)
        open_ticket(other)
    page = signed_in(client, buyer).get(reverse("storefront:notifications"))
    assert page.text.count("Store] We received your message") == 1 and "new</span>" in page.text
    pk = int(re.search(r"/account/notifications/(\d+)/open/", page.text).group(1))
    opened = client.post(reverse("storefront:notification_read", args=[pk]))
    assert opened["Location"] == reverse("storefront:ticket_detail", args=[ticket.reference])
    assert "new</span>" not in client.get(reverse("storefront:notifications")).text
    other_row = other.notifications.get()
    assert client.post(reverse("storefront:notification_read", args=[other_row.pk])).status_code == 404
    other_row.refresh_from_db()
    assert other_row.read_at is None


def test_the_order_page_links_to_contact_us_with_the_order_filled_in(client):
    shop("direct")
    buyer = make_user()
    order = place(buyer, method="paypal")
    page = signed_in(client, buyer).get(reverse("storefront:order_detail", args=[order.number]))
    link = f"/contact/?topic=order&amp;order={order.number}"
    assert link in page.text
    form = client.get(link.replace("&amp;", "&")).text
    assert f'value="{order.number}"' in form and '<option value="order" selected>' in form


def test_contact_us_shows_the_policys_reply_times_per_topic(client):
    activate("direct")
    page = client.get(reverse("storefront:contact")).text
    times = page[page.index('id="reply-times"') :]
    # direct: suggestions 24 / 120 working hours, logistics 8 / 48, working hours 09:00-18:00 Shanghai.
    assert "<td>Suggestion</td><td>24 working hours</td><td>120 working hours</td>" in times
    assert "<td>Logistics and delivery</td><td>8 working hours</td><td>48 working hours</td>" in times
    assert "09:00–18:00 (Asia/Shanghai)" in times
