"""Inbound email: a buyer's reply to a ticket's address (support+T-XXXXXXXX@…) or with the reference in
the subject lands on that ticket, only when it comes from the ticket's own address. Anything else is held
or left unrouted for staff to read; nothing is ever added to someone else's ticket."""

from __future__ import annotations

import hashlib
import html
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.db import IntegrityError, transaction
from django.utils import timezone

from tradepost.core.exceptions import ApplicationError, ValidationFailed
from tradepost.support.models import InboundEmail, InboundStatus, Ticket, TicketEvent, TicketStatus
from tradepost.support.services import MAX_TEXT, Upload, _event, ticket_buyer_reply

# Reference letters: see models._ALPHABET.
_PLUS = re.compile(r"\+(T-[A-HJ-NP-Z2-9]{8})@", re.IGNORECASE)
_SUBJECT = re.compile(r"\b(T-[A-HJ-NP-Z2-9]{8})\b", re.IGNORECASE)
# Where a mail client starts quoting the message being answered.
_QUOTE_START = re.compile(
    r"^(On .{0,200}wrote:\s*$|-{2,}\s*Original Message\s*-{2,}|From: .+$|_{10,})", re.IGNORECASE
)
MAX_RAW_BYTES = 25 * 1024 * 1024
_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


def parse(raw: bytes) -> EmailMessage:
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise ValidationFailed("The email is empty.", field="message", code="invalid_email_message")
    if len(raw) > MAX_RAW_BYTES:
        raise ValidationFailed("The email is too large.", field="message", code="too_large")
    return message_from_bytes(bytes(raw), policy=policy.default)


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):  # a malformed header is read as absent
        return ""
    return str(value or "").replace("\x00", "")


def _recipients(message: EmailMessage) -> list[str]:
    values = [_header(message, name) for name in _RECIPIENT_HEADERS]
    return [address for _, address in getaddresses([v for v in values if v]) if address]


def find_reference(message: EmailMessage) -> str | None:
    """The ticket reference in a plus address, else in the subject."""
    for address in _recipients(message):
        match = _PLUS.search(address)
        if match:
            return match.group(1).upper()
    match = _SUBJECT.search(_header(message, "Subject"))
    return match.group(1).upper() if match else None


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        content = re.sub(r"(?is)<(script|style).*?</\1>", "", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = html.unescape(re.sub(r"<[^>]+>", "", content))
    return content.replace("\x00", "").replace("\r\n", "\n")


def reply_text(message: EmailMessage) -> str:
    """The new part of a reply: the text above the quoted message, without trailing quote lines."""
    kept = []
    for line in _text_of(message).split("\n"):
        if _QUOTE_START.match(line.strip()):
            break
        kept.append(line)
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    return "\n".join(kept).strip()[:MAX_TEXT]


def _attachments(message: EmailMessage) -> list[Upload]:
    uploads = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if data:
            uploads.append(Upload(name=part.get_filename() or "attachment", content_type="", data=data))
    return uploads


def _message_id(message: EmailMessage, raw: bytes) -> str:
    value = _header(message, "Message-ID").strip()
    return value[:255] if value else "sha256:" + hashlib.sha256(raw).hexdigest()


def inbound_email_receive(*, raw: bytes) -> InboundEmail:
    """Route one email from the support mailbox; a message already received (same Message-ID) changes
    nothing and returns the first record. Safe to retry."""
    message = parse(raw)
    message_id = _message_id(message, bytes(raw))
    seen = InboundEmail.objects.filter(message_id=message_id).first()
    if seen is not None:
        return seen
    sender = parseaddr(_header(message, "From"))[1].strip()[:254]
    reference = find_reference(message)
    body = reply_text(message)
    record = InboundEmail(
        message_id=message_id,
        from_email=sender,
        to=", ".join(_recipients(message))[:1000],
        subject=_header(message, "Subject")[:300],
        body=body,
        received_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            ticket = (
                Ticket.objects.filter(reference=reference).select_related("user").first()
                if reference
                else None
            )
            record.ticket = ticket
            if ticket is None:
                record.status = InboundStatus.UNROUTED
            elif not _sender_matches(ticket, sender):
                record.status = InboundStatus.HELD
                _event(ticket, TicketEvent.Kind.EMAIL_HELD, None, role="system", sender=sender, why="sender")
            elif ticket.status == TicketStatus.CLOSED or not body:
                record.status = InboundStatus.HELD
                why = "closed" if body else "empty"
                _event(ticket, TicketEvent.Kind.EMAIL_HELD, None, role="system", sender=sender, why=why)
            else:
                record.ticket_message = _append(ticket, message, body, sender)
                record.status = InboundStatus.APPENDED
            record.save()
    except IntegrityError:
        # The same email delivered twice at once: the twin that committed first wins.
        existing = InboundEmail.objects.filter(message_id=message_id).first()
        if existing is None:
            raise
        return existing
    return record


def _sender_matches(ticket: Ticket, sender: str) -> bool:
    addresses = {ticket.email.lower()}
    if ticket.user_id:
        addresses.add(ticket.user.email.lower())
    return bool(sender) and sender.lower() in addresses


def _append(ticket: Ticket, message: EmailMessage, body: str, sender: str):
    uploads = _attachments(message)
    try:
        return ticket_buyer_reply(
            ticket=ticket, user=ticket.user, body=body, files=uploads, via="email", author_email=sender
        )
    except ApplicationError as exc:
        if not uploads or not exc.errors or exc.errors[0].field != "files":
            raise
        # Files the desk would refuse on the web (type, size, count) are left out; the text still lands.
        note = body + "\n\n[Attachments not accepted: " + exc.message + "]"
        return ticket_buyer_reply(
            ticket=ticket, user=ticket.user, body=note[:MAX_TEXT], via="email", author_email=sender
        )
