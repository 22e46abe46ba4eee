"""Activating policies creates immutable, numbered versions; old versions keep their rules."""

import contextlib
import threading

import pytest
from django.db import connections, transaction

from tradepost.accounts.models import User
from tradepost.core.exceptions import NotFound
from tradepost.policies import selectors
from tradepost.policies.documents import document_digest, policy_document
from tradepost.policies.loading import load_preset
from tradepost.policies.models import PolicyVersion, PolicyVersionImmutable
from tradepost.policies.selectors import (
    PolicyDocumentCorrupt,
    policy_active,
    policy_for_version,
    policy_from_version,
    policy_versions,
)
from tradepost.policies.services import policy_activate, policy_ensure_active

pytestmark = pytest.mark.django_db


def activate(name: str, **kwargs):
    return policy_activate(policy=load_preset(name), source=f"{name}.toml", **kwargs)


def test_first_activation_is_version_1_and_a_change_makes_version_2():
    first, created = activate("components", note="launch")
    assert (first.number, created) == (1, True)
    assert (first.preset, first.source, first.note) == ("components", "components.toml", "launch")
    assert first.digest == document_digest(policy_document(load_preset("components")))

    second, created = activate("direct")
    assert (second.number, created) == (2, True)
    assert policy_active().version == 2


def test_reactivating_identical_content_creates_nothing():
    first, _ = activate("components")
    again, created = activate("components", note="ignored")
    assert created is False
    assert again.pk == first.pk
    assert PolicyVersion.objects.count() == 1


def test_going_back_to_earlier_content_is_a_new_version():
    activate("components")
    activate("direct")
    back, created = activate("components")
    assert (back.number, created) == (3, True)
    assert back.digest == PolicyVersion.objects.get(number=1).digest


def test_old_version_document_is_unchanged_by_newer_activations():
    first, _ = activate("components")
    stored = PolicyVersion.objects.get(pk=first.pk).document
    activate("wholesale")
    activate("direct")
    assert PolicyVersion.objects.get(pk=first.pk).document == stored
    assert stored == policy_document(load_preset("components"))


def test_actor_is_recorded():
    staff = User.objects.create_user(
        "staff@example.com", "x-long-password-1", full_name="Staff", country="HK"
    )
    version, _ = activate("wholesale", actor=staff)
    assert PolicyVersion.objects.get(pk=version.pk).created_by == staff


def test_saving_an_existing_version_is_refused_and_changes_nothing():
    version, _ = activate("components")
    version.note = "edited"
    version.document = {**version.document, "schema_version": 2}
    with pytest.raises(PolicyVersionImmutable):
        version.save()
    fresh = PolicyVersion.objects.get(pk=version.pk)
    assert (fresh.note, fresh.document["schema_version"]) == ("", 1)


def test_deleting_a_version_is_refused():
    version, _ = activate("components")
    with pytest.raises(PolicyVersionImmutable):
        version.delete()
    with pytest.raises(PolicyVersionImmutable):
        PolicyVersion.objects.all().delete()
    with pytest.raises(PolicyVersionImmutable):
        PolicyVersion.objects.filter(pk=version.pk).update(note="bulk")
    assert PolicyVersion.objects.filter(pk=version.pk, note="").exists()


def test_policy_for_version_keeps_the_old_rules_after_a_newer_activation():
    activate("components")
    activate("direct")
    old = policy_for_version(1)
    assert old.quotes.sla_hours == 12
    assert old.quality_guarantee_days(member=True) == 100
    new = policy_for_version(2)
    assert not new.quotes.enabled
    assert policy_active().policy == new


def test_policy_for_version_is_not_fooled_by_a_reused_number():
    # Numbers come back when the transaction that created them rolls back; the rules must follow content.
    class Rollback(Exception):
        pass

    with contextlib.suppress(Rollback), transaction.atomic():
        activate("components")
        assert policy_for_version(1).store.key == "components"
        raise Rollback
    activate("direct")
    assert policy_for_version(1).store.key == "direct"


def test_active_policy_describes_its_version():
    version, _ = activate("wholesale")
    active = policy_active()
    assert (active.version, active.version_id, active.digest) == (1, version.pk, version.digest)
    assert active.preset == "wholesale"
    assert active.activated_at == version.created_at
    assert active.policy.money_back.days == 14


def test_the_active_policy_read_with_another_query_is_the_same():
    """policy_active_columns() annotated on another query (the signed-in user's) stand for policy_active()'s
    own statement, before the first version and after each."""
    User.objects.create_user("reader@example.com", "a-long-password-for-tests")

    def read_with_user():
        return policy_active(read_with=User.objects.annotate(**selectors.policy_active_columns()).get())

    with pytest.raises(NotFound, match="No store policy is active yet"):
        read_with_user()
    for name in ("wholesale", "direct"):
        activate(name)
        assert read_with_user() == policy_active()
        assert read_with_user().preset == name


def test_no_policy_yet_is_a_clear_not_found():
    with pytest.raises(NotFound, match="No store policy is active yet"):
        policy_active()
    with pytest.raises(NotFound, match="Policy version 7 does not exist"):
        policy_for_version(7)


def test_stored_document_round_trips_through_the_database():
    version, _ = activate("wholesale")
    selectors._PARSED.clear()  # force a parse and digest check of what the database gives back
    policy = policy_from_version(PolicyVersion.objects.get(pk=version.pk))
    assert policy == load_preset("wholesale")


def test_a_document_that_no_longer_matches_its_digest_is_refused():
    document = policy_document(load_preset("direct"))
    document["returns"]["days"] = 600
    tampered = PolicyVersion(number=1, digest=document_digest({"other": "content"}), document=document)
    with pytest.raises(PolicyDocumentCorrupt, match="Policy version 1 no longer matches its digest"):
        policy_from_version(tampered)


def test_versions_are_listed_newest_first():
    activate("components")
    activate("direct")
    assert [version.number for version in policy_versions()] == [2, 1]


def test_ensure_active_only_fills_an_empty_history():
    version, created = policy_ensure_active(preset="direct")
    assert (version.number, created, version.source) == (1, True, "direct.toml")
    again, created = policy_ensure_active(preset="components")
    assert (again.pk, created) == (version.pk, False)
    assert policy_active().preset == "direct"


# Threads need committed rows. available_apps limits the flush afterwards to this app's tables, so rows that
# migrations seed for other apps (the first user agreement) survive for the tests that run later.
@pytest.mark.django_db(transaction=True, available_apps=["tradepost.policies"])
@pytest.mark.parametrize("existing", [0, 1], ids=["empty-history", "with-history"])
def test_concurrent_activations_get_distinct_numbers(existing):
    base = load_preset("components")
    if existing:
        policy_activate(policy=base, source="components.toml")
    # Four distinct documents, released at the same moment.
    policies = [
        base.model_copy(update={"store": base.store.model_copy(update={"name": f"Store {index}"})})
        for index in range(4)
    ]
    barrier = threading.Barrier(len(policies))
    results, errors = [], []

    def run(policy):
        try:
            barrier.wait()
            results.append(policy_activate(policy=policy, source="race.toml"))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(policy,)) for policy in policies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(version.number for version, _ in results) == [existing + n for n in range(1, 5)]
    assert all(created for _, created in results)
