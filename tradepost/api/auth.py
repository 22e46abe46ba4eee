"""API authentication: personal tokens (Bearer) for scripts, the session (with CSRF) for the storefront."""

from ninja.security import HttpBearer, SessionAuth

from tradepost.accounts.middleware import user_accepted_current
from tradepost.accounts.selectors import agreement_pending_for
from tradepost.accounts.services import token_authenticate
from tradepost.core.exceptions import PermissionDenied


class AgreementRequired(PermissionDenied):
    code = "agreement_required"
    title = "Accept the user agreement first"


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class _AcceptedMixin:
    def authenticate(self, request, *args):
        user = super().authenticate(request, *args)
        if user is not None and not _accepted(request, user, via_token=isinstance(self, TokenAuth)):
            raise AgreementRequired(
                "The user agreement has a new version. Read it at GET /api/v1/agreement and accept it "
                "with POST /api/v1/me/agreement.",
            )
        return user


def _accepted(request, user, *, via_token: bool) -> bool:
    # Token clients carry no session, so ask the database instead of the session marker.
    if via_token:
        return user.accepted_current_agreement  # asked by token_authenticate in the same statement
    if not hasattr(request, "session"):
        return agreement_pending_for(user) is None
    return user_accepted_current(request)


class AcceptedTokenAuth(_AcceptedMixin, TokenAuth):
    pass


class AcceptedSessionAuth(_AcceptedMixin, SessionAuth):
    pass


# Any signed-in user (used only by endpoints that let a user read and accept the agreement).
signed_in = [TokenAuth(), SessionAuth()]
# The default for everything a user does: signed in and agreed to the current agreement.
member = [AcceptedTokenAuth(), AcceptedSessionAuth()]


def require_desk(request, desk: str) -> None:
    """Staff endpoints answer 404 to anyone not seated at the desk, so they reveal nothing."""
    from tradepost.accounts.roles import user_has_desk
    from tradepost.core.exceptions import NotFound

    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is None or not user_has_desk(user, desk):
        raise NotFound("Not found.")
