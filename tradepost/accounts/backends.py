"""Authentication backend: Django's, with the current agreement version and the active store policy read
along with the user."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Subquery

from tradepost.accounts.models import User
from tradepost.accounts.selectors import agreement_versions
from tradepost.policies.selectors import policy_active_columns


class Backend(ModelBackend):
    """Django's model backend. The user a session names comes with `current_agreement_version` (None when
    no agreement is published), which AgreementRequiredMiddleware asks on every page, and with the active
    policy's version (policies.selectors.policy_active_columns), which every page states: one query instead
    of three for every signed-in request."""

    def get_user(self, user_id):
        current = Subquery(agreement_versions()[:1])
        try:
            user = User._default_manager.annotate(
                current_agreement_version=current, **policy_active_columns()
            ).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
