"""Writes for store policies: activating a new version is the only change there is."""

from django.db import IntegrityError, transaction

from tradepost.core.exceptions import Conflict
from tradepost.policies.documents import document_digest, policy_document
from tradepost.policies.loading import load_preset, preset_path
from tradepost.policies.models import PolicyVersion
from tradepost.policies.schema import StorePolicy


def policy_activate(
    *, policy: StorePolicy, source: str, actor=None, note: str = ""
) -> tuple[PolicyVersion, bool]:
    """Make `policy` the active one unless it already is; locks the first version row; safe to retry."""
    document = policy_document(policy)
    digest = document_digest(document)
    fields = {
        "preset": policy.store.key,
        "source": source[:255],
        "document": document,
        "digest": digest,
        "note": note,
        "created_by": actor,
    }
    try:
        return _activate_once(fields)
    except IntegrityError:
        pass
    # A concurrent activation took the number first; a fresh attempt sees its row and numbers after it.
    try:
        return _activate_once(fields)
    except IntegrityError as exc:
        raise Conflict("Another policy activation got in the way; try again") from exc


@transaction.atomic
def _activate_once(fields: dict) -> tuple[PolicyVersion, bool]:
    # Every activation queues on the first version's row: it never changes or goes away, unlike "the latest".
    first = PolicyVersion.objects.select_for_update().order_by("number").values_list("pk", flat=True).first()
    # With nothing to lock yet, claim number 1 even if a version appeared meanwhile: the unique number then
    # fails this attempt and the retry queues on that version's lock. Otherwise read only after the lock,
    # so a version committed by whoever held it before us is seen.
    latest = None if first is None else PolicyVersion.objects.order_by("-number").first()
    if latest is not None and latest.digest == fields["digest"]:
        return latest, False
    version = PolicyVersion.objects.create(number=latest.number + 1 if latest else 1, **fields)
    return version, True


@transaction.atomic
def policy_ensure_active(*, preset: str) -> tuple[PolicyVersion, bool]:
    """Activate a shipped preset when no policy version exists yet; otherwise return the active version."""
    latest = PolicyVersion.objects.order_by("-number").first()
    if latest is not None:
        return latest, False
    policy = load_preset(preset)
    return policy_activate(
        policy=policy, source=preset_path(preset).name, note=f"Initial policy from the {preset} preset"
    )
