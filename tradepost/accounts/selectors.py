"""Reads about accounts shared by the storefront, the API and the back office."""

import functools
from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Exists, OuterRef

from tradepost.accounts.models import Address, AgreementAcceptance, ApiToken, User, UserAgreement
from tradepost.core.exceptions import NotFound
from tradepost.core.prepared import Prepared
from tradepost.core.rawsql import Converters, converted, converters_for


def agreement_current() -> UserAgreement | None:
    return UserAgreement.objects.order_by("-version").first()


def agreement_versions():
    """Published agreement versions, the current one first: `.first()` is the current version (None before
    the first), and `[:1]` the same as a subquery."""
    return UserAgreement.objects.order_by("-version").values_list("version", flat=True)


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


# Every checkout review and placed order reads the address: prepared (core/prepared.py).
_address_of_user = Prepared(
    lambda user_id, address_id: Address.objects.filter(user_id=user_id, pk=address_id).order_by("pk")[:1],
    user_id=-1,
    address_id=-2,
)


def address_get(*, user: User, address_id: int) -> Address:
    """A user's own address; anyone else's is reported as not found."""
    try:
        address = _address_of_user.first(user_id=user.pk, address_id=int(address_id))
    except (ValueError, TypeError, OverflowError):  # not an id, or one no row can have
        address = None
    if address is None:
        raise NotFound("No such address.", code="address_not_found")
    return address


def token_list(*, user: User):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


class TokenOwner(NamedTuple):
    token_id: int
    last_used_at: datetime | None
    user: User  # with accepted_current_agreement set


def token_owner(key_hash: str) -> TokenOwner | None:
    """The active user holding the unrevoked token with this hash, and whether they accepted the current
    agreement (True when none is published), in one precompiled statement: every API request asks it,
    and compiling the ORM query took longer than the database takes to answer."""
    statement, converters, user_fields = _token_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, last_used_at, agreement_id, accepted, *user_values = converted([row], converters)[0]
    user = User.from_db(connection.alias, user_fields, user_values)
    user.accepted_current_agreement = agreement_id is None or bool(accepted)
    return TokenOwner(token_id, last_used_at, user)


@functools.cache
def _token_statement(vendor: str) -> tuple[str, Converters, list[str]]:
    quote = connection.ops.quote_name
    token, user, agreement = ApiToken._meta, User._meta, UserAgreement._meta
    acceptance = AgreementAcceptance._meta

    def col(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    fields = list(user.concrete_fields)
    t_id, t_user, t_used, t_hash, t_revoked = (
        col(token, name) for name in ("id", "user", "last_used_at", "key_hash", "revoked_at")
    )
    a_id, a_version, x_user, x_agreement = (
        col(agreement, "id"),
        col(agreement, "version"),
        col(acceptance, "user"),
        col(acceptance, "agreement"),
    )
    accepted = f"EXISTS(SELECT 1 FROM {quote(acceptance.db_table)} x WHERE x.{x_user} = t.{t_user}"  # noqa: S608
    accepted += f" AND x.{x_agreement} = c.{a_id})"
    columns = ", ".join(
        [f"t.{t_id}", f"t.{t_used}", f"c.{a_id}", accepted] + [f"u.{quote(f.column)}" for f in fields]
    )
    tables = f"{quote(token.db_table)} t JOIN {quote(user.db_table)} u ON u.{col(user, 'id')} = t.{t_user}"
    current = f"SELECT {a_id} FROM {quote(agreement.db_table)} ORDER BY {a_version} DESC LIMIT 1"  # noqa: S608
    tables += f" LEFT JOIN ({current}) c ON 1 = 1"
    where = f"t.{t_hash} = %s AND t.{t_revoked} IS NULL AND u.{col(user, 'is_active')}"
    statement = f"SELECT {columns} FROM {tables} WHERE {where}"  # noqa: S608 - names from the models
    positions = {1: token.get_field("last_used_at"), **{4 + i: f for i, f in enumerate(fields)}}
    return statement, converters_for(positions), [f.attname for f in fields]
