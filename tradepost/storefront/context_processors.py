from tradepost.core.exceptions import NotFound
from tradepost.policies.selectors import policy_active


def store(request):
    """The active store policy for every page, so pages state what the system enforces."""
    try:
        active = policy_active()
    except NotFound:
        return {"store_policy": None, "policy_version": None, "store_name": "Tradepost"}
    return {
        "store_policy": active.policy,
        "policy_version": active.version,
        "store_name": active.policy.store.name,
    }
