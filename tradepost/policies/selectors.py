"""Reads for store policies: the active one, any past version, and the version list."""

import functools
from dataclasses import dataclass
from datetime import datetime, time

from django.db import connection
from django.db.models import QuerySet, Subquery

from tradepost.core.calendar import WorkingCalendar, get_calendar
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.core.rawsql import Converters, converted, converters_for
from tradepost.policies.documents import document_digest
from tradepost.policies.models import PolicyVersion
from tradepost.policies.schema import StorePolicy

# Parsed policies keyed by content digest. Keyed by content, not by version number, because numbers are
# reused whenever a transaction that created a version rolls back (every test does), so they can go stale.
_PARSED: dict[str, StorePolicy] = {}
_PARSED_LIMIT = 64
_MAX_NUMBER = 2**31 - 1  # PositiveIntegerField's upper bound on every supported database


class PolicyDocumentCorrupt(ApplicationError):
    status = 500
    code = "policy_document_corrupt"
    title = "A stored policy version was altered"


@dataclass(frozen=True)
class ActivePolicy:
    """The policy in force now, with the version that holds it."""

    version: int
    version_id: int
    digest: str
    preset: str
    activated_at: datetime
    policy: StorePolicy


def policy_from_version(version: PolicyVersion) -> StorePolicy:
    """Return the typed policy stored in a version row; parsed once per content per process."""
    policy = _PARSED.get(version.digest)
    if policy is None:
        # Checked once per process and content: a row edited behind the service's back must not be trusted.
        if document_digest(version.document) != version.digest:
            raise PolicyDocumentCorrupt(
                f"Policy version {version.number} no longer matches its digest; restore it from a backup"
            )
        policy = StorePolicy.model_validate(version.document)
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[version.digest] = policy
    return policy


def policy_active(*, read_with: object = None) -> ActivePolicy:
    """Return the active policy: the highest-numbered version.

    Every page reads it, so it is one precompiled statement without the document: this process parses a
    version's document once, by digest (policy_from_version), and reads it only then. `read_with`: an object
    a query annotated with policy_active_columns() (the signed-in user, accounts.backends), whose values
    stand for the statement's.
    """
    if hasattr(read_with, _ANNOTATION + "id"):
        row = tuple(getattr(read_with, _ANNOTATION + name) for name in _ACTIVE_FIELDS)
    else:
        statement, converters = _active_statement(connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(statement)
            found = cursor.fetchone()
        row = converted([found], converters)[0] if found is not None else (None,) * len(_ACTIVE_FIELDS)
    pk, number, digest, preset, created_at = row
    if pk is None:
        raise NotFound(
            "No store policy is active yet; activate one with `tradepost policy activate --preset components`"
        )
    policy = _PARSED.get(digest)
    if policy is None:
        policy = policy_from_version(PolicyVersion.objects.get(pk=pk))
    return ActivePolicy(
        version=number,
        version_id=pk,
        digest=digest,
        preset=preset,
        activated_at=created_at,
        policy=policy,
    )


def policy_active_columns() -> dict[str, Subquery]:
    """What policy_active() reads, as subqueries to annotate another query with, so that one statement
    reads both (see `read_with`)."""
    newest = PolicyVersion.objects.order_by("-number")
    return {_ANNOTATION + name: Subquery(newest.values(name)[:1]) for name in _ACTIVE_FIELDS}


_ACTIVE_FIELDS = ("id", "number", "digest", "preset", "created_at")
_ANNOTATION = "active_policy_"


def policy_version_row(active: ActivePolicy) -> PolicyVersion:
    """The active version's row as read by policy_active, without a query; the rest (the document...)
    is deferred and read only if asked for."""
    known = {
        "id": active.version_id,
        "number": active.version,
        "digest": active.digest,
        "preset": active.preset,
        "created_at": active.activated_at,
    }
    names = [f.attname for f in PolicyVersion._meta.concrete_fields if f.attname in known]  # model order
    return PolicyVersion.from_db(connection.alias, names, [known[name] for name in names])


@functools.cache
def _active_statement(vendor: str) -> tuple[str, Converters]:
    quote = connection.ops.quote_name
    meta = PolicyVersion._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in _ACTIVE_FIELDS)
    statement = (
        f"SELECT {columns} FROM {quote(meta.db_table)}"  # noqa: S608 - names from the model, no values
        f" ORDER BY {quote(meta.get_field('number').column)} DESC LIMIT 1"
    )
    return statement, converters_for({i: meta.get_field(name) for i, name in enumerate(_ACTIVE_FIELDS)})


def policy_version(number: int) -> PolicyVersion:
    """Return one version row by its number."""
    # Out-of-range numbers would be a database error on PostgreSQL rather than a plain miss.
    in_range = 1 <= number <= _MAX_NUMBER
    version = in_range and PolicyVersion.objects.select_related("created_by").filter(number=number).first()
    if not version:
        raise NotFound(f"Policy version {number} does not exist", field="number")
    return version


def policy_for_version(number: int) -> StorePolicy:
    """Return the rules of one version, as orders placed under it must keep seeing them."""
    return policy_from_version(policy_version(number))


def policy_active_number() -> int | None:
    """Return the number of the active version, or None before the first activation."""
    return PolicyVersion.objects.order_by("-number").values_list("number", flat=True).first()


def policy_versions() -> QuerySet[PolicyVersion]:
    """Return all versions, newest first, without their documents."""
    return PolicyVersion.objects.select_related("created_by").defer("document").order_by("-number")


def store_calendar(policy: StorePolicy) -> WorkingCalendar:
    """The calendar of the store's warehouse: its country's holidays, its timezone and working hours."""
    store = policy.store
    return get_calendar(
        store.warehouse_country,
        store.timezone,
        workday_start=time.fromisoformat(store.working_hours.start),
        workday_end=time.fromisoformat(store.working_hours.end),
    )
