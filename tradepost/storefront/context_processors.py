from tradepost.storefront.pagecache import csrf_placeholder_context
from tradepost.storefront.policy import active_policy


def store(request):
    """The active store policy for every page, so pages state what the system enforces (and, for a page
    rendered for the page cache, its CSRF placeholder)."""
    active = active_policy(request)
    if active is None:
        found = {"store_policy": None, "policy_version": None, "store_name": "Tradepost"}
    else:
        found = {
            "store_policy": active.policy,
            "policy_version": active.version,
            "store_name": active.policy.store.name,
        }
    return found | csrf_placeholder_context(request)
