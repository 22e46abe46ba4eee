"""The authentication backend reads the session's user with the agreement and policy versions in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.accounts import services
from tradepost.accounts.backends import Backend
from tradepost.accounts.selectors import agreement_current
from tradepost.policies.loading import load_preset
from tradepost.policies.selectors import policy_active
from tradepost.policies.services import policy_activate

pytestmark = pytest.mark.django_db


def _fields(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in user._meta.concrete_fields}


def test_the_user_comes_with_the_current_agreement_and_policy_versions(buyer):
    with CaptureQueriesContext(connection) as ctx:
        user = Backend().get_user(buyer.pk)
    assert len(ctx.captured_queries) == 1
    assert _fields(user) == _fields(ModelBackend().get_user(buyer.pk))
    assert user.current_agreement_version == agreement_current().version
    assert user.active_policy_id is None  # no policy yet
    policy_activate(policy=load_preset("direct"), source="test")
    newer = services.agreement_publish(title="User agreement", body="Revised.", actor=None)
    user = Backend().get_user(buyer.pk)
    assert user.current_agreement_version == newer.version
    assert policy_active(read_with=user) == policy_active()


def test_unknown_and_inactive_users_are_none(buyer):
    assert Backend().get_user(buyer.pk + 1000) is None
    buyer.is_active = False
    buyer.save(update_fields=["is_active"])
    assert Backend().get_user(buyer.pk) is None


def _prepared_statements(like: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [like])
        return cursor.fetchone()[0]


def test_postgresql_prepares_the_user_read_and_nothing_else(buyer):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans a statement on every run unless it is prepared")
    for _ in range(6):
        Backend().get_user(buyer.pk)
        ModelBackend().get_user(buyer.pk)  # the same table through the ORM: not a lookup we prepare
    assert _prepared_statements('%FROM "accounts_user"%') == 1
    assert connection.connection.prepare_threshold is None  # as Django leaves it, after each prepared run


def test_prepared_statements_can_be_turned_off(buyer, settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    settings.DB_PREPARED_STATEMENTS = False
    for _ in range(3):
        Backend().get_user(buyer.pk)
    assert _prepared_statements('%FROM "accounts_user"%') == 0
