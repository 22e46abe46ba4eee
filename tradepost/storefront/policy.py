"""The active store policy, read once per request however many parts of the page ask for it."""

from django.http import HttpRequest

from tradepost.core.exceptions import NotFound
from tradepost.policies.selectors import ActivePolicy, policy_active

_ATTR = "_tradepost_active_policy"


def active_policy(request: HttpRequest) -> ActivePolicy | None:
    """The active policy, or None before the first activation; memoized on the request, and read with the
    signed-in user when there is one (accounts.backends)."""
    if not hasattr(request, _ATTR):
        try:
            found = policy_active(read_with=getattr(request, "user", None))
        except NotFound:
            found = None
        setattr(request, _ATTR, found)
    return getattr(request, _ATTR)
