"""Account writes: registration with the user agreement, sign-in throttling, passwords, addresses, tokens."""

import hashlib
import secrets
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_countries import countries

from tradepost.accounts.models import (
    AccountEvent,
    AccountType,
    Address,
    AgreementAcceptance,
    ApiToken,
    User,
    UserAgreement,
)
from tradepost.accounts.roles import Desk, group_name
from tradepost.accounts.selectors import agreement_current, token_owner
from tradepost.core import ratelimit
from tradepost.core.exceptions import (
    ApplicationError,
    Conflict,
    FieldError,
    NotFound,
    RateLimited,
    ValidationFailed,
)

TOKEN_PREFIX = "tp_"


def _event(*, user, kind, actor=None, ip=None, **data) -> AccountEvent:
    return AccountEvent.objects.create(user=user, actor=actor, kind=kind, ip_address=ip, data=data)


_limit = ratelimit.limit_from_setting


# --- registration and the user agreement -----------------------------------------------------------------


def _check_password(password: str, user: User | None, field: str) -> list[FieldError]:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        return [FieldError(field=field, message=message, code="weak_password") for message in exc.messages]
    return []


def user_register(
    *,
    email: str,
    password: str,
    full_name: str,
    country: str,
    account_type: str = AccountType.BUYER,
    company: str = "",
    accept_agreement: bool,
    agreement_version: int | None = None,
    ip: str | None = None,
) -> User:
    """Create an account; refused unless the current user agreement is accepted. One transaction."""
    email = (email or "").strip().lower()
    full_name = (full_name or "").strip()
    country = (country or "").strip().upper()
    errors: list[FieldError] = []
    try:
        validate_email(email)
    except DjangoValidationError:
        errors.append(FieldError("email", "Enter a valid email address.", "invalid_email"))
    if not full_name:
        errors.append(FieldError("full_name", "Enter your name.", "required"))
    if country not in countries:
        errors.append(
            FieldError("country", "Choose a country from the list (ISO code such as US or DE).", "invalid")
        )
    if account_type not in AccountType.values:
        errors.append(FieldError("account_type", "Choose buyer or reseller.", "invalid_choice"))
    current = agreement_current()
    if not accept_agreement:
        errors.append(
            FieldError(
                "accept_agreement", "You must accept the user agreement to register.", "agreement_required"
            )
        )
    elif current and agreement_version is not None and agreement_version != current.version:
        errors.append(
            FieldError(
                "agreement_version",
                f"The user agreement changed to version {current.version}; read it and accept again.",
                "agreement_outdated",
            )
        )
    probe = User(email=email, full_name=full_name)
    errors += _check_password(password or "", probe, "password")
    if not errors and User.objects.filter(email__iexact=email).exists():
        errors.append(FieldError("email", "An account with this email already exists.", "email_taken"))
    if errors:
        raise ValidationFailed("Registration could not be completed.", errors=errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                full_name=full_name,
                country=country,
                company=(company or "").strip(),
                account_type=account_type,
            )
            _event(user=user, actor=user, kind=AccountEvent.Kind.REGISTERED, ip=ip, account_type=account_type)
            if current:
                AgreementAcceptance.objects.create(user=user, agreement=current, ip_address=ip)
                _event(
                    user=user,
                    actor=user,
                    kind=AccountEvent.Kind.AGREEMENT_ACCEPTED,
                    ip=ip,
                    version=current.version,
                )
    except IntegrityError:  # a concurrent registration won the race for this email
        raise ValidationFailed(
            "Registration could not be completed.",
            errors=[FieldError("email", "An account with this email already exists.", "email_taken")],
        ) from None
    return user


def agreement_accept(*, user: User, version: int, ip: str | None = None) -> AgreementAcceptance:
    """Record that `user` accepted agreement `version`; it must be the current one. Safe to retry."""
    current = agreement_current()
    if current is None or current.version != version:
        raise ValidationFailed(
            "That is not the current user agreement.",
            field="version",
            code="agreement_outdated",
        )
    with transaction.atomic():
        acceptance, created = AgreementAcceptance.objects.get_or_create(
            user=user, agreement=current, defaults={"ip_address": ip}
        )
        if created:
            _event(user=user, actor=user, kind=AccountEvent.Kind.AGREEMENT_ACCEPTED, ip=ip, version=version)
    return acceptance


def agreement_publish(
    *, title: str, body: str, summary_of_changes: str = "", actor: User | None
) -> UserAgreement:
    """Publish a new agreement version; every user must accept it at their next visit."""
    errors = []
    if not (title or "").strip():
        errors.append(FieldError("title", "Give the agreement a title.", "required"))
    if not (body or "").strip():
        errors.append(FieldError("body", "The agreement text is empty.", "required"))
    if errors:
        raise ValidationFailed("The agreement could not be published.", errors=errors)
    with transaction.atomic():
        latest = UserAgreement.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0
        agreement = UserAgreement.objects.create(
            version=latest + 1,
            title=title.strip(),
            body=body.strip(),
            summary_of_changes=(summary_of_changes or "").strip(),
            published_by=actor,
        )
        _event(user=None, actor=actor, kind=AccountEvent.Kind.AGREEMENT_PUBLISHED, version=agreement.version)
    return agreement


# --- signing in -------------------------------------------------------------------------------------------


def user_login_check(*, request, email: str, password: str, ip: str | None) -> User:
    """Authenticate with per-account and per-IP throttles on failures; returns the user or raises."""
    email = (email or "").strip().lower()
    per_account, per_ip = _limit("THROTTLE_LOGIN_PER_ACCOUNT"), _limit("THROTTLE_LOGIN_PER_IP")
    for limit, identity in ((per_account, email), (per_ip, ip)):
        if ratelimit.is_exhausted(limit, identity):
            raise RateLimited(
                "Too many failed sign-in attempts. Try again later.", retry_after=ratelimit.retry_after(limit)
            )
    user = authenticate(request, username=email, password=password) if email and password else None
    if user is None:
        ratelimit.record(per_account, email)
        ratelimit.record(per_ip, ip)
        known = User.objects.filter(email__iexact=email).first() if email else None
        if known:
            _event(user=known, kind=AccountEvent.Kind.LOGIN_FAILED, ip=ip)
        raise ApplicationError(
            "The email or password is not correct.", code="invalid_credentials", status=401, field="password"
        )
    ratelimit.reset(per_account, email)
    _event(user=user, actor=user, kind=AccountEvent.Kind.LOGGED_IN, ip=ip)
    return user


def password_change(*, user: User, old_password: str, new_password: str, ip: str | None = None) -> None:
    if not user.check_password(old_password or ""):
        raise ValidationFailed(
            "Your current password is not correct.", field="old_password", code="wrong_password"
        )
    errors = _check_password(new_password or "", user, "new_password")
    if errors:
        raise ValidationFailed("Choose a stronger password.", errors=errors)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _event(user=user, actor=user, kind=AccountEvent.Kind.PASSWORD_CHANGED, ip=ip)


def password_reset_request(*, email: str, ip: str | None, reset_url_for) -> None:
    """Email a reset link if the account exists; the answer never reveals whether it does.

    `reset_url_for(uidb64, token)` builds the absolute link. Throttled per account and per IP.
    """
    email = (email or "").strip().lower()
    per_account, per_ip = _limit("THROTTLE_RESET_PER_ACCOUNT"), _limit("THROTTLE_RESET_PER_IP")
    for limit, identity in ((per_account, email), (per_ip, ip)):
        if ratelimit.is_exhausted(limit, identity):
            raise RateLimited(
                "Too many password reset requests. Try again later.", retry_after=ratelimit.retry_after(limit)
            )
    ratelimit.record(per_account, email)
    ratelimit.record(per_ip, ip)
    user = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if user is None or not user.has_usable_password():
        return
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    context = {
        "user": user,
        "reset_url": reset_url_for(uidb64, token),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    subject = "Reset your Tradepost password"
    text = render_to_string("accounts/email/password_reset.txt", context)
    html = render_to_string("accounts/email/password_reset.html", context)
    with transaction.atomic():
        _event(user=user, kind=AccountEvent.Kind.PASSWORD_RESET_REQUESTED, ip=ip)
        transaction.on_commit(
            lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], html_message=html),
            robust=True,  # a mail server that is down is logged, not shown as an error page
        )


def password_reset_done(*, user: User, ip: str | None) -> None:
    _event(user=user, actor=user, kind=AccountEvent.Kind.PASSWORD_RESET_DONE, ip=ip)


def profile_update(*, user: User, full_name: str, company: str, country: str, ip: str | None = None) -> User:
    errors = []
    if not (full_name or "").strip():
        errors.append(FieldError("full_name", "Enter your name.", "required"))
    if (country or "").upper() not in countries:
        errors.append(FieldError("country", "Choose a country from the list.", "invalid"))
    if errors:
        raise ValidationFailed("Your profile could not be saved.", errors=errors)
    before = {"full_name": user.full_name, "company": user.company, "country": user.country.code}
    user.full_name, user.company, user.country = full_name.strip(), (company or "").strip(), country.upper()
    after = {"full_name": user.full_name, "company": user.company, "country": country.upper()}
    with transaction.atomic():
        user.save(update_fields=["full_name", "company", "country"])
        _event(
            user=user, actor=user, kind=AccountEvent.Kind.PROFILE_UPDATED, ip=ip, before=before, after=after
        )
    return user


# --- address book -----------------------------------------------------------------------------------------

ADDRESS_FIELDS = (
    "label",
    "full_name",
    "company",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)
ADDRESS_REQUIRED = ("full_name", "line1", "city", "country", "phone")


def _clean_address(data: dict) -> dict:
    unknown = sorted(set(data) - set(ADDRESS_FIELDS) - {"is_default"})
    errors = [FieldError(name, "Unknown field.", "unknown_field") for name in unknown]
    clean = {name: str(data.get(name) or "").strip() for name in ADDRESS_FIELDS}
    for name in ADDRESS_REQUIRED:
        if not clean[name]:
            errors.append(FieldError(name, "This field is required.", "required"))
    limits = {
        field.name: field.max_length for field in Address._meta.fields if getattr(field, "max_length", None)
    }
    for name, value in clean.items():
        if limits.get(name) and len(value) > limits[name]:
            errors.append(FieldError(name, f"At most {limits[name]} characters.", "too_long"))
    clean["country"] = clean["country"].upper()
    if clean["country"] and clean["country"] not in countries:
        errors.append(
            FieldError("country", "Choose a country from the list (ISO code such as US).", "invalid")
        )
    if clean["phone"]:
        region = clean["country"] if clean["country"] in countries else None
        try:
            number = phonenumbers.parse(clean["phone"], region)
            if not phonenumbers.is_valid_number(number):
                raise phonenumbers.NumberParseException(0, "invalid")
            clean["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            errors.append(
                FieldError(
                    "phone",
                    "Enter a valid phone number, with the country code (e.g. +1 415 555 0123).",
                    "invalid_phone",
                )
            )
    if errors:
        raise ValidationFailed("The address has problems.", errors=errors)
    return clean


def address_create(*, user: User, data: dict, ip: str | None = None) -> Address:
    clean = _clean_address(data)
    with transaction.atomic():
        make_default = bool(data.get("is_default")) or not Address.objects.filter(user=user).exists()
        if make_default:
            Address.objects.filter(user=user, is_default=True).update(is_default=False)
        address = Address.objects.create(user=user, is_default=make_default, **clean)
        _event(user=user, actor=user, kind=AccountEvent.Kind.ADDRESS_ADDED, ip=ip, address_id=address.pk)
    return address


def address_update(*, user: User, address_id: int, data: dict, ip: str | None = None) -> Address:
    clean = _clean_address(data)
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(user=user, pk=address_id).first()
        if address is None:
            raise NotFound("No such address.", code="address_not_found")
        if data.get("is_default") and not address.is_default:
            Address.objects.filter(user=user, is_default=True).update(is_default=False)
            address.is_default = True
        for name, value in clean.items():
            setattr(address, name, value)
        address.save()
        _event(user=user, actor=user, kind=AccountEvent.Kind.ADDRESS_UPDATED, ip=ip, address_id=address.pk)
    return address


def address_delete(*, user: User, address_id: int, ip: str | None = None) -> None:
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(user=user, pk=address_id).first()
        if address is None:
            raise NotFound("No such address.", code="address_not_found")
        was_default = address.is_default
        address.delete()
        if was_default:
            successor = Address.objects.filter(user=user).order_by("-updated_at").first()
            if successor:
                successor.is_default = True
                successor.save(update_fields=["is_default"])
        _event(user=user, actor=user, kind=AccountEvent.Kind.ADDRESS_DELETED, ip=ip, address_id=address_id)


# --- personal API tokens ----------------------------------------------------------------------------------

MAX_ACTIVE_TOKENS = 20


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user: User, name: str, ip: str | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token; returns the row and the secret, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Name the token so you can recognise it later.", field="name", code="required")
    if len(name) > 100:
        raise ValidationFailed("At most 100 characters.", field="name", code="too_long")
    with transaction.atomic():
        if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
            raise Conflict(
                f"You already have {MAX_ACTIVE_TOKENS} active tokens; revoke one first.",
                code="too_many_tokens",
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user, name=name, prefix=secret[:10], key_hash=_hash_token(secret)
        )
        _event(
            user=user, actor=user, kind=AccountEvent.Kind.TOKEN_CREATED, ip=ip, token_id=token.pk, name=name
        )
    return token, secret


def token_revoke(*, user: User, token_id: int, ip: str | None = None) -> None:
    with transaction.atomic():
        updated = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not updated:
            raise NotFound("No such token.", code="token_not_found")
        _event(user=user, actor=user, kind=AccountEvent.Kind.TOKEN_REVOKED, ip=ip, token_id=token_id)


def token_authenticate(secret: str) -> User | None:
    """The active user owning this token secret, or None. Touches last_used_at at most once a minute.

    The same statement asks whether the user accepted the current agreement: the user comes back with
    `accepted_current_agreement` set (True when no agreement is published).
    """
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    found = token_owner(_hash_token(secret))
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=found.token_id).update(last_used_at=now)
    return found.user


# --- staff desks ------------------------------------------------------------------------------------------


def staff_set_desks(*, actor: User, user: User, desks: list[str]) -> None:
    """Seat a staff member at exactly these desks."""
    unknown = [desk for desk in desks if desk not in Desk.values]
    if unknown:
        raise ValidationFailed(f"Unknown desk: {', '.join(unknown)}.", field="desks", code="invalid_choice")
    with transaction.atomic():
        groups = [Group.objects.get_or_create(name=group_name(desk))[0] for desk in desks]
        before = sorted(user.groups.filter(name__startswith="desk:").values_list("name", flat=True))
        user.groups.remove(*user.groups.filter(name__startswith="desk:"))
        user.groups.add(*groups)
        if desks and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        _event(
            user=user, actor=actor, kind=AccountEvent.Kind.DESKS_CHANGED, before=before, after=sorted(desks)
        )
