"""Authentication backend: Django's, with the current agreement version and the active store policy read
along with the user."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Subquery

from tradepost.accounts.models import User
from tradepost.accounts.selectors import agreement_versions
from tradepost.core.prepared import Prepared
from tradepost.policies.selectors import policy_active_columns

# Compiled once per process: with its six subqueries, building and compiling this query took longer
# than the query itself.
_user_with_versions = Prepared(
    lambda user_id: User._default_manager.filter(pk=user_id).annotate(
        current_agreement_version=Subquery(agreement_versions()[:1]), **policy_active_columns()
    ),
    user_id=-1,
)


class Backend(ModelBackend):
    """Django's model backend. The user a session names comes with `current_agreement_version` (None when
    no agreement is published), which AgreementRequiredMiddleware asks on every page, and with the active
    policy's version (policies.selectors.policy_active_columns), which every page states: one query instead
    of three for every signed-in request."""

    def get_user(self, user_id):
        if type(user_id) is not int:  # the session's value as User's primary key reads it
            return super().get_user(user_id)
        user = _user_with_versions.first(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
