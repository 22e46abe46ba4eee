"""The support desk pages: queue with filters, the ticket page and each form; other staff get 404."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tradepost.conftest import PASSWORD, make_user
from tradepost.orders.tests.factories import staff_member
from tradepost.support.models import CannedReply
from tradepost.support.tests.factories import activate, agent, open_ticket

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def desk(client):
    activate("direct")
    user = agent()
    client.login(email=user.email, password=PASSWORD)
    return user


def test_only_the_support_desk_sees_tickets(client):
    activate("direct")
    ticket, _ = open_ticket()
    staff_member("ship@example.com", desks=("fulfilment",))
    client.login(email="ship@example.com", password=PASSWORD)
    assert client.get(reverse("backoffice:support_queue")).status_code == 404
    assert client.get(reverse("backoffice:support_ticket", args=[ticket.reference])).status_code == 404
    client.logout()
    assert client.get(reverse("backoffice:support_queue")).status_code == 302  # sign in first


def test_the_queue_filters_by_status_topic_overdue_and_assignee(client, desk):
    with time_machine.travel(MONDAY_10, tick=False):
        late, _ = open_ticket(topic="complaint")
    with time_machine.travel(MONDAY_10 + timedelta(days=7), tick=False):
        fresh, _ = open_ticket(topic="pre_sales")
        page = client.get(reverse("backoffice:support_queue"))
        assert late.reference in page.text and fresh.reference in page.text and "1 overdue" in page.text
        assert page.text.index(late.reference) < page.text.index(fresh.reference)  # nearest due first
        overdue = client.get(reverse("backoffice:support_queue") + "?overdue=1").text
        assert late.reference in overdue and fresh.reference not in overdue
        by_topic = client.get(reverse("backoffice:support_queue") + "?topic=pre_sales").text
        assert fresh.reference in by_topic and late.reference not in by_topic
        client.post(
            reverse("backoffice:support_act", args=[fresh.reference, "assign"]), {"assign-assignee": desk.pk}
        )
        mine = client.get(reverse("backoffice:support_queue") + "?mine=1").text
        assert fresh.reference in mine and late.reference not in mine


@time_machine.travel(MONDAY_10, tick=False)
def test_reply_with_a_canned_answer_note_status_and_research(
    client, desk, django_capture_on_commit_callbacks
):
    buyer = make_user()
    ticket, _ = open_ticket(buyer)
    canned = CannedReply.objects.create(title="Stock", body="It is in stock and ships in 1-3 working days.")
    url = reverse("backoffice:support_ticket", args=[ticket.reference])
    page = client.get(url + f"?canned={canned.pk}")
    assert "It is in stock and ships in 1-3 working days.</textarea>" in page.text
    act = lambda action: reverse("backoffice:support_act", args=[ticket.reference, action])  # noqa: E731
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(act("reply"), {"reply-body": "In stock.", "reply-status": "waiting_on_buyer"})
    assert response.status_code == 302 and "In stock." in mail.outbox[-1].body
    client.post(act("note"), {"note-body": "Checked the shelf."})
    assert client.post(act("reply"), {"reply-body": "", "reply-status": "open"}).status_code == 400
    refused = client.post(act("research"), {"research-promised_at": "2026-03-02T09:00"})
    assert refused.status_code == 400 and "must be in the future" in refused.text
    client.post(act("research"), {"research-promised_at": "2026-03-05T10:00", "research-note": "Asking"})
    ticket.refresh_from_db()
    # Entered in the store's time (Shanghai, UTC+8).
    assert ticket.status == "researching" and ticket.promised_at == datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    client.post(act("status"), {"status-status": "closed"})
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at
    page = client.get(url).text
    assert "Checked the shelf." in page and "Internal note" in page
    assert [e.kind for e in ticket.events.all()] == ["opened", "staff_reply", "note", "researching", "status"]


def test_held_emails_are_listed_for_the_desk_and_not_on_the_ticket(client, desk):
    from email.message import EmailMessage

    from tradepost.support.inbound import inbound_email_receive

    ticket, _ = open_ticket()
    message = EmailMessage()
    message["From"] = "mallory@evil.example"
    message["To"] = f"support+{ticket.reference}@direct.example"
    message["Subject"] = "Re: stock"
    message.set_content("Send the goods to me instead.")
    inbound_email_receive(raw=message.as_bytes())
    queue = client.get(reverse("backoffice:support_queue")).text
    held = queue[queue.index('id="held"') :]
    assert "mallory@evil.example" in held and "Send the goods to me instead." in held
    page = client.get(reverse("backoffice:support_ticket", args=[ticket.reference])).text
    thread = page[page.index('id="thread"') : page.index('id="reply"')]
    assert "Send the goods to me instead." not in thread and "from mallory@evil.example (sender)" in page
