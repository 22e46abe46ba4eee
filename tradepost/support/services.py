"""Ticket state changes. Each is one transaction that locks the ticket row, writes its TicketEvent (actor,
role, time), moves the ticket's deadlines and queues its email through notifications after commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tradepost.accounts.roles import Desk, user_has_desk
from tradepost.core import ratelimit
from tradepost.core.exceptions import Conflict, NotFound, RateLimited, ValidationFailed
from tradepost.core.uploads import Upload
from tradepost.core.uploads import upload_check as check_upload
from tradepost.notifications.services import notify
from tradepost.policies.selectors import policy_active, policy_from_version, store_calendar
from tradepost.support.calculations import next_due, ticket_targets
from tradepost.support.models import (
    MessageKind,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
    TicketStatus,
    Topic,
)

MAX_SUBJECT = 200
MAX_TEXT = 5000
MAX_FILES = 5
# How far ahead a researching answer may be promised; a guard against typos, not a store promise.
MAX_PROMISE = timedelta(days=60)
# Guests opening tickets, per IP address: a spam guard.
GUEST_OPEN_LIMIT = ratelimit.Limit(scope="support_guest_open", attempts=10, window_seconds=3600)

# Attachments: extension -> (content type, leading bytes or None for text formats).
ALLOWED_FILES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "gif": ("image/gif", b"GIF8"),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
}

# Staff may set these directly; "researching" needs a promise (ticket_research), "new" is only the start.
STAFF_STATUSES = (
    TicketStatus.OPEN,
    TicketStatus.WAITING_ON_BUYER,
    TicketStatus.ESCALATED,
    TicketStatus.RESOLVED,
    TicketStatus.CLOSED,
)


def max_file_bytes() -> int:
    return getattr(settings, "SUPPORT_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024)


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


# --- Input checks --------------------------------------------------------------------------------------


def _text(value, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed("Must be text.", field=field, code="invalid")
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed("This is required.", field=field, code="required")
    if len(value) > limit:
        raise ValidationFailed(f"At most {limit} characters.", field=field, code="too_long")
    if "\x00" in value:
        raise ValidationFailed("Null characters are not allowed.", field=field, code="invalid")
    return value


def _email(value, field: str = "email") -> str:
    value = _text(value, field, required=True, limit=254)
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValidationFailed("Not a valid email address.", field=field, code="invalid_email") from None
    return value


def upload_check(upload: Upload, field: str = "files") -> tuple[str, str]:
    """Refuse an attachment of the wrong type or size; returns (clean name, content type)."""
    return check_upload(upload, allowed=ALLOWED_FILES, max_bytes=max_file_bytes(), field=field)


def _uploads(files, field: str = "files") -> list[tuple[Upload, str, str]]:
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise ValidationFailed(f"At most {MAX_FILES} files.", field=field, code="too_many_files")
    return [(upload, *upload_check(upload, field)) for upload in files]


def _store_files(message: TicketMessage, checked, stored: list) -> None:
    for upload, name, content_type in checked:
        row = TicketAttachment(message=message, name=name, content_type=content_type, size=len(upload.data))
        row.file.save(name, ContentFile(upload.data), save=False)
        stored.append((row.file.name, row.file.storage))
        row.save()


# --- Clocks --------------------------------------------------------------------------------------------


def ticket_policy(ticket: Ticket):
    """The policy the ticket was opened under: its reply targets do not move when the policy changes."""
    return policy_from_version(ticket.policy_version)


def _after(ticket: Ticket, start: datetime, which: str) -> datetime:
    policy = ticket_policy(ticket)
    target = policy.support.target(ticket.topic)
    hours = getattr(target, f"{which}_working_hours")
    return store_calendar(policy).add_working_hours(start, hours)


def _recompute_due(ticket: Ticket) -> None:
    ticket.due_at = next_due(
        status=ticket.status,
        reply_due_at=ticket.reply_due_at,
        resolution_due_at=ticket.resolution_due_at,
        promised_at=ticket.promised_at,
    )


# --- Helpers -------------------------------------------------------------------------------------------


def _role(ticket: Ticket, actor) -> str:
    if actor is None:
        return "guest" if ticket.user_id is None else "system"
    if actor.pk == ticket.user_id:
        return "buyer"
    return "staff"


def _event(ticket, kind, actor, *, before: str = "", role: str | None = None, **data) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor,
        actor_role=role or _role(ticket, actor),
        from_status=before,
        to_status=ticket.status if before else "",
        data={key: value for key, value in data.items() if value not in (None, "")},
        created_at=timezone.now(),
    )


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("user", "policy_version")
        .get(pk=ticket.pk)
    )


def reply_address(ticket: Ticket) -> str:
    """The ticket's own address: the store's support address plus-addressed with the reference."""
    local, _, domain = ticket_policy(ticket).store.support_email.partition("@")
    return f"{local}+{ticket.reference}@{domain}"


def buyer_link(ticket: Ticket, token: str | None = None) -> str:
    """Where the requester follows the ticket: My tickets, or the guest's secret link when known."""
    if ticket.user_id:
        return reverse("storefront:ticket_detail", args=[ticket.reference])
    return reverse("storefront:ticket_guest", args=[token]) if token else ""


def _send(ticket: Ticket, kind: str, subject: str, *, token: str | None = None, **context) -> None:
    policy = ticket_policy(ticket)
    link = buyer_link(ticket, token)
    url = settings.SITE_URL.rstrip("/") + link if link else ""
    guest = ticket.user_id is None
    notify(
        kind=f"support.{kind}",
        template=f"support/email/{kind}",
        context={
            "ticket": ticket,
            "store": policy.store,
            "store_tz": policy.store.timezone,
            "link": "" if guest else url,
            **context,
        },
        # A guest's link is the key to the ticket: it goes out by email but is not kept in the outbox.
        private={"link": url} if guest and url else None,
        subject=f"[{policy.store.name}] {subject} [{ticket.reference}]",
        user=ticket.user,
        email=ticket.email if guest else None,  # a buyer's mail follows their account's address
        reply_to=reply_address(ticket),
        link=link if not guest else "",
    )


def _tell_assignee(ticket: Ticket, message: TicketMessage) -> None:
    """The staff member who holds the ticket hears that the buyer wrote (email and in-site list)."""
    assignee = ticket.assigned_to
    if assignee is None or not assignee.is_active:
        return
    policy = ticket_policy(ticket)
    notify(
        kind="support.buyer_wrote",
        template="support/email/buyer_wrote",
        context={
            "ticket": ticket,
            "message": message,
            "store": policy.store,
            "store_tz": policy.store.timezone,
        },
        subject=f"[{policy.store.name}] {ticket.reference}: the buyer wrote",
        user=assignee,
        link=reverse("backoffice:support_ticket", args=[ticket.reference]),
    )


def _message(ticket, kind, *, author, body, via, checked=(), stored=None, author_email="") -> TicketMessage:
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=kind,
        author=author,
        author_email=author_email or (author.email if author else ""),
        body=body,
        via=via,
        created_at=timezone.now(),
    )
    _store_files(message, checked, stored if stored is not None else [])
    return message


def _atomic(call):
    """Run a service body in one transaction; the files it stored are deleted if it rolls back."""
    stored: list = []
    try:
        with transaction.atomic():
            return call(stored)
    except BaseException:
        for path, storage in stored:
            storage.delete(path)
        raise


# --- Links ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    order: str = ""
    sku: str = ""
    inquiry: str = ""
    rma: str = ""


def _resolve_links(user, links: Links) -> dict:
    """The buyer's own order / inquiry / RMA and any listed product; another buyer's is a field error."""
    from tradepost.aftersales.selectors import rma_for_buyer
    from tradepost.catalog.models import Product
    from tradepost.orders.selectors import order_for_buyer
    from tradepost.quotes.selectors import inquiry_for_buyer

    out = {}
    private = {
        "order": (order_for_buyer, "order"),
        "inquiry": (inquiry_for_buyer, "inquiry"),
        "rma": (rma_for_buyer, "RMA"),
    }
    for field, (lookup, words) in private.items():
        number = _text(getattr(links, field), field, limit=16).upper()
        if not number:
            continue
        if user is None:
            raise ValidationFailed(
                f"Sign in to link an {words}." if words[0] in "aeiouAEIOU" else f"Sign in to link a {words}.",
                field=field,
                code="sign_in_to_link",
            )
        try:
            out[field] = lookup(user=user, number=number)
        except NotFound:
            raise ValidationFailed(f"You have no {words} {number}.", field=field, code="not_yours") from None
    sku = _text(links.sku, "sku", limit=64)
    if sku:
        product = Product.objects.filter(sku=sku).first()
        if product is None:
            raise ValidationFailed(f"No product {sku}.", field="sku", code="product_not_found")
        out["product"] = product
    return out


# --- Buyers and guests ---------------------------------------------------------------------------------


def ticket_open(
    *,
    user,
    topic: str,
    subject: str,
    message: str,
    email: str = "",
    name: str = "",
    links: Links | None = None,
    files=(),
    ip: str | None = None,
    via: str = "web",
) -> tuple[Ticket, str | None]:
    """Open a ticket through Contact Us; returns it and, for a guest, the secret link token (emailed,
    shown once, only its hash stored). A signed-in buyer's replies go to their account's address."""
    user = user if getattr(user, "is_authenticated", False) else None
    if topic not in Topic.values:
        raise ValidationFailed("Choose a topic.", field="topic", code="invalid_topic")
    subject = _text(subject, "subject", required=True, limit=MAX_SUBJECT)
    body = _text(message, "message", required=True)
    name = _text(name, "name", limit=150)
    email = user.email if user else _email(email)
    resolved = _resolve_links(user, links or Links())
    checked = _uploads(files)
    if user is None and ip:
        if ratelimit.is_exhausted(GUEST_OPEN_LIMIT, ip):
            raise RateLimited(
                "Too many requests from this address; try again later or sign in.",
                retry_after=ratelimit.retry_after(GUEST_OPEN_LIMIT),
            )
        ratelimit.record(GUEST_OPEN_LIMIT, ip)
    token = None if user else secrets.token_urlsafe(32)

    def run(stored):
        active = policy_active()
        now = timezone.now()
        ticket = Ticket(
            topic=topic,
            subject=subject,
            user=user,
            name=name or (user.full_name if user else ""),
            email=email,
            access_token_hash=token_hash(token) if token else "",
            policy_version_id=active.version_id,
            created_at=now,
            updated_at=now,
            **resolved,
        )
        target = active.policy.support.target(topic)
        ticket.first_response_due_at, ticket.resolution_due_at = ticket_targets(
            start=now,
            first_response_hours=target.first_response_working_hours,
            resolution_hours=target.resolution_working_hours,
            calendar=store_calendar(active.policy),
        )
        ticket.reply_due_at = ticket.first_response_due_at
        _recompute_due(ticket)
        ticket.save()
        _message(
            ticket,
            MessageKind.BUYER,
            author=user,
            author_email=email,
            body=body,
            via=via,
            checked=checked,
            stored=stored,
        )
        _event(
            ticket,
            TicketEvent.Kind.OPENED,
            user,
            topic=topic,
            first_response_due_at=ticket.first_response_due_at.isoformat(),
            resolution_due_at=ticket.resolution_due_at.isoformat(),
            files=len(checked),
        )
        _send(ticket, "opened", "We received your message", token=token)
        return ticket

    return _atomic(run), token


def ticket_buyer_reply(
    *, ticket: Ticket, user, body: str, files=(), via: str = "web", author_email: str = ""
) -> TicketMessage:
    """The buyer (or the guest, user=None) writes on their ticket. A resolved ticket reopens with fresh
    targets; one waiting on the buyer is open again; a reply is owed from now if none was."""
    body = _text(body, "body", required=True)
    checked = _uploads(files)
    actor = user if getattr(user, "is_authenticated", False) else None

    def run(stored):
        locked = _locked(ticket)
        if locked.status == TicketStatus.CLOSED:
            raise Conflict(
                f"{locked.reference} is closed; open a new request through Contact Us.", code="ticket_closed"
            )
        now = timezone.now()
        before = locked.status
        message = _message(
            locked,
            MessageKind.BUYER,
            author=actor,
            author_email=author_email or locked.email,
            body=body,
            via=via,
            checked=checked,
            stored=stored,
        )
        if before == TicketStatus.RESOLVED:
            locked.status = TicketStatus.OPEN
            locked.resolved_at = None
            locked.resolution_due_at = _after(locked, now, "resolution")
            locked.reply_due_at = _after(locked, now, "first_response")
        elif before == TicketStatus.WAITING_ON_BUYER:
            locked.status = TicketStatus.OPEN
        if locked.reply_due_at is None:
            locked.reply_due_at = _after(locked, now, "first_response")
        _recompute_due(locked)
        locked.updated_at = now
        locked.save()
        if before == TicketStatus.RESOLVED:
            _event(locked, TicketEvent.Kind.REOPENED, actor, before=before, via=via)
        _event(
            locked,
            TicketEvent.Kind.BUYER_MESSAGE,
            actor,
            before=before if locked.status != before else "",
            via=via,
            files=len(checked),
        )
        _tell_assignee(locked, message)
        return message

    return _atomic(run)


# --- Staff ---------------------------------------------------------------------------------------------


def ticket_staff_reply(
    *, ticket: Ticket, actor, body: str, files=(), status: str = TicketStatus.WAITING_ON_BUYER
) -> TicketMessage:
    """Answer the buyer (emailed, shown on their ticket page); the ticket moves to `status` (waiting on
    the buyer by default, or open, escalated or resolved). The first reply stops the first-response clock."""
    body = _text(body, "body", required=True)
    if status not in (
        TicketStatus.WAITING_ON_BUYER,
        TicketStatus.OPEN,
        TicketStatus.ESCALATED,
        TicketStatus.RESOLVED,
    ):
        raise ValidationFailed("Choose waiting on the buyer, open, escalated or resolved.", field="status")
    checked = _uploads(files)

    def run(stored):
        locked = _locked(ticket)
        if locked.status == TicketStatus.CLOSED:
            raise Conflict(f"{locked.reference} is closed.", code="ticket_closed")
        now = timezone.now()
        before = locked.status
        message = _message(
            locked, MessageKind.STAFF, author=actor, body=body, via="web", checked=checked, stored=stored
        )
        locked.first_responded_at = locked.first_responded_at or now
        locked.reply_due_at = None
        locked.status = status
        locked.promised_at = None
        locked.resolved_at = now if status == TicketStatus.RESOLVED else None
        _recompute_due(locked)
        locked.updated_at = now
        locked.save()
        _event(
            locked,
            TicketEvent.Kind.STAFF_REPLY,
            actor,
            before=before if status != before else "",
            role="staff",
            files=len(checked),
        )
        _send(locked, "reply", "A reply to your request", message=message)
        return message

    return _atomic(run)


def ticket_note(*, ticket: Ticket, actor, body: str) -> TicketMessage:
    """An internal note: staff only, never shown or sent to the buyer."""
    body = _text(body, "body", required=True)

    def run(stored):
        locked = _locked(ticket)
        message = _message(locked, MessageKind.NOTE, author=actor, body=body, via="web")
        locked.updated_at = timezone.now()
        locked.save(update_fields=["updated_at"])
        _event(locked, TicketEvent.Kind.NOTE, actor, role="staff")
        return message

    return _atomic(run)


def ticket_assign(*, ticket: Ticket, actor, assignee) -> Ticket:
    """Give the ticket to a support-desk member (or nobody, assignee=None)."""
    if assignee is not None and not user_has_desk(assignee, Desk.SUPPORT):
        raise ValidationFailed("Only members of the support desk take tickets.", field="assignee")
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.assigned_to_id == (assignee.pk if assignee else None):
            return locked
        locked.assigned_to = assignee
        locked.updated_at = timezone.now()
        locked.save(update_fields=["assigned_to", "updated_at"])
        _event(
            locked,
            TicketEvent.Kind.ASSIGNED,
            actor,
            role="staff",
            assignee=assignee.email if assignee else "nobody",
        )
        return locked


def ticket_status_set(*, ticket: Ticket, actor, status: str) -> Ticket:
    """Move the ticket: open, waiting on the buyer, escalated, resolved or closed. Closed is final."""
    if status not in STAFF_STATUSES:
        raise ValidationFailed(
            "Choose open, waiting on the buyer, escalated, resolved or closed.", field="status"
        )
    with transaction.atomic():
        locked = _locked(ticket)
        before = locked.status
        if before == status:
            return locked
        if before == TicketStatus.CLOSED:
            raise Conflict(f"{locked.reference} is closed for good.", code="ticket_closed")
        now = timezone.now()
        locked.status = status
        locked.promised_at = None
        if status == TicketStatus.RESOLVED:
            locked.resolved_at = now
        elif status == TicketStatus.CLOSED:
            locked.closed_at = now
            locked.resolved_at = locked.resolved_at or now
        elif before == TicketStatus.RESOLVED:
            # Staff reopened it: a fresh resolution target from now.
            locked.resolved_at = None
            locked.resolution_due_at = _after(locked, now, "resolution")
        _recompute_due(locked)
        locked.updated_at = now
        locked.save()
        _event(locked, TicketEvent.Kind.STATUS, actor, before=before, role="staff")
        if status == TicketStatus.RESOLVED:
            _send(locked, "resolved", "Your request is resolved")
        return locked


def ticket_research(*, ticket: Ticket, actor, promised_at: datetime, note: str = "") -> Ticket:
    """A question that needs checking: the buyer is told when the full answer comes, and that promise is
    the ticket's new due time. Counts as the first response."""
    note = _text(note, "note")
    if not isinstance(promised_at, datetime) or promised_at.tzinfo is None:
        raise ValidationFailed("A date and time with its timezone.", field="promised_at")
    now = timezone.now()
    if promised_at <= now:
        raise ValidationFailed("The promised time must be in the future.", field="promised_at")
    if promised_at > now + MAX_PROMISE:
        raise ValidationFailed(f"At most {MAX_PROMISE.days} days ahead.", field="promised_at", code="too_far")
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.is_done:
            raise Conflict(
                f"{locked.reference} is {locked.get_status_display().lower()}.", code="ticket_done"
            )
        before = locked.status
        if note:  # what the buyer is told also stays in the thread
            _message(locked, MessageKind.STAFF, author=actor, body=note, via="web")
        locked.status = TicketStatus.RESEARCHING
        locked.promised_at = promised_at
        locked.first_responded_at = locked.first_responded_at or now
        locked.reply_due_at = None
        _recompute_due(locked)
        locked.updated_at = now
        locked.save()
        _event(
            locked,
            TicketEvent.Kind.RESEARCHING,
            actor,
            before=before,
            role="staff",
            promised_at=promised_at.isoformat(),
        )
        _send(locked, "researching", "We are looking into your question", note=note)
        return locked
