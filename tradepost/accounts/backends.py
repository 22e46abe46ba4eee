"""Authentication backend: Django's, with the current agreement version read along with the user."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Subquery

from tradepost.accounts.models import User
from tradepost.accounts.selectors import agreement_versions


class Backend(ModelBackend):
    """Django's model backend. The user a session names comes with `current_agreement_version` (None when
    no agreement is published), which AgreementRequiredMiddleware asks on every page: one query instead of
    two for every signed-in request."""

    def get_user(self, user_id):
        current = Subquery(agreement_versions()[:1])
        try:
            user = User._default_manager.annotate(current_agreement_version=current).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
