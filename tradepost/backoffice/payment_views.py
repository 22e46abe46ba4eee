"""Payment desk: reconcile wire transfers, verify Western Union transfers, send refunds by hand.

Finance desk only (superusers sit at every desk). One page lists what waits for finance; each form
posts to one service call and comes back to the page, with the refusal shown on the form that caused it.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tradepost.accounts.roles import Desk
from tradepost.backoffice.order_views import desk_required, show_errors
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.selectors import awaiting_payment, order_for_staff
from tradepost.payments.models import Payment, Refund, Transaction
from tradepost.payments.services import (
    PAYPAL_METHODS,
    refund_mark_sent,
    western_union_confirm,
    western_union_reject,
    wire_receipt_record,
)
from tradepost.policies.schema import PaymentMethod

SHOWN_ORDERS = 200
SHOWN_TRANSACTIONS = 30


def _amount_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


class WireReceiptForm(forms.Form):
    order = forms.CharField(
        label="Order number", max_length=16, help_text="The transfer reference the buyer was given."
    )
    # Amounts are parsed by the service, so every interface refuses the same input with the same words.
    amount = forms.CharField(label="Amount received (USD)", max_length=32, widget=_amount_input())
    bank_reference = forms.CharField(
        label="Bank reference", max_length=100, help_text="The credit's reference on the bank statement."
    )
    received_on = forms.DateField(
        label="Value date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_order(self):
        return self.cleaned_data["order"].strip().upper()


class TransferConfirmForm(forms.Form):
    amount = forms.CharField(label="Amount collected (USD)", max_length=32, widget=_amount_input())


class TransferRejectForm(forms.Form):
    message = forms.CharField(
        label="Why, for the buyer",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The buyer reads this.",
    )


class RefundSentForm(forms.Form):
    reference = forms.CharField(label="Reference of the outgoing transfer", max_length=100)
    note = forms.CharField(label="Note (optional)", required=False)


# --- The reconciliation page ---------------------------------------------------------------------------


def _transfers():
    return (
        Payment.objects.filter(method=PaymentMethod.WESTERN_UNION, status=Payment.Status.SUBMITTED)
        .select_related("order", "order__user")
        .order_by("created_at", "id")
    )


def _refunds_due():
    return (
        Refund.objects.filter(status__in=[Refund.Status.PENDING, Refund.Status.FAILED])
        .select_related("order", "order__user")
        .order_by("due_at", "id")
    )


def _render_payments(request, *, wire=None, transfer=None, refund=None, status: int = 200):
    """The page; `wire`, `transfer` (pk, kind, form) and `refund` (pk, form) carry a refused form back."""
    number = request.GET.get("order", "")
    wire_form = wire or WireReceiptForm(initial={"order": number[:16]}, auto_id="wire-%s")
    placed = set()  # refused forms shown in their row; any other (its row is gone) shows on top
    transfers = []
    for payment in _transfers():
        confirm = TransferConfirmForm(initial={"amount": payment.amount}, prefix=f"confirm-{payment.pk}")
        reject = TransferRejectForm(prefix=f"reject-{payment.pk}")
        if transfer and transfer[0] == payment.pk:
            confirm, reject = (transfer[2], reject) if transfer[1] == "confirm" else (confirm, transfer[2])
            placed.add("transfer")
        transfers.append((payment, confirm, reject))
    refunds = []
    for row in _refunds_due():
        form = None
        if row.destination not in PAYPAL_METHODS:
            form = RefundSentForm(prefix=f"refund-{row.pk}")
            if refund and refund[0] == row.pk:
                form = refund[1]
                placed.add("refund")
        refunds.append((row, form))
    unplaced = [
        message
        for kind, refused in (("transfer", transfer and transfer[2]), ("refund", refund and refund[1]))
        if refused and kind not in placed
        for errors in refused.errors.values()
        for message in errors
    ]
    awaiting = awaiting_payment().filter(payment_method=PaymentMethod.WIRE_TRANSFER)
    recent = Transaction.objects.select_related("order", "recorded_by").order_by("-created_at", "-id")
    context = {
        "wire_form": wire_form,
        "awaiting": list(awaiting[:SHOWN_ORDERS]),
        "awaiting_count": awaiting.count(),
        "transfers": transfers,
        "refunds": refunds,
        "recent": list(recent[:SHOWN_TRANSACTIONS]),
        "now": timezone.now(),
        "refused": bool(wire or transfer or refund),
        "unplaced": unplaced,
    }
    return render(request, "backoffice/payments/index.html", context, status=status)


@desk_required(Desk.FINANCE)
@require_GET
def payments_page(request):
    return _render_payments(request)


def _received(order: Order, amount) -> str:
    """What a receipt did to the order, in the words finance checks against the statement."""
    order.refresh_from_db()
    said = f"Recorded {amount} USD for {order.number}."
    if order.status == OrderStatus.CANCELLED:
        return said + " The order is cancelled, so the money is owed back as a refund."
    if order.balance_due:
        return said + f" Still due: {order.balance_due} USD."
    said += " Paid in full."
    if order.overpaid:
        said += f" Overpaid by {order.overpaid} USD: a refund is due."
    return said


@desk_required(Desk.FINANCE)
@require_POST
def wire_receipt(request):
    form = WireReceiptForm(request.POST, auto_id="wire-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            order = order_for_staff(number=data["order"])
        except NotFound:
            form.add_error("order", "No order with this number.")
        else:
            try:
                row, created = wire_receipt_record(
                    order=order,
                    amount=data["amount"],
                    bank_reference=data["bank_reference"],
                    actor=request.user,
                    received_on=data["received_on"],
                    note=data["note"],
                )
            except ApplicationError as exc:
                show_errors(form, exc, {"external_id": "bank_reference"})
            else:
                if created:
                    messages.success(request, _received(order, row.amount))
                else:
                    messages.warning(
                        request,
                        f"Bank reference {row.external_id} is already recorded for {order.number} "
                        f"({row.amount} USD on {row.created_at:%Y-%m-%d}); nothing was added.",
                    )
                return redirect("backoffice:payments")
    return _render_payments(request, wire=form, status=400)


def _transfer(pk: int) -> Payment:
    payment = (
        Payment.objects.select_related("order").filter(pk=pk, method=PaymentMethod.WESTERN_UNION).first()
    )
    if payment is None:
        raise Http404
    return payment


@desk_required(Desk.FINANCE)
@require_POST
def transfer_confirm(request, pk: int):
    payment = _transfer(pk)
    form = TransferConfirmForm(request.POST, prefix=f"confirm-{pk}")
    if form.is_valid():
        try:
            row, created = western_union_confirm(
                payment=payment, actor=request.user, amount=form.cleaned_data["amount"]
            )
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            if created:
                messages.success(request, _received(payment.order, row.amount))
            else:
                messages.warning(request, f"MTCN {payment.mtcn} is already recorded; nothing was added.")
            return redirect("backoffice:payments")
    return _render_payments(request, transfer=(pk, "confirm", form), status=400)


@desk_required(Desk.FINANCE)
@require_POST
def transfer_reject(request, pk: int):
    payment = _transfer(pk)
    form = TransferRejectForm(request.POST, prefix=f"reject-{pk}")
    if form.is_valid():
        try:
            western_union_reject(payment=payment, actor=request.user, message=form.cleaned_data["message"])
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(
                request, f"The transfer for {payment.order.number} was rejected; the buyer is told why."
            )
            return redirect("backoffice:payments")
    return _render_payments(request, transfer=(pk, "reject", form), status=400)


@desk_required(Desk.FINANCE)
@require_POST
def refund_sent(request, pk: int):
    # PayPal and card refunds go back through PayPal; this page records only those finance sends by hand.
    refund = (
        Refund.objects.select_related("order").exclude(destination__in=PAYPAL_METHODS).filter(pk=pk).first()
    )
    if refund is None:
        raise Http404
    form = RefundSentForm(request.POST, prefix=f"refund-{pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            refund_mark_sent(
                refund=refund, actor=request.user, reference=data["reference"], note=data["note"]
            )
        except ApplicationError as exc:
            show_errors(form, exc, {"external_id": "reference"})
        else:
            messages.success(
                request, f"Refund of {refund.amount} USD for {refund.order.number} marked as sent."
            )
            return redirect("backoffice:payments")
    return _render_payments(request, refund=(pk, form), status=400)
