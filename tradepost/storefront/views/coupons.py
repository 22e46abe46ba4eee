"""My coupons: the wallet with each coupon's derived state, and the form that redeems a code into it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tradepost.core.exceptions import ApplicationError
from tradepost.core.http import client_ip
from tradepost.promotions import selectors, services
from tradepost.storefront.forms import apply_errors
from tradepost.storefront.views.account import _next_url
from tradepost.storefront.views.cart import page_status


class RedeemForm(forms.Form):
    code = forms.CharField(
        max_length=100,
        label="Coupon or promotion code",
        help_text="Dashes and upper or lower case don't matter.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def coupons(request):
    form = RedeemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                coupon = services.coupon_redeem(
                    user=request.user, code=form.cleaned_data["code"], ip=client_ip(request)
                )
            except ApplicationError as exc:
                apply_errors(form, exc)
                status = page_status(exc)
            else:
                messages.success(request, f"Added to your coupons: {coupon.label}.")
                # Redeemed inline at checkout: back there, where the new coupon is now on offer.
                return redirect(_next_url(request, "storefront:coupons"))
        else:
            status = 400
    return render(
        request,
        "storefront/account/coupons.html",
        {"form": form, "coupons": selectors.coupon_wallet(user=request.user)},
        status=status,
    )
