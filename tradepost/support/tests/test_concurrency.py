"""Races against a real database: threads with their own connections (SQLite and PostgreSQL)."""

from email.message import EmailMessage

import pytest

from tradepost.checkout.tests.test_concurrency import run_threads
from tradepost.conftest import make_user
from tradepost.support import services
from tradepost.support.inbound import inbound_email_receive
from tradepost.support.models import InboundEmail, TicketMessage
from tradepost.support.tests.factories import activate, agent, open_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_email_delivered_many_times_at_once_lands_once():
    activate("direct")
    buyer = make_user("bea@example.com")
    ticket, _ = open_ticket(buyer)
    message = EmailMessage()
    message["From"] = buyer.email
    message["To"] = f"support+{ticket.reference}@direct.example"
    message["Subject"] = "Re: stock"
    message["Message-ID"] = "<race@mail.example>"
    message.set_content("Yes please.")
    raw = message.as_bytes()

    results = run_threads(lambda n: inbound_email_receive(raw=raw), 6)
    assert all(isinstance(r, InboundEmail) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert TicketMessage.objects.filter(ticket=ticket, via="email").count() == 1


def test_staff_replies_and_status_changes_at_once_keep_a_consistent_trail():
    activate("direct")
    ticket, _ = open_ticket(make_user())
    desk = agent()

    def act(n: int):
        if n % 2:
            return services.ticket_status_set(ticket=ticket, actor=desk, status="closed")
        return services.ticket_staff_reply(ticket=ticket, actor=desk, body=f"answer {n}")

    results = run_threads(act, 6)
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    replies = ticket.messages.filter(kind="staff").count()
    refused = [r for r in results if isinstance(r, services.Conflict)]
    # Three replies raced three closes: each reply either landed before the close or was refused.
    assert replies + len(refused) == 3, results
    assert all(not isinstance(r, Exception) or isinstance(r, services.Conflict) for r in results), results
    # Each reply is on the trail once, and nothing was answered after the ticket closed.
    events = list(ticket.events.order_by("id"))
    closed_at = next(i for i, e in enumerate(events) if e.to_status == "closed")
    assert all(e.kind != "staff_reply" for e in events[closed_at + 1 :])
    assert ticket.events.filter(kind="staff_reply").count() == replies
