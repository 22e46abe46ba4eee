"""Reads about accounts shared by the storefront, the API and the back office."""

from tradepost.accounts.models import Address, AgreementAcceptance, ApiToken, User, UserAgreement
from tradepost.core.exceptions import NotFound


def agreement_current() -> UserAgreement | None:
    return UserAgreement.objects.order_by("-version").first()


def agreement_pending_for(user: User) -> UserAgreement | None:
    """The current agreement if `user` has not accepted it yet, else None."""
    current = agreement_current()
    if current is None:
        return None
    if AgreementAcceptance.objects.filter(user=user, agreement=current).exists():
        return None
    return current


def address_list(*, user: User):
    return Address.objects.filter(user=user)


def address_get(*, user: User, address_id: int) -> Address:
    """A user's own address; anyone else's is reported as not found."""
    try:
        return Address.objects.get(user=user, pk=address_id)
    except (Address.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such address.", code="address_not_found") from None


def token_list(*, user: User):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)
