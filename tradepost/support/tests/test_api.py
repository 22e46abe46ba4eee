"""Support API: Contact Us for guests and buyers, my tickets, the desk, inbound email and notifications."""

from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.utils import timezone

from tradepost.api.tests.test_accounts_api import API, assert_problem, post, token_for
from tradepost.conftest import make_user
from tradepost.orders.tests.factories import place, shop
from tradepost.support.tests.factories import agent

pytestmark = pytest.mark.django_db
TICKET = {"topic": "order", "subject": "Where is my parcel?", "message": "It has been a week."}


def test_a_guest_opens_a_ticket_and_follows_it_with_the_token(client, django_capture_on_commit_callbacks):
    shop("direct")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "/support/tickets", {**TICKET, "email": "gus@example.com"})
    assert response.status_code == 201, response.content
    body = response.json()
    token, reference = body["follow_token"], body["reference"]
    assert body["status"] == "new" and body["messages"][0]["body"] == "It has been a week."
    followed = client.get(f"{API}/support/guest/{token}").json()
    assert followed["reference"] == reference
    assert post(client, f"/support/guest/{token}/messages", {"body": "Any news?"}).status_code == 201
    assert client.get(f"{API}/support/guest/{'x' * 43}").status_code == 404
    assert_problem(post(client, "/support/tickets", TICKET), 422, code="required", field="email")
    assert_problem(
        post(client, "/support/tickets", {**TICKET, "email": "g@example.com", "order": "TP-1"}),
        422,
        code="sign_in_to_link",
        field="order",
    )


def test_a_buyer_links_only_their_own_order_and_others_get_404(client):
    shop("direct")
    buyer, other = make_user(), make_user("other@example.com")
    order = place(buyer, method="paypal")
    me, them = token_for(buyer), token_for(other)
    created = post(client, "/support/tickets", {**TICKET, "order": order.number}, **me)
    assert created.status_code == 201 and created.json()["order"] == order.number
    assert created.json()["follow_token"] is None and created.json()["email"] == buyer.email
    reference = created.json()["reference"]
    assert_problem(
        post(client, "/support/tickets", {**TICKET, "order": order.number}, **them), 422, field="order"
    )
    assert client.get(f"{API}/support/tickets", **me).json()["count"] == 1
    assert client.get(f"{API}/support/tickets/{reference}", **them).status_code == 404
    assert client.get(f"{API}/desk/support/tickets/{reference}", **me).status_code == 404
    assert client.get(f"{API}/desk/clocks", **me).status_code == 404
    assert (
        post(client, f"/support/tickets/{reference}/messages", {"body": "Hello?"}, **them).status_code == 404
    )
    assert_problem(post(client, "/support/tickets", TICKET, HTTP_AUTHORIZATION="Bearer tp_wrong"), 401)


def test_the_desk_answers_and_the_buyer_reads_it_and_the_notification(
    client, django_capture_on_commit_callbacks
):
    shop("direct")
    buyer, desk = make_user(), agent()
    me, staff = token_for(buyer), token_for(desk)
    with django_capture_on_commit_callbacks(execute=True):
        reference = post(client, "/support/tickets", TICKET, **me).json()["reference"]
    queue = client.get(f"{API}/desk/support/tickets?status=active", **staff).json()
    assert [row["reference"] for row in queue["items"]] == [reference] and queue["items"][0][
        "clock"
    ] == "on_time"
    post(client, f"/desk/support/tickets/{reference}/notes", {"body": "Check DHL."}, **staff)
    post(client, f"/desk/support/tickets/{reference}/assign", {"assignee": desk.email}, **staff)
    assert_problem(
        post(client, f"/desk/support/tickets/{reference}/assign", {"assignee": buyer.email}, **staff),
        422,
        field="assignee",
    )
    with django_capture_on_commit_callbacks(execute=True):
        answered = post(
            client,
            f"/desk/support/tickets/{reference}/reply",
            {"body": "It is in Leipzig.", "status": "resolved"},
            **staff,
        ).json()
    assert answered["status"] == "resolved" and answered["assigned_to"] == desk.email
    assert [e["kind"] for e in answered["events"]] == ["opened", "note", "assigned", "staff_reply"]
    mine = client.get(f"{API}/support/tickets/{reference}", **me).json()
    assert [m["kind"] for m in mine["messages"]] == ["buyer", "staff"]  # the note stays internal
    assert mine["messages"][1]["body"] == "It is in Leipzig."
    inbox = client.get(f"{API}/notifications", **me).json()
    assert inbox["unread"] == 2 and inbox["items"][0]["kind"] == "support.reply"
    assert post(client, "/notifications/read", {"ids": None}, **me).json() == {"marked": 2}
    research = f"/desk/support/tickets/{reference}/research"
    assert_problem(
        post(client, research, {"promised_at": "2020-01-01T00:00:00Z"}, **staff), 422, field="promised_at"
    )
    soon = (timezone.now() + timedelta(days=2)).isoformat()
    assert_problem(post(client, research, {"promised_at": soon}, **staff), 409, code="ticket_done")


def test_inbound_email_needs_a_support_desk_token_and_routes_the_reply(client):
    shop("direct")
    buyer, desk = make_user("bea@example.com"), agent()
    reference = post(client, "/support/tickets", TICKET, **token_for(buyer)).json()["reference"]
    message = EmailMessage()
    message["From"] = "bea@example.com"
    message["To"] = f"support+{reference}@direct.example"
    message["Subject"] = "Re: Where is my parcel?"
    message["Message-ID"] = "<abc@mail.example>"
    message.set_content("Arrived, thanks!")
    body = {"message": message.as_string()}
    assert post(client, "/support/inbound-email", body, **token_for(buyer)).status_code == 404
    routed = post(client, "/support/inbound-email", body, **token_for(desk))
    assert routed.status_code == 201 and routed.json() == {
        "status": "appended",
        "ticket": reference,
        "message_id": "<abc@mail.example>",
    }
    thread = client.get(f"{API}/support/tickets/{reference}", **token_for(buyer)).json()["messages"]
    assert thread[-1] == {**thread[-1], "body": "Arrived, thanks!", "via": "email"}


def test_files_on_my_ticket_checked_and_reachable_only_by_me_and_the_desk(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    shop("direct")
    buyer, other, desk = make_user(), make_user("other@example.com"), agent()
    me = token_for(buyer)
    reference = post(client, "/support/tickets", TICKET, **me).json()["reference"]
    url = f"{API}/support/tickets/{reference}/files"
    png = SimpleUploadedFile("label.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")
    sent = client.post(url, {"files": [png], "body": "The label"}, **me)
    assert sent.status_code == 201, sent.content
    message = sent.json()["messages"][-1]
    assert message["body"] == "The label" and message["attachments"][0]["name"] == "label.png"
    file_id = message["attachments"][0]["id"]
    got = client.get(f"{url}/{file_id}", **me)
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"\x89PNG")
    assert client.get(f"{url}/{file_id}", **token_for(other)).status_code == 404
    assert client.get(f"{API}/desk/support/files/{file_id}", **me).status_code == 404
    assert client.get(f"{API}/desk/support/files/{file_id}", **token_for(desk)).status_code == 200
    fake = SimpleUploadedFile("fake.pdf", b"not a pdf", content_type="application/pdf")
    assert_problem(client.post(url, {"files": [fake]}, **me), 422, code="file_type", field="files")
