"""The membership page: plans, what membership gives, the buyer's periods; buying a plan and cancelling
with the refund shown line by line first. Another buyer's membership is 404."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.memberships import selectors, services
from tradepost.orders.models import PaymentMethodChoices
from tradepost.policies.selectors import policy_active
from tradepost.storefront.forms import apply_errors
from tradepost.storefront.views.cart import page_status


class JoinForm(forms.Form):
    plan_id = forms.IntegerField(widget=forms.HiddenInput)
    payment_method = forms.ChoiceField(widget=forms.RadioSelect, label="Pay by")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, methods: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(PaymentMethodChoices.choices)
        self.fields["payment_method"].choices = [(m, labels.get(m, m)) for m in methods]


class CancelForm(forms.Form):
    expected_refund = forms.DecimalField(widget=forms.HiddenInput, max_digits=12, decimal_places=2)


def _policy_or_404():
    policy = policy_active().policy
    if not policy.membership.enabled:
        raise Http404
    return policy


def _page(request, *, policy, join_form=None, join_plan=None, status=200):
    methods = [str(m) for m in policy.payments.methods]
    plans = selectors.plans_offered()
    forms_by_plan = []
    for plan in plans:
        if join_form is not None and join_plan == plan.pk:
            form = join_form
        else:
            form = JoinForm(
                methods=methods,
                initial={
                    "plan_id": plan.pk,
                    "payment_method": methods[0],
                    "idempotency_key": uuid.uuid4().hex,
                },
                prefix=f"plan{plan.pk}",
            )
        forms_by_plan.append((plan, selectors.welcome_items(plan), form))
    user = request.user
    context = {
        "benefits": selectors.membership_benefits(policy=policy),
        "plans": forms_by_plan,
        "overview": selectors.membership_overview(user=user) if user.is_authenticated else None,
        "now": timezone.now(),
    }
    return render(request, "storefront/membership/page.html", context, status=status)


@require_http_methods(["GET"])
def membership(request):
    return _page(request, policy=_policy_or_404())


@login_required
@require_POST
def membership_join(request, plan_id: int):
    policy = _policy_or_404()
    methods = [str(m) for m in policy.payments.methods]
    form = JoinForm(request.POST, methods=methods, prefix=f"plan{plan_id}")
    if not form.is_valid():
        return _page(request, policy=policy, join_form=form, join_plan=plan_id, status=400)
    try:
        membership, _ = services.membership_purchase(
            user=request.user,
            plan_id=plan_id,
            payment_method=form.cleaned_data["payment_method"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except ApplicationError as exc:
        apply_errors(form, exc)
        return _page(request, policy=policy, join_form=form, join_plan=plan_id, status=page_status(exc))
    messages.success(request, f"{membership.plan_name} ordered. Pay for it here; it starts once paid.")
    return redirect("storefront:order_detail", number=membership.order.number)


@login_required
@require_http_methods(["GET", "POST"])
def membership_cancel(request, membership_id: int):
    """GET shows the refund line by line; POST cancels, provided the refund is still the one shown."""
    try:
        membership = selectors.membership_get(user=request.user, membership_id=membership_id)
    except NotFound:
        raise Http404 from None
    error, status = "", 200
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                services.membership_cancel(
                    membership=membership,
                    actor=request.user,
                    expected_refund=form.cleaned_data["expected_refund"],
                )
            except ApplicationError as exc:
                error, status = exc.message, page_status(exc)
            else:
                messages.success(request, "Your membership is cancelled.")
                return redirect("storefront:membership")
        else:
            error, status = "Review the refund below and confirm again.", 400
    cancellable = membership.state() in ("active", "upcoming")
    preview = selectors.cancellation_preview(membership=membership) if cancellable else None
    if not cancellable and status == 200:
        error, status = "Only a running or upcoming membership can be cancelled.", 409
    return render(
        request,
        "storefront/membership/cancel.html",
        {
            "membership": membership,
            "preview": preview,
            "form": CancelForm(initial={"expected_refund": preview.refund}) if preview else None,
            "error": error,
        },
        status=status,
    )
