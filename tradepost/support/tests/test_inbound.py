"""Inbound email: routed by the plus address or the subject, only from the ticket's own sender, once."""

import mailbox
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from tradepost.conftest import make_user
from tradepost.support import services
from tradepost.support.inbound import inbound_email_receive, reply_text
from tradepost.support.models import InboundEmail, MessageKind, TicketStatus
from tradepost.support.tests.factories import activate, agent, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    activate("direct")
    buyer = make_user("bea@example.com")
    ticket, _ = open_ticket(buyer)
    services.ticket_staff_reply(ticket=ticket, actor=agent(), body="Which package do you need?")
    ticket.refresh_from_db()
    return ticket


def email(
    *, to, sender="Bea <bea@example.com>", subject="Re: your request", body="TO-220, please.", mid=None
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = mid or f"<{abs(hash((to, sender, subject, body)))}@mail.example>"
    message.set_content(
        body + "\n\nOn Mon, 2 Mar 2026 at 10:00, Support <support@direct.example> wrote:\n> Which package?\n"
    )
    return message


def test_a_reply_to_the_plus_address_lands_on_the_ticket_without_the_quoted_text(ticket):
    raw = email(to=f"support+{ticket.reference.lower()}@direct.example").as_bytes()
    record = inbound_email_receive(raw=raw)
    assert record.status == "appended" and record.ticket == ticket
    message = ticket.messages.order_by("-id").first()
    assert (message.kind, message.via, message.body) == (MessageKind.BUYER, "email", "TO-220, please.")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.due_at is not None
    # The same email again (a retried delivery) changes nothing.
    assert inbound_email_receive(raw=raw).pk == record.pk
    assert ticket.messages.filter(kind="buyer").count() == 2


def test_the_subject_routes_when_the_address_has_no_reference(ticket):
    raw = email(to="support@direct.example", subject=f"Re: Is it in stock? [{ticket.reference}]").as_bytes()
    assert inbound_email_receive(raw=raw).status == "appended"


def test_a_reply_from_another_address_is_held_never_appended(ticket):
    raw = email(to=f"support+{ticket.reference}@direct.example", sender="mallory@evil.example").as_bytes()
    record = inbound_email_receive(raw=raw)
    assert (record.status, record.ticket, record.ticket_message) == ("held", ticket, None)
    assert ticket.messages.filter(kind="buyer").count() == 1
    held = ticket.events.get(kind="email_held")
    assert held.data == {"sender": "mallory@evil.example", "why": "sender"}


def test_an_email_reply_reopens_a_resolved_ticket(ticket):
    services.ticket_status_set(ticket=ticket, actor=agent("a2@example.com"), status="resolved")
    inbound_email_receive(raw=email(to=f"support+{ticket.reference}@direct.example").as_bytes())
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.events.filter(kind="reopened", actor_role="buyer").exists()


def test_unknown_references_and_garbage_are_not_routed(ticket):
    record = inbound_email_receive(raw=email(to="support+T-ZZZZZZZZ@direct.example", subject="hi").as_bytes())
    assert (record.status, record.ticket) == ("unrouted", None)
    with pytest.raises(services.ValidationFailed):
        inbound_email_receive(raw=b"   ")


def test_html_only_replies_are_read_as_text():
    message = EmailMessage()
    message["From"] = "a@example.com"
    message.set_content("<p>Hello &amp; thanks<br>Bea</p><blockquote>old</blockquote>", subtype="html")
    assert reply_text(message).startswith("Hello & thanks\nBea")


def test_the_mailbox_command_reads_mbox_and_maildir_once(ticket, tmp_path, capsys):
    path = tmp_path / "inbox.mbox"
    box = mailbox.mbox(path)
    box.add(email(to=f"support+{ticket.reference}@direct.example", mid="<1@m>"))
    box.add(email(to=f"support+{ticket.reference}@direct.example", sender="x@evil.example", mid="<2@m>"))
    box.flush()
    call_command("support", "read-mailbox", str(path))
    assert "1 appended, 1 held" in capsys.readouterr().out
    call_command("support", "read-mailbox", str(path))
    assert InboundEmail.objects.count() == 2 and ticket.messages.filter(kind="buyer").count() == 2
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(email(to=f"support+{ticket.reference}@direct.example", body="Also 10 more.", mid="<3@m>"))
    call_command("support", "read-mailbox", str(tmp_path / "Maildir"))
    assert ticket.messages.filter(kind="buyer").last().body == "Also 10 more."


def test_email_attachments_are_checked_like_uploads(ticket):
    message = email(to=f"support+{ticket.reference}@direct.example", body="Photo attached.", mid="<p@m>")
    message.add_attachment(
        b"\x89PNG\r\n\x1a\n" + b"0" * 20, maintype="image", subtype="png", filename="board.png"
    )
    inbound_email_receive(raw=message.as_bytes())
    landed = ticket.messages.order_by("-id").first()
    assert landed.body == "Photo attached." and [a.name for a in landed.attachments.all()] == ["board.png"]
    bad = email(to=f"support+{ticket.reference}@direct.example", body="And a tool.", mid="<x@m>")
    bad.add_attachment(b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="tool.exe")
    assert inbound_email_receive(raw=bad.as_bytes()).status == "appended"
    landed = ticket.messages.order_by("-id").first()
    assert landed.body.startswith("And a tool.") and "Attachments not accepted" in landed.body
    assert not landed.attachments.exists()
