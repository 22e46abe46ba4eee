import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tradepost.accounts import selectors, services
from tradepost.accounts.models import AccountEvent, AgreementAcceptance, ApiToken, User, UserAgreement
from tradepost.accounts.roles import Desk, user_desks, user_has_desk
from tradepost.conftest import PASSWORD, make_user
from tradepost.core.exceptions import ApplicationError, NotFound, RateLimited, ValidationFailed

pytestmark = pytest.mark.django_db

GOOD = {
    "email": "New.Buyer@Example.com",
    "password": "a-long-and-unusual-passphrase",
    "full_name": "New Buyer",
    "country": "us",
    "company": "Acme",
    "account_type": "reseller",
}


def fields_of(exc: ApplicationError) -> set[str]:
    return {error.field for error in exc.errors}


def test_registration_is_refused_without_accepting_the_agreement():
    with pytest.raises(ValidationFailed) as caught:
        services.user_register(**GOOD, accept_agreement=False)
    assert "accept_agreement" in fields_of(caught.value)
    assert not User.objects.exists()


def test_registration_stores_the_accepted_agreement_version_and_time():
    current = selectors.agreement_current()
    user = services.user_register(
        **GOOD, accept_agreement=True, agreement_version=current.version, ip="203.0.113.9"
    )
    assert user.email == "new.buyer@example.com"
    assert user.country.code == "US" and user.account_type == "reseller"
    acceptance = AgreementAcceptance.objects.get(user=user)
    assert acceptance.agreement.version == current.version
    assert acceptance.accepted_at is not None and acceptance.ip_address == "203.0.113.9"
    assert set(user.account_events.values_list("kind", flat=True)) == {"registered", "agreement_accepted"}


def test_registration_against_an_outdated_agreement_is_refused():
    old = selectors.agreement_current()
    services.agreement_publish(title="Agreement", body="New terms", actor=None)
    with pytest.raises(ValidationFailed) as caught:
        services.user_register(**GOOD, accept_agreement=True, agreement_version=old.version)
    assert "agreement_version" in fields_of(caught.value)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "password123"}, "password"),
        ({"password": "short"}, "password"),
        ({"country": "XX"}, "country"),
        ({"full_name": "  "}, "full_name"),
        ({"account_type": "admin"}, "account_type"),
    ],
)
def test_registration_names_the_bad_field(change, field):
    with pytest.raises(ValidationFailed) as caught:
        services.user_register(**{**GOOD, **change}, accept_agreement=True)
    assert field in fields_of(caught.value)


def test_email_is_unique_whatever_its_case():
    services.user_register(**GOOD, accept_agreement=True)
    with pytest.raises(ValidationFailed) as caught:
        services.user_register(**{**GOOD, "email": "NEW.BUYER@example.COM"}, accept_agreement=True)
    assert [e.code for e in caught.value.errors] == ["email_taken"]


def test_a_new_agreement_version_must_be_accepted_again(buyer):
    assert selectors.agreement_pending_for(buyer) is None
    new = services.agreement_publish(
        title="Agreement", body="Changed terms", summary_of_changes="x", actor=None
    )
    assert selectors.agreement_pending_for(buyer) == new
    with pytest.raises(ValidationFailed):
        services.agreement_accept(user=buyer, version=new.version - 1)
    services.agreement_accept(user=buyer, version=new.version)
    services.agreement_accept(user=buyer, version=new.version)  # a retry changes nothing
    assert selectors.agreement_pending_for(buyer) is None
    assert AgreementAcceptance.objects.filter(user=buyer, agreement=new).count() == 1


def test_login_throttles_failures_per_account(rf, buyer, settings):
    settings.THROTTLE_LOGIN_PER_ACCOUNT = (3, 900)
    request = rf.post("/")
    for _ in range(3):
        with pytest.raises(ApplicationError) as caught:
            services.user_login_check(request=request, email=buyer.email, password="wrong", ip="198.51.100.1")
        assert caught.value.code == "invalid_credentials"
    # Even the right password is refused now, from another address too.
    with pytest.raises(RateLimited) as caught:
        services.user_login_check(request=request, email=buyer.email, password=PASSWORD, ip="198.51.100.2")
    assert caught.value.retry_after > 0
    assert AccountEvent.objects.filter(user=buyer, kind="login_failed").count() == 3


def test_login_throttles_failures_per_ip_across_accounts(rf, buyer, settings):
    settings.THROTTLE_LOGIN_PER_IP = (4, 900)
    request = rf.post("/")
    for n in range(4):
        with pytest.raises(ApplicationError):
            services.user_login_check(
                request=request, email=f"x{n}@example.com", password="nope", ip="198.51.100.7"
            )
    with pytest.raises(RateLimited):
        services.user_login_check(request=request, email=buyer.email, password=PASSWORD, ip="198.51.100.7")
    # The account itself is not locked for other addresses.
    assert (
        services.user_login_check(request=request, email=buyer.email, password=PASSWORD, ip="198.51.100.8")
        == buyer
    )


def test_successful_login_clears_the_account_counter(rf, buyer, settings):
    settings.THROTTLE_LOGIN_PER_ACCOUNT = (2, 900)
    request = rf.post("/")
    with pytest.raises(ApplicationError):
        services.user_login_check(request=request, email=buyer.email, password="wrong", ip=None)
    services.user_login_check(request=request, email=buyer.email, password=PASSWORD, ip=None)
    with pytest.raises(ApplicationError) as caught:
        services.user_login_check(request=request, email=buyer.email, password="wrong", ip=None)
    assert caught.value.code == "invalid_credentials"


def test_password_reset_mails_a_link_only_to_real_accounts(buyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.password_reset_request(
            email="BUYER@example.com", ip="192.0.2.1", reset_url_for=lambda u, t: f"/r/{u}/{t}/"
        )
        services.password_reset_request(
            email="nobody@example.com", ip="192.0.2.1", reset_url_for=lambda u, t: "/x/"
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [buyer.email]
    assert "/r/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives, "an HTML part is sent too"


def test_password_reset_is_throttled(buyer, settings):
    settings.THROTTLE_RESET_PER_ACCOUNT = (2, 3600)
    for _ in range(2):
        services.password_reset_request(email=buyer.email, ip="192.0.2.1", reset_url_for=lambda u, t: "/")
    with pytest.raises(RateLimited):
        services.password_reset_request(email=buyer.email, ip="192.0.2.99", reset_url_for=lambda u, t: "/")


def test_password_change_checks_the_old_password_and_strength(buyer):
    with pytest.raises(ValidationFailed) as caught:
        services.password_change(user=buyer, old_password="wrong", new_password="another-good-passphrase")
    assert fields_of(caught.value) == {"old_password"}
    with pytest.raises(ValidationFailed) as caught:
        services.password_change(user=buyer, old_password=PASSWORD, new_password="qwertyuiop")
    assert fields_of(caught.value) == {"new_password"}
    services.password_change(user=buyer, old_password=PASSWORD, new_password="another-good-passphrase")
    buyer.refresh_from_db()
    assert buyer.check_password("another-good-passphrase")


ADDRESS = {
    "full_name": "Bea Buyer",
    "line1": "Hauptstr. 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "de",
    "phone": "030 901820",
}


def test_address_phone_is_checked_and_stored_in_e164(buyer):
    address = services.address_create(user=buyer, data=ADDRESS)
    assert address.phone == "+4930901820"
    assert address.country.code == "DE"
    with pytest.raises(ValidationFailed) as caught:
        services.address_create(user=buyer, data={**ADDRESS, "phone": "12"})
    assert fields_of(caught.value) == {"phone"}


def test_address_requires_fields_and_rejects_unknown_ones(buyer):
    with pytest.raises(ValidationFailed) as caught:
        services.address_create(user=buyer, data={"city": "Berlin", "colour": "red"})
    assert {"full_name", "line1", "country", "phone", "colour"} <= fields_of(caught.value)


def test_one_default_address_and_it_moves(buyer):
    first = services.address_create(user=buyer, data=ADDRESS)
    assert first.is_default
    second = services.address_create(user=buyer, data={**ADDRESS, "city": "Hamburg", "is_default": True})
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    services.address_delete(user=buyer, address_id=second.pk)
    first.refresh_from_db()
    assert first.is_default


def test_another_users_address_is_not_found(buyer, other_buyer):
    address = services.address_create(user=buyer, data=ADDRESS)
    with pytest.raises(NotFound):
        selectors.address_get(user=other_buyer, address_id=address.pk)
    with pytest.raises(NotFound):
        services.address_update(user=other_buyer, address_id=address.pk, data=ADDRESS)
    with pytest.raises(NotFound):
        services.address_delete(user=other_buyer, address_id=address.pk)
    assert buyer.addresses.count() == 1


def test_api_tokens_store_only_a_hash_and_can_be_revoked(buyer):
    token, secret = services.token_create(user=buyer, name="ERP sync")
    assert secret.startswith("tp_") and secret not in ApiToken.objects.values_list("key_hash", flat=True)
    assert services.token_authenticate(secret) == buyer
    assert services.token_authenticate(secret + "x") is None
    services.token_revoke(user=buyer, token_id=token.pk)
    assert services.token_authenticate(secret) is None
    with pytest.raises(NotFound):
        services.token_revoke(user=buyer, token_id=token.pk)


def test_a_token_answers_in_one_statement_whether_its_owner_accepted_the_current_agreement(buyer):
    _, secret = services.token_create(user=buyer, name="script")
    with CaptureQueriesContext(connection) as statements:
        assert services.token_authenticate(secret).accepted_current_agreement is True
    assert len(statements) == 2  # the token with the answer, and the once-a-minute last_used_at touch
    services.agreement_publish(title="Agreement", body="Changed", actor=None)
    assert services.token_authenticate(secret).accepted_current_agreement is False
    services.agreement_accept(user=buyer, version=selectors.agreement_current().version)
    assert services.token_authenticate(secret).accepted_current_agreement is True
    UserAgreement.objects.filter(acceptances__isnull=True).delete()
    AgreementAcceptance.objects.all().delete()
    UserAgreement.objects.all().delete()  # no agreement published: nothing to accept
    assert services.token_authenticate(secret).accepted_current_agreement is True


def test_a_token_owner_comes_back_as_the_orm_would_load_the_user(buyer):
    User.objects.filter(pk=buyer.pk).update(last_login=timezone.now(), company="Acme BV")
    token, secret = services.token_create(user=buyer, name="script")
    services.token_authenticate(secret)  # touches last_used_at
    found = selectors.token_owner(services._hash_token(secret))
    loaded = User.objects.get(pk=buyer.pk)
    assert found.token_id == token.pk
    assert found.last_used_at == ApiToken.objects.get(pk=token.pk).last_used_at is not None
    for field in User._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(loaded, field.attname), field.name
    assert found.user.country.code == loaded.country.code and found.user.last_login.tzinfo is not None
    assert not found.user._state.adding and found.user._state.db == "default"


def test_tokens_of_deactivated_users_stop_working(buyer):
    _, secret = services.token_create(user=buyer, name="script")
    User.objects.filter(pk=buyer.pk).update(is_active=False)
    assert services.token_authenticate(secret) is None


def test_staff_desks(buyer):
    admin = make_user("admin@example.com", is_staff=True, is_superuser=True)
    assert user_desks(admin) == set(Desk.values)
    services.staff_set_desks(actor=admin, user=buyer, desks=["sales", "finance"])
    buyer.refresh_from_db()
    assert buyer.is_staff and user_desks(buyer) == {"sales", "finance"}
    assert user_has_desk(buyer, Desk.FINANCE) and not user_has_desk(buyer, Desk.SUPPORT)
    services.staff_set_desks(actor=admin, user=buyer, desks=["support"])
    assert user_desks(buyer) == {"support"}
    event = AccountEvent.objects.filter(user=buyer, kind="desks_changed").first()
    assert event.actor == admin and event.data["after"] == ["support"]
    with pytest.raises(ValidationFailed):
        services.staff_set_desks(actor=admin, user=buyer, desks=["kitchen"])
