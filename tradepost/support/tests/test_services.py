"""Tickets: targets in working hours from the policy, the thread, staff steps, reopening and the audit."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from tradepost.conftest import make_user
from tradepost.core.exceptions import Conflict, ValidationFailed
from tradepost.notifications.models import Notification
from tradepost.orders.tests.factories import place, shop
from tradepost.support import selectors, services
from tradepost.support.models import MessageKind, TicketEvent, TicketStatus
from tradepost.support.services import Links, Upload
from tradepost.support.tests.factories import activate, agent, open_ticket

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 10:00 in Shanghai (the direct preset's warehouse), 02:00 UTC.
MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def direct():
    return activate("direct")


def test_a_guest_ticket_gets_working_hour_targets_from_the_policy_and_a_secret_link(
    direct, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY_10, tick=False), django_capture_on_commit_callbacks(execute=True):
        ticket, token = open_ticket(topic="pre_sales")
    # direct: pre-sales first response 8 working hours, resolution 24 (09:00-18:00 Shanghai).
    assert ticket.first_response_due_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Mon 18:00 local
    assert ticket.resolution_due_at == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)  # Wed 16:00 local
    assert ticket.due_at == ticket.first_response_due_at and ticket.status == TicketStatus.NEW
    assert ticket.reference.startswith("T-") and len(ticket.reference) == 10
    # Only the hash of the link's token is stored; the link finds the ticket, a wrong one does not.
    assert token and token not in ticket.access_token_hash
    assert selectors.ticket_for_token(token=token) == ticket
    with pytest.raises(Exception, match="No such ticket"):
        selectors.ticket_for_token(token=token[:-1] + ("A" if token[-1] != "A" else "B"))
    [email] = mail.outbox
    assert email.to == ["guest@example.com"] and ticket.reference in email.subject
    assert email.reply_to == [f"support+{ticket.reference}@direct.example"]
    assert f"/support/tickets/{token}/" in email.body and "Mon 2 Mar 2026, 18:00" in email.body
    row = Notification.objects.get(kind="support.opened")
    assert row.state == "sent" and row.recipient is None
    # The secret went out by email only: the kept copy of the message does not hold it.
    assert token not in row.text + row.html + row.private_text + row.private_html + row.link
    assert "(private link: sent by email only)" in row.text
    [event] = TicketEvent.objects.filter(ticket=ticket)
    assert (event.kind, event.actor_role) == ("opened", "guest")


def test_a_topic_over_a_weekend_counts_only_working_hours(direct):
    friday_17 = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)  # Fri 17:00 Shanghai
    with time_machine.travel(friday_17, tick=False):
        ticket, _ = open_ticket(topic="complaint")  # 8 h first response
    assert ticket.first_response_due_at == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Mon 16:00 local


def test_links_must_be_the_buyers_own_and_guests_cannot_link_private_objects(direct):
    shop("direct")
    buyer, other = make_user(), make_user("other@example.com")
    order = place(buyer, method="paypal")
    ticket, token = open_ticket(
        buyer, topic="order", links=Links(order=order.number.lower(), sku="TI-LM317T")
    )
    assert (ticket.order, ticket.product.sku, token) == (order, "TI-LM317T", None)
    assert ticket.email == buyer.email
    with pytest.raises(ValidationFailed) as refused:
        open_ticket(other, topic="order", links=Links(order=order.number))
    assert refused.value.errors[0].field == "order" and refused.value.errors[0].code == "not_yours"
    with pytest.raises(ValidationFailed) as guest:
        open_ticket(None, topic="order", links=Links(order=order.number))
    assert guest.value.errors[0].code == "sign_in_to_link"
    with pytest.raises(ValidationFailed) as sku:
        open_ticket(buyer, links=Links(sku="NOPE"))
    assert sku.value.errors[0].field == "sku"
    assert other.tickets.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"topic": "gossip"}, "topic"),
        ({"subject": " "}, "subject"),
        ({"message": ""}, "message"),
        ({"email": "not-an-email"}, "email"),
        ({"message": "x" * (services.MAX_TEXT + 1)}, "message"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(direct, fields, field):
    data = {"topic": "order", "subject": "Hi", "message": "Help", "email": "g@example.com", **fields}
    with pytest.raises(ValidationFailed) as refused:
        services.ticket_open(user=None, **data)
    assert refused.value.errors[0].field == field
    assert not services.Ticket.objects.exists()


def test_attachments_are_type_and_size_checked(direct, settings):
    settings.SUPPORT_MAX_ATTACHMENT_BYTES = 1024
    png = Upload("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 10)
    ticket, _ = services.ticket_open(
        user=None, email="g@example.com", topic="after_sales", subject="Broken", message="See", files=[png]
    )
    [attachment] = ticket.messages.get().attachments.all()
    assert (attachment.name, attachment.content_type, attachment.size) == ("photo.png", "image/png", 18)
    for bad, code in [
        (Upload("run.exe", "", b"MZ"), "file_type"),
        (Upload("fake.pdf", "application/pdf", b"hello"), "file_type"),
        (Upload("big.txt", "text/plain", b"a" * 2000), "file_too_large"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.ticket_open(
                user=None, email="g@example.com", topic="order", subject="x", message="y", files=[bad]
            )
        assert (refused.value.errors[0].field, refused.value.errors[0].code) == ("files", code)
    assert services.Ticket.objects.count() == 1


def test_staff_reply_stops_the_first_response_clock_and_emails_the_buyer(
    direct, django_capture_on_commit_callbacks
):
    buyer, desk = make_user(), agent()
    with time_machine.travel(MONDAY_10, tick=False):
        ticket, _ = open_ticket(buyer)
    at = MONDAY_10 + timedelta(hours=1)
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.ticket_staff_reply(ticket=ticket, actor=desk, body="Yes, 5,000 in stock.")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == MONDAY_10 + timedelta(hours=1)
    assert (ticket.status, ticket.due_at, ticket.reply_due_at) == ("waiting_on_buyer", None, None)
    reply = mail.outbox[-1]
    assert "Yes, 5,000 in stock." in reply.body and reply.to == [buyer.email]
    assert Notification.objects.filter(recipient=buyer, kind="support.reply").exists()
    # The buyer answers: open again, and a reply is owed within the first-response target.
    with time_machine.travel(MONDAY_10 + timedelta(hours=2), tick=False):
        services.ticket_buyer_reply(ticket=ticket, user=buyer, body="Great, thanks. Lead time?")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.reply_due_at == datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # 8 working h: Tue 11:00 local
    assert ticket.due_at == ticket.reply_due_at


def test_a_buyer_reply_reopens_a_resolved_ticket_with_fresh_targets_but_not_a_closed_one(direct):
    buyer, desk = make_user(), agent()
    with time_machine.travel(MONDAY_10, tick=False):
        ticket, _ = open_ticket(buyer)
        services.ticket_staff_reply(ticket=ticket, actor=desk, body="Done.", status="resolved")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at and ticket.due_at is None
    later = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # Tue 10:00 local, a week on
    with time_machine.travel(later, tick=False):
        services.ticket_buyer_reply(ticket=ticket, user=buyer, body="Not fixed after all.")
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.resolved_at is None
    assert ticket.resolution_due_at == datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
    assert ticket.due_at == datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    assert list(ticket.events.values_list("kind", flat=True))[-2:] == ["reopened", "buyer_message"]
    services.ticket_status_set(ticket=ticket, actor=desk, status="closed")
    with pytest.raises(Conflict):
        services.ticket_buyer_reply(ticket=ticket, user=buyer, body="Hello?")
    with pytest.raises(Conflict):
        services.ticket_status_set(ticket=ticket, actor=desk, status="open")


def test_researching_makes_the_promise_the_due_time(direct, django_capture_on_commit_callbacks):
    desk = agent()
    with time_machine.travel(MONDAY_10, tick=False):
        ticket, _ = open_ticket()
        promised = MONDAY_10 + timedelta(days=3)
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_research(
                ticket=ticket, actor=desk, promised_at=promised, note="Asking the factory."
            )
        with pytest.raises(ValidationFailed) as past:
            services.ticket_research(ticket=ticket, actor=desk, promised_at=MONDAY_10 - timedelta(hours=1))
        assert past.value.errors[0].field == "promised_at"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.due_at, ticket.promised_at) == ("researching", promised, promised)
    assert ticket.first_responded_at == MONDAY_10
    assert ticket.messages.filter(kind="staff", body="Asking the factory.").exists()  # in the thread too
    assert "Thu 5 Mar 2026, 10:00" in mail.outbox[-1].body and "Asking the factory." in mail.outbox[-1].body
    event = ticket.events.get(kind="researching")
    assert event.actor == desk and event.data["promised_at"] == promised.isoformat()


def test_breached_and_nearly_breached_are_read_from_due_times(direct):
    with time_machine.travel(MONDAY_10, tick=False):
        late, _ = open_ticket(topic="pre_sales")  # due Mon 10:00 UTC
    with time_machine.travel(MONDAY_10 + timedelta(hours=7), tick=False):
        soon, _ = open_ticket(topic="complaint")  # Mon 17:00 local + 8 h = Tue 16:00 local
    now = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # Tue 15:00 local
    rows = {t.reference: t.clock for t in selectors.desk_queue(now=now)}
    assert rows == {late.reference: "overdue", soon.reference: "nearly_due"}
    assert [t.reference for t in selectors.desk_queue(now=now, overdue=True)] == [late.reference]
    assert selectors.desk_counts(now=now) == {"overdue": 1, "nearly_due": 1, "on_time": 0}
    assert selectors.desk_counts(now=MONDAY_10) == {"overdue": 0, "nearly_due": 0, "on_time": 2}


def test_notes_stay_internal_and_assignment_needs_the_support_desk(direct):
    buyer, desk = make_user(), agent()
    ticket, _ = open_ticket(buyer)
    services.ticket_note(ticket=ticket, actor=desk, body="VIP customer.")
    assert [m.kind for m in selectors.ticket_thread(ticket)] == [MessageKind.BUYER]
    assert [m.kind for m in selectors.ticket_thread(ticket, staff=True)] == ["buyer", "note"]
    with pytest.raises(ValidationFailed):
        services.ticket_assign(ticket=ticket, actor=desk, assignee=buyer)
    services.ticket_assign(ticket=ticket, actor=desk, assignee=desk)
    assert [t.pk for t in selectors.desk_queue(assigned_to=desk)] == [ticket.pk]
    event = ticket.events.get(kind="assigned")
    assert (event.actor, event.actor_role, event.data["assignee"]) == (desk, "staff", desk.email)


def test_the_desk_queue_and_a_thread_read_in_fixed_queries(direct, django_assert_num_queries):
    buyer, desk = make_user(), agent()
    for _ in range(3):
        ticket, _token = open_ticket(buyer)
        services.ticket_note(ticket=ticket, actor=desk, body="Checked.")
    with django_assert_num_queries(1):
        rows = list(selectors.desk_queue())
    assert len(rows) == 3 and all(row.clock == "on_time" for row in rows)
    with django_assert_num_queries(2):  # messages with authors, then their files
        thread = selectors.ticket_thread(rows[0], staff=True)
        assert [len(m.attachments.all()) for m in thread] == [0, 0]


def test_the_assignee_hears_when_the_buyer_writes(direct, django_capture_on_commit_callbacks):
    buyer, desk = make_user(), agent()
    ticket, _ = open_ticket(buyer)
    services.ticket_buyer_reply(ticket=ticket, user=buyer, body="Nobody assigned yet.")
    assert not Notification.objects.filter(recipient=desk).exists()
    services.ticket_assign(ticket=ticket, actor=desk, assignee=desk)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_buyer_reply(ticket=ticket, user=buyer, body="Any update?")
    note = Notification.objects.get(recipient=desk)
    assert note.kind == "support.buyer_wrote" and note.link == f"/desk/support/{ticket.reference}/"
    assert "Any update?" in mail.outbox[-1].body and mail.outbox[-1].to == [desk.email]
