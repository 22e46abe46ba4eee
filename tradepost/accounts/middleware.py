"""Sends a signed-in user to the agreement page until they accept the current version."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from tradepost.accounts.models import AgreementAcceptance
from tradepost.accounts.selectors import agreement_versions
from tradepost.api.paths import API_PREFIX

SESSION_KEY = "accepted_agreement_version"
EXEMPT_PREFIXES = (  # of the path after the script prefix
    API_PREFIX,
    "/static/",
    "/media/",
    "/account/agreement",
    "/account/logout",
    "/policies/",
    "/agreement",
)


_NOT_READ = object()


def current_agreement_version(user=None) -> int | None:
    """The current agreement version, as read with the signed-in user (accounts.backends), else one indexed
    query: either way a new version applies on the very next request."""
    known = getattr(user, "current_agreement_version", _NOT_READ)
    if known is not _NOT_READ:
        return known
    return agreement_versions().first()


def user_accepted_current(request) -> bool:
    current = current_agreement_version(request.user)
    if current is None:
        return True
    if request.session.get(SESSION_KEY) == current:
        return True
    accepted = AgreementAcceptance.objects.filter(user=request.user, agreement__version=current).exists()
    if accepted:
        request.session[SESSION_KEY] = current
    return accepted


class AgreementRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: an exempt request (every API call) never reads the session or the user for this.
        if request.path_info.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user_accepted_current(request):
            target = reverse("storefront:agreement_accept")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
