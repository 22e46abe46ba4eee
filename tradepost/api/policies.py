"""Public API for the store policy: the active rules and any past version that orders refer to."""

from datetime import datetime

from ninja import Router, Schema

from tradepost.policies.schema import StorePolicy
from tradepost.policies.selectors import policy_active, policy_from_version, policy_version

router = Router(tags=["policy"])


class PolicyOut(Schema):
    version: int
    activated_at: datetime
    digest: str
    policy: StorePolicy


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    code: str | None = None


@router.get("/policy", response={200: PolicyOut, 404: ProblemOut}, auth=None, summary="Active store policy")
def policy_get(request):
    active = policy_active()
    return {
        "version": active.version,
        "activated_at": active.activated_at,
        "digest": active.digest,
        "policy": active.policy,
    }


@router.get(
    "/policy/versions/{number}",
    response={200: PolicyOut, 404: ProblemOut},
    auth=None,
    summary="One store policy version",
)
def policy_version_get(request, number: int):
    version = policy_version(number)
    return {
        "version": version.number,
        "activated_at": version.created_at,
        "digest": version.digest,
        "policy": policy_from_version(version),
    }
