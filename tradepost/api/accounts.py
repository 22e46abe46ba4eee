"""Accounts API: register, sign in, the user agreement, profile, address book, personal tokens."""

from datetime import datetime

from django.contrib.auth import login, logout
from django.middleware.csrf import get_token
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from tradepost.accounts import selectors, services
from tradepost.accounts.middleware import SESSION_KEY
from tradepost.accounts.models import AccountType
from tradepost.accounts.roles import user_desks
from tradepost.api.auth import member, signed_in
from tradepost.api.schemas import In
from tradepost.core.exceptions import NotFound
from tradepost.core.http import client_ip

router = Router(tags=["accounts"])


class RegisterIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)
    full_name: str = Field(max_length=150)
    country: str = Field(description="ISO 3166-1 alpha-2 code, e.g. US", max_length=2)
    company: str = Field("", max_length=200)
    account_type: AccountType = AccountType.BUYER
    accept_agreement: bool = Field(description="Must be true: you accept the current user agreement.")
    agreement_version: int | None = Field(None, description="The version you read (GET /agreement).")


class LoginIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)


class EmailIn(In):
    email: str = Field(max_length=254)


class AgreementAcceptIn(In):
    version: int


class ProfileIn(In):
    full_name: str = Field(max_length=150)
    company: str = Field("", max_length=200)
    country: str = Field(max_length=2)


class PasswordChangeIn(In):
    old_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)


class AgreementOut(Schema):
    version: int
    title: str
    body: str
    summary_of_changes: str
    published_at: datetime


class AgreementStatusOut(Schema):
    current_version: int | None
    accepted: bool


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    country: str
    company: str
    account_type: str
    is_staff: bool
    desks: list[str]
    date_joined: datetime
    agreement: AgreementStatusOut
    csrf_token: str | None = Field(None, description="Send as X-CSRFToken with session-authenticated writes.")


class AddressIn(In):
    label: str = Field("", max_length=60)
    full_name: str = Field(max_length=150)
    company: str = Field("", max_length=200)
    line1: str = Field(max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field(max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field(max_length=2)
    phone: str = Field(max_length=32)
    is_default: bool = False


class AddressOut(Schema):
    id: int
    label: str
    full_name: str
    company: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str
    is_default: bool

    @staticmethod
    def resolve_country(obj) -> str:
        return obj.country.code


class TokenIn(In):
    name: str = Field(max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. It is shown only this once.")


def _me(request, user, *, with_csrf: bool = False) -> dict:
    pending = selectors.agreement_pending_for(user)
    current = selectors.agreement_current()
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "country": user.country.code,
        "company": user.company,
        "account_type": user.account_type,
        "is_staff": user.is_staff,
        "desks": sorted(user_desks(user)),
        "date_joined": user.date_joined,
        "agreement": {"current_version": current.version if current else None, "accepted": pending is None},
        "csrf_token": get_token(request) if with_csrf else None,
    }


@router.post("/auth/register", response={201: MeOut}, auth=None, summary="Create an account")
def register(request, payload: RegisterIn):
    user = services.user_register(**payload.dict(), ip=client_ip(request))
    login(request, user)  # the one backend in AUTHENTICATION_BACKENDS
    return Status(201, _me(request, user, with_csrf=True))


@router.post("/auth/login", response=MeOut, auth=None, summary="Sign in (session cookie)")
def login_view(request, payload: LoginIn):
    user = services.user_login_check(
        request=request, email=payload.email, password=payload.password, ip=client_ip(request)
    )
    login(request, user)
    return _me(request, user, with_csrf=True)


@router.post("/auth/logout", response={204: None}, auth=signed_in, summary="Sign out")
def logout_view(request):
    logout(request)
    return Status(204, None)


@router.post("/auth/password-reset", response={202: dict}, auth=None, summary="Email a password reset link")
def password_reset(request, payload: EmailIn):
    def url_for(uidb64, token):
        return request.build_absolute_uri(
            reverse("storefront:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
        )

    services.password_reset_request(email=payload.email, ip=client_ip(request), reset_url_for=url_for)
    return Status(202, {"detail": "If an account exists for that address, a reset link is on its way."})


@router.get("/agreement", response=AgreementOut, auth=None, summary="The current user agreement")
def agreement(request):
    current = selectors.agreement_current()
    if current is None:
        raise NotFound("No user agreement has been published.")
    return current


@router.get("/me", response=MeOut, auth=signed_in, summary="Who am I")
def me(request):
    return _me(request, request.auth)


@router.post("/me/agreement", response=MeOut, auth=signed_in, summary="Accept the current user agreement")
def accept_agreement(request, payload: AgreementAcceptIn):
    services.agreement_accept(user=request.auth, version=payload.version, ip=client_ip(request))
    if hasattr(request, "session") and request.user.is_authenticated:
        request.session[SESSION_KEY] = payload.version
    return _me(request, request.auth)


@router.put("/me", response=MeOut, auth=member, summary="Update my profile")
def update_profile(request, payload: ProfileIn):
    user = services.profile_update(user=request.auth, ip=client_ip(request), **payload.dict())
    return _me(request, user)


@router.post("/me/password", response={204: None}, auth=member, summary="Change my password")
def change_password(request, payload: PasswordChangeIn):
    services.password_change(user=request.auth, ip=client_ip(request), **payload.dict())
    if hasattr(request, "session") and request.user.is_authenticated:
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, request.auth)
    return Status(204, None)


@router.get("/me/addresses", response=list[AddressOut], auth=member, summary="My address book")
def address_list(request):
    return list(selectors.address_list(user=request.auth))


@router.post("/me/addresses", response={201: AddressOut}, auth=member, summary="Add an address")
def address_create(request, payload: AddressIn):
    return Status(201, services.address_create(user=request.auth, data=payload.dict(), ip=client_ip(request)))


@router.get("/me/addresses/{address_id}", response=AddressOut, auth=member, summary="One of my addresses")
def address_detail(request, address_id: int):
    return selectors.address_get(user=request.auth, address_id=address_id)


@router.put("/me/addresses/{address_id}", response=AddressOut, auth=member, summary="Replace an address")
def address_update(request, address_id: int, payload: AddressIn):
    return services.address_update(
        user=request.auth, address_id=address_id, data=payload.dict(), ip=client_ip(request)
    )


@router.delete("/me/addresses/{address_id}", response={204: None}, auth=member, summary="Delete an address")
def address_delete(request, address_id: int):
    services.address_delete(user=request.auth, address_id=address_id, ip=client_ip(request))
    return Status(204, None)


@router.get("/me/tokens", response=list[TokenOut], auth=member, summary="My personal API tokens")
def token_list(request):
    return list(selectors.token_list(user=request.auth))


@router.post(
    "/me/tokens", response={201: TokenCreatedOut}, auth=member, summary="Create a personal API token"
)
def token_create(request, payload: TokenIn):
    token, secret = services.token_create(user=request.auth, name=payload.name, ip=client_ip(request))
    return Status(201, {**TokenOut.from_orm(token).dict(), "token": secret})


@router.delete(
    "/me/tokens/{token_id}", response={204: None}, auth=member, summary="Revoke a personal API token"
)
def token_revoke(request, token_id: int):
    services.token_revoke(user=request.auth, token_id=token_id, ip=client_ip(request))
    return Status(204, None)
