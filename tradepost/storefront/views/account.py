"""Buyer account pages: register, sign in, agreement, profile, password, address book, API tokens."""

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.accounts import selectors, services
from tradepost.accounts.middleware import SESSION_KEY
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.core.http import client_ip
from tradepost.storefront import forms
from tradepost.storefront.views.cart import cart_merge_at_sign_in


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _status_for(exc: ApplicationError) -> int:
    return 429 if exc.status == 429 else 400


@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("storefront:account")
    agreement = selectors.agreement_current()
    form = forms.RegisterForm(
        request.POST or None, initial={"agreement_version": agreement and agreement.version}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(**form.cleaned_data, ip=client_ip(request))
        except ApplicationError as exc:
            forms.apply_errors(form, exc)
            status = _status_for(exc)
        else:
            login(request, user)  # the one backend in AUTHENTICATION_BACKENDS
            cart_merge_at_sign_in(request, user)
            if agreement:
                request.session[SESSION_KEY] = agreement.version
            messages.success(request, f"Welcome, {user.get_short_name()}. Your account is ready.")
            return redirect(_next_url(request, reverse("storefront:account")))
    elif request.method == "POST":
        status = 400
    return render(
        request, "storefront/account/register.html", {"form": form, "agreement": agreement}, status=status
    )


@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_next_url(request, reverse("storefront:account")))
    form = forms.LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_login_check(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            status = _status_for(exc)
        else:
            login(request, user)
            cart_merge_at_sign_in(request, user)
            return redirect(_next_url(request, reverse("storefront:account")))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "storefront/account/login.html",
        {"form": form, "next": _next_url(request, "")},
        status=status,
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("storefront:home")


def agreement_view(request):
    agreement = selectors.agreement_current()
    if agreement is None:
        raise Http404
    return render(request, "storefront/agreement.html", {"agreement": agreement})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_accept(request):
    agreement = selectors.agreement_current()
    if agreement is None or selectors.agreement_pending_for(request.user) is None:
        return redirect(_next_url(request, reverse("storefront:account")))
    form = forms.AgreementForm(request.POST or None, initial={"version": agreement.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_accept(
                user=request.user, version=form.cleaned_data["version"], ip=client_ip(request)
            )
        except ApplicationError as exc:
            forms.apply_errors(form, exc)
        else:
            request.session[SESSION_KEY] = agreement.version
            messages.success(request, "Thank you. You have accepted the current user agreement.")
            return redirect(_next_url(request, reverse("storefront:account")))
    return render(
        request,
        "storefront/account/agreement_accept.html",
        {"form": form, "agreement": agreement, "next": _next_url(request, "")},
        status=400 if form.errors else 200,
    )


@login_required
def account(request):
    return render(
        request,
        "storefront/account/overview.html",
        {
            "addresses": selectors.address_list(user=request.user)[:3],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    form = forms.ProfileForm(
        request.POST or None,
        initial={"full_name": user.full_name, "company": user.company, "country": user.country.code},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, ip=client_ip(request), **form.cleaned_data)
        except ApplicationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("storefront:account")
    return render(
        request, "storefront/account/profile.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=request.user, ip=client_ip(request), **form.cleaned_data)
        except ApplicationError as exc:
            forms.apply_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "Password changed.")
            return redirect("storefront:account")
    return render(
        request, "storefront/account/password_change.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = forms.PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def url_for(uidb64, token):
            return request.build_absolute_uri(
                reverse("storefront:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
            )

        try:
            services.password_reset_request(
                email=form.cleaned_data["email"], ip=client_ip(request), reset_url_for=url_for
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return render(request, "storefront/account/password_reset.html", {"form": form}, status=429)
        return redirect("storefront:password_reset_sent")
    return render(
        request, "storefront/account/password_reset.html", {"form": form}, status=400 if form.errors else 200
    )


def password_reset_sent(request):
    return render(request, "storefront/account/password_reset_sent.html")


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "storefront/account/password_reset_confirm.html"
    success_url = reverse_lazy("storefront:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_done(user=form.user, ip=client_ip(self.request))
        messages.success(self.request, "Your password is changed. Sign in with the new one.")
        return response


@login_required
def addresses(request):
    return render(
        request, "storefront/account/addresses.html", {"addresses": selectors.address_list(user=request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request, address_id: int | None = None):
    address = None
    if address_id is not None:
        try:
            address = selectors.address_get(user=request.user, address_id=address_id)
        except NotFound:
            raise Http404 from None
    initial = {}
    if address:
        initial = {name: getattr(address, name) for name in forms.AddressForm.base_fields}
        initial["country"] = address.country.code
    form = forms.AddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if address:
                services.address_update(
                    user=request.user, address_id=address.pk, data=form.cleaned_data, ip=client_ip(request)
                )
            else:
                services.address_create(user=request.user, data=form.cleaned_data, ip=client_ip(request))
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            forms.apply_errors(form, exc)
        else:
            messages.success(request, "Address saved.")
            return redirect("storefront:addresses")
    return render(
        request,
        "storefront/account/address_form.html",
        {"form": form, "address": address},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def address_delete(request, address_id: int):
    try:
        services.address_delete(user=request.user, address_id=address_id, ip=client_ip(request))
    except NotFound:
        raise Http404 from None
    messages.success(request, "Address deleted.")
    return redirect("storefront:addresses")


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    form = forms.TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _, secret = services.token_create(
                user=request.user, name=form.cleaned_data["name"], ip=client_ip(request)
            )
        except ApplicationError as exc:
            forms.apply_errors(form, exc)
        else:
            form = forms.TokenForm()
    return render(
        request,
        "storefront/account/tokens.html",
        {"form": form, "secret": secret, "tokens": selectors.token_list(user=request.user)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request, token_id: int):
    try:
        services.token_revoke(user=request.user, token_id=token_id, ip=client_ip(request))
    except NotFound:
        raise Http404 from None
    messages.success(request, "Token revoked.")
    return redirect("storefront:tokens")
