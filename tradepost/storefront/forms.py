"""Storefront forms: they shape input for a service and show its field errors; the rules live in services."""

from django import forms
from django_countries import countries

from tradepost.accounts.models import AccountType
from tradepost.core.exceptions import ApplicationError


def _country_choices():
    return [("", "Choose a country"), *countries]


def apply_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's field errors on the form; errors for fields the form lacks go on top."""
    if not exc.errors:
        form.add_error(None, exc.message)
    for error in exc.errors:
        field = error.field.removeprefix("body.")
        form.add_error(field if field in form.fields else None, error.message)


class RegisterForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password.",
    )
    full_name = forms.CharField(max_length=150, label="Full name")
    country = forms.ChoiceField(choices=_country_choices)
    company = forms.CharField(max_length=200, required=False, label="Company (optional)")
    account_type = forms.ChoiceField(
        choices=AccountType.choices, initial=AccountType.BUYER, widget=forms.RadioSelect, label="I am a"
    )
    # Not required at the form level: the service refuses and explains, so every interface says the same.
    accept_agreement = forms.BooleanField(required=False, label="I have read and accept the user agreement")
    agreement_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class AgreementForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.BooleanField(required=True, label="I have read and accept this version")


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150)
    company = forms.CharField(max_length=200, required=False)
    country = forms.ChoiceField(choices=_country_choices)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label="New password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254)


class AddressForm(forms.Form):
    label = forms.CharField(max_length=60, required=False, help_text="e.g. Office, Warehouse")
    full_name = forms.CharField(max_length=150, label="Recipient")
    company = forms.CharField(max_length=200, required=False)
    line1 = forms.CharField(max_length=200, label="Address line 1")
    line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=100, required=False, label="State / province")
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.ChoiceField(choices=_country_choices)
    phone = forms.CharField(max_length=32, help_text="With country code, e.g. +1 415 555 0123")
    is_default = forms.BooleanField(required=False, label="Use as my default address")


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'ERP sync'")
