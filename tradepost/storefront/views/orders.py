"""My orders: the list, one order with its payment instructions, and what the buyer can do with it
(pay, report a Western Union transfer, cancel, answer a change proposal). Another buyer's order is 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.aftersales.selectors import order_entitlements, rmas_for_order
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.invoices.selectors import invoice_status
from tradepost.orders import selectors
from tradepost.orders import services as order_services
from tradepost.orders.models import Order, OrderStatus
from tradepost.orders.states import BUYER_CANCELLABLE
from tradepost.payments import services as payment_services
from tradepost.payments.models import Payment
from tradepost.policies.schema import PaymentMethod
from tradepost.reviews.selectors import line_reviews
from tradepost.shipping.selectors import AWAITING_DISPATCH, shipments_for_order
from tradepost.storefront.forms import apply_errors
from tradepost.storefront.views.cart import page_status

ORDERS_PER_PAGE = 20
MAX_REPLY = 2000


class WesternUnionForm(forms.Form):
    sender_name = forms.CharField(
        max_length=150, label="Sender's name", help_text="As on the transfer receipt."
    )
    mtcn = forms.CharField(
        max_length=20, label="MTCN", help_text="The 10-digit tracking number on the receipt."
    )


class ProposalAnswerForm(forms.Form):
    proposal = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
    reply = forms.CharField(
        required=False,
        max_length=MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reply (optional)",
    )


def _order(request, number: str) -> Order:
    try:
        return selectors.order_for_buyer(user=request.user, number=number)
    except NotFound:
        raise Http404 from None


def _show(form: forms.Form, exc: ApplicationError) -> str:
    """Field errors go on the form; a refusal about the order itself is returned for the top of the page."""
    if exc.errors:
        apply_errors(form, exc)
        return ""
    return exc.message


def _back(order: Order):
    return redirect("storefront:order_detail", number=order.number)


@login_required
def order_list(request):
    paginator = Paginator(selectors.orders_for_buyer(user=request.user), ORDERS_PER_PAGE)
    return render(
        request, "storefront/orders/list.html", {"page": paginator.get_page(request.GET.get("page"))}
    )


def _render_detail(request, order: Order, *, wu_form=None, proposal_form=None, error: str = "", status=200):
    policy = order_services.order_policy(order)
    payments = list(order.payments.all())
    unpaid = order.status == OrderStatus.AWAITING_PAYMENT
    proposal = selectors.open_proposal(order)
    context = {
        "order": order,
        "lines": order.lines.all(),
        "timeline": selectors.order_timeline(order),
        "refunds": order.refunds.all(),
        "unpaid": unpaid,
        "cancellable": order.status in BUYER_CANCELLABLE,
        "method": order.payment_method,
        "wire": policy.payments.wire_transfer,
        "western_union": policy.payments.western_union,
        "wu_submitted": next((p for p in payments if p.status == Payment.Status.SUBMITTED), None),
        "wu_rejected": [
            p
            for p in payments
            if p.method == PaymentMethod.WESTERN_UNION and p.status == Payment.Status.REJECTED
        ],
        "proposal": proposal,
        "wu_form": wu_form or WesternUnionForm(),
        "proposal_form": proposal_form or ProposalAnswerForm(initial={"proposal": proposal and proposal.pk}),
        "error": error,
        "invoice_status": invoice_status(order=order),
        # Shipping: the promise until everything has left, then each parcel with its tracking.
        "shipments": shipments_for_order(order),
        "store_tz": policy.store.timezone,
        "dispatch": policy.dispatch,
        "promise_open": unpaid or order.status in AWAITING_DISPATCH,
        "to_ship": [line for line in order.lines.all() if line.quantity_to_ship]
        if order.status == OrderStatus.PARTIALLY_SHIPPED
        else [],
        # Reviews: per line, the buyer's review or whether one can be written yet.
        "line_reviews": line_reviews(order),
        # After-sales: each shipped line's remedies and windows, and the requests filed.
        "entitlements": order_entitlements(order),
        "rmas": rmas_for_order(order),
    }
    return render(request, "storefront/orders/detail.html", context, status=status)


@login_required
def order_detail(request, number: str):
    return _render_detail(request, _order(request, number))


@login_required
@require_http_methods(["GET", "POST"])
def order_cancel(request, number: str):
    """GET asks for confirmation; POST cancels (while nothing has shipped)."""
    order = _order(request, number)
    if request.method == "GET":
        if order.status not in BUYER_CANCELLABLE:
            return _render_detail(request, order, error="This order can no longer be cancelled.", status=409)
        refunds = order_services.order_policy(order).refunds
        return render(request, "storefront/orders/cancel.html", {"order": order, "refunds": refunds})
    try:
        order_services.order_cancel(order=order, actor=request.user)
    except ApplicationError as exc:
        return _render_detail(request, order, error=exc.message, status=page_status(exc))
    messages.success(request, f"Order {order.number} is cancelled.")
    return _back(order)


@login_required
@require_POST
def western_union(request, number: str):
    """The buyer reports their Western Union transfer (sender name and MTCN) for finance to verify."""
    order = _order(request, number)
    form = WesternUnionForm(request.POST)
    status, error = 400, ""
    if form.is_valid():
        try:
            payment_services.western_union_submit(order=order, user=request.user, **form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            error, status = _show(form, exc), page_status(exc)
        else:
            messages.success(request, "Thank you. We will confirm your transfer once we have verified it.")
            return _back(order)
    return _render_detail(request, order, wu_form=form, error=error, status=status)


@login_required
@require_POST
def pay_paypal(request, number: str):
    """Start a PayPal (or card through PayPal) payment and send the buyer to PayPal to approve it."""
    order = _order(request, number)
    urls = {
        name: request.build_absolute_uri(reverse(f"storefront:order_paypal_{name}", args=[order.number]))
        for name in ("return", "cancel")
    }
    try:
        payment = payment_services.paypal_checkout_start(
            order=order, user=request.user, return_url=urls["return"], cancel_url=urls["cancel"]
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        return _render_detail(request, order, error=exc.message, status=page_status(exc))
    return redirect(payment.approve_url)


@login_required
def paypal_return(request, number: str):
    """PayPal sends the buyer back here after approval: capture, then show the order with the result."""
    order = _order(request, number)
    token = request.GET.get("token", "")
    if not token or not any(p.provider_order_id == token for p in order.payments.all()):
        return _render_detail(
            request, order, error="We found no PayPal payment like that for this order.", status=404
        )
    try:
        payment = payment_services.paypal_capture(provider_order_id=token, user=request.user)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        return _render_detail(request, order, error=exc.message, status=page_status(exc))
    if payment.status == Payment.Status.COMPLETED:
        messages.success(request, "Thank you. Your payment is received.")
    elif payment.status == Payment.Status.FAILED:
        messages.error(request, "PayPal declined the payment. You can try again or choose another card.")
    else:
        messages.info(
            request, "PayPal is still processing your payment; this page shows it once it completes."
        )
    return _back(order)


@login_required
def paypal_cancel(request, number: str):
    order = _order(request, number)
    messages.info(request, "You left PayPal without paying. The order is still waiting for payment.")
    return _back(order)


@login_required
@require_POST
def proposal_answer(request, number: str):
    """Accept or decline the change the store proposed; the form names the proposal the buyer read."""
    order = _order(request, number)
    proposal = selectors.open_proposal(order)
    form = ProposalAnswerForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, order, proposal_form=form, status=400)
    if proposal is None or proposal.pk != form.cleaned_data["proposal"]:
        message = "That proposal was withdrawn or already answered; see the order as it is now."
        return _render_detail(request, order, error=message, status=409)
    answer = (
        order_services.proposal_accept
        if form.cleaned_data["decision"] == "accept"
        else order_services.proposal_decline
    )
    try:
        answer(proposal=proposal, user=request.user, reply=form.cleaned_data["reply"])
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        error = _show(form, exc)
        return _render_detail(request, order, proposal_form=form, error=error, status=page_status(exc))
    accepted = form.cleaned_data["decision"] == "accept"
    messages.success(request, "You accepted the change." if accepted else "You declined the change.")
    return _back(order)
