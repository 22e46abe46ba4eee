"""Reads about accounts shared by the storefront, the API and the back office."""

from django.db.models import Exists, OuterRef

from tradepost.accounts.models import Address, AgreementAcceptance, ApiToken, User, UserAgreement
from tradepost.core.exceptions import NotFound


def agreement_current() -> UserAgreement | None:
    return UserAgreement.objects.order_by("-version").first()


def agreement_pending_for(user: User) -> UserAgreement | None:
    """The current agreement if `user` has not accepted it yet, else None; one query."""
    current = (
        UserAgreement.objects.order_by("-version")
        .annotate(accepted=Exists(AgreementAcceptance.objects.filter(user=user, agreement=OuterRef("pk"))))
        .first()
    )
    if current is None or current.accepted:
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
