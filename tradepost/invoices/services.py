"""Issuing commercial invoices and rendering their PDFs.

Lock order, everywhere: the order row first, then the year's `InvoiceSequence` row. The sequence row stays
locked until the issuing transaction ends, so a rolled-back issue gives its number back (no gaps) and two
issues never get the same number.
"""

import hashlib
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from tradepost.core.exceptions import Conflict, NotFound
from tradepost.invoices.calculations import invoice_number, request_deadline
from tradepost.invoices.documents import document_data, document_pdf
from tradepost.invoices.models import Invoice, InvoiceSequence
from tradepost.invoices.selectors import invoice_of_order
from tradepost.orders.events import order_event_record
from tradepost.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from tradepost.orders.services import order_lock, order_policy
from tradepost.policies.schema import CommercialInvoice

REQUESTED_MESSAGE = "Commercial invoice requested; it will be issued when the order ships."


def _take_number(year: int) -> int:
    """The next number of `year`; locks the year's counter row until the caller's transaction ends."""
    sequence = InvoiceSequence.objects.select_for_update().filter(year=year).first()
    if sequence is None:
        # The first invoice of a year: create the counter without racing a twin (the loser inserts nothing).
        InvoiceSequence.objects.bulk_create([InvoiceSequence(year=year)], ignore_conflicts=True)
        sequence = InvoiceSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _request_origin(order: Order, automatic: bool) -> tuple:
    """(when, user id) the buyer asked: from the order page's audit row, else the checkout tick."""
    if automatic:
        return None, None
    event = (
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.INVOICE, data__action="requested")
        .order_by("-created_at", "-id")
        .first()
    )
    if event is not None:
        return event.created_at, event.actor_id
    return order.placed_at, order.user_id


def _issue(order: Order, *, actor, requested_at, requested_by_id, message: str) -> Invoice:
    """Freeze the document and give it the next number; the PDF is rendered later, on first download."""
    policy = order_policy(order)
    now = timezone.now()
    lines = list(OrderLine.objects.filter(order=order, cancelled=False).order_by("id"))
    year = now.astimezone(ZoneInfo(policy.store.timezone)).year  # the invoice date's year
    with transaction.atomic():
        sequence = _take_number(year)
        number = invoice_number(year, sequence)
        invoice = Invoice.objects.create(
            order=order,
            number=number,
            year=year,
            sequence=sequence,
            issued_at=now,
            issued_by=actor,
            requested_at=requested_at,
            requested_by_id=requested_by_id,
            incoterm=order.incoterm,
            data=document_data(order=order, lines=lines, policy=policy, number=number, issued_at=now),
        )
        order_event_record(
            order=order,
            kind=OrderEvent.Kind.INVOICE,
            actor=actor,
            message=message.format(number=number),
            data={"action": "issued", "invoice": number},
            at=now,
        )
    return invoice


def invoice_issue_if_due(*, order: Order, actor) -> Invoice | None:
    """Issue the order's invoice at its first shipment when the policy says "always" or the buyer asked.

    Called by shipping inside its shipment transaction, with the order row already locked and
    `first_shipped_at` just set. Returns the order's invoice (new, or the one it already had), or None when
    none is due. Takes the year's sequence row lock until that transaction ends; safe to call again.
    """
    automatic = order_policy(order).invoices.commercial_invoice == CommercialInvoice.ALWAYS
    if not automatic and not order.commercial_invoice_requested:
        return None
    existing = invoice_of_order(order)
    if existing is not None:
        return existing
    requested_at, requested_by_id = _request_origin(order, automatic)
    return _issue(
        order,
        actor=actor,
        requested_at=requested_at,
        requested_by_id=requested_by_id,
        message="Commercial invoice {number} issued.",
    )


@transaction.atomic
def invoice_request(*, order: Order, user) -> Invoice | None:
    """The buyer asks for a commercial invoice from the order page. Locks the order row; safe to retry.

    Before the first shipment the request is recorded and the invoice is issued when the order ships
    (returns None). After it, the invoice is issued at once while the policy's window is open. Asking
    again changes nothing; an order that already has its invoice returns it.
    """
    order = order_lock(order)
    if user is None or order.user_id != user.pk:
        raise NotFound("No such order.", code="order_not_found")
    existing = invoice_of_order(order)
    if existing is not None:
        return existing
    if order.status == OrderStatus.CANCELLED:
        raise Conflict("This order is cancelled, so no commercial invoice is issued.", code="order_cancelled")
    rules = order_policy(order).invoices
    automatic = rules.commercial_invoice == CommercialInvoice.ALWAYS
    if order.first_shipped_at is None:
        if not automatic and not order.commercial_invoice_requested:
            order.commercial_invoice_requested = True
            order.save(update_fields=["commercial_invoice_requested", "updated_at"])
            order_event_record(
                order=order,
                kind=OrderEvent.Kind.INVOICE,
                actor=user,
                message=REQUESTED_MESSAGE,
                data={"action": "requested"},
            )
        return None  # "always" stores need no request: the invoice comes with the first shipment
    if automatic or order.commercial_invoice_requested:
        # Asked in time (or always due), but the order shipped without one: issue it now.
        requested_at, requested_by_id = _request_origin(order, automatic)
        return _issue(
            order,
            actor=user,
            requested_at=requested_at,
            requested_by_id=requested_by_id,
            message="Commercial invoice {number} issued.",
        )
    days = rules.request_after_shipment_days
    deadline = request_deadline(order.first_shipped_at, days)
    if deadline is None:
        raise Conflict(
            "This store takes commercial invoice requests only until the order ships.",
            code="invoice_request_closed",
        )
    now = timezone.now()
    if now > deadline:
        raise Conflict(
            f"A commercial invoice can be requested up to {days} days after the first shipment; "
            f"the window closed on {deadline:%Y-%m-%d} at {deadline:%H:%M} UTC.",
            code="invoice_request_closed",
        )
    order.commercial_invoice_requested = True
    order.save(update_fields=["commercial_invoice_requested", "updated_at"])
    return _issue(
        order,
        actor=user,
        requested_at=now,
        requested_by_id=user.pk,
        message="Commercial invoice {number} issued at your request.",
    )


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The invoice as PDF: rendered from its frozen data on the first call, then always the stored bytes.

    No lock: two first calls may both render, but a conditional UPDATE (only while nothing is stored) lets
    one of them store, and both return what is stored. Safe to retry.
    """
    stored = Invoice.objects.filter(pk=invoice.pk).values_list("pdf", flat=True).first()
    if not stored:
        pdf = document_pdf(invoice.data)
        written = Invoice.objects.filter(pk=invoice.pk, pdf__isnull=True).update(
            pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_rendered_at=timezone.now()
        )
        stored = pdf if written else Invoice.objects.filter(pk=invoice.pk).values_list("pdf", flat=True).get()
    stored = bytes(stored)
    invoice.pdf, invoice.pdf_sha256 = stored, hashlib.sha256(stored).hexdigest()
    return stored
