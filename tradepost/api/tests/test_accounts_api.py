import json

import pytest
from django.test import Client

from tradepost.accounts import services
from tradepost.accounts.selectors import agreement_current
from tradepost.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

API = "/api/v1"
REGISTER = {
    "email": "api.buyer@example.com",
    "password": "a-long-and-unusual-passphrase",
    "full_name": "Api Buyer",
    "country": "FR",
    "accept_agreement": True,
}
ADDRESS = {
    "full_name": "Bea Buyer",
    "line1": "1 Infinite Loop",
    "city": "Cupertino",
    "region": "CA",
    "postal_code": "95014",
    "country": "US",
    "phone": "+1 408 996 1010",
}


def post(client, path, body, **extra):
    return client.post(API + path, data=json.dumps(body), content_type="application/json", **extra)


def assert_problem(response, status: int, *, code: str | None = None, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (
        body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("https://")
    )
    if code:
        assert body["code"] == code
    if field:
        assert field in [error["field"] for error in body.get("errors", [])], body
    return body


def token_for(user) -> dict:
    _, secret = services.token_create(user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_register_requires_the_agreement(client):
    body = assert_problem(
        post(client, "/auth/register", {**REGISTER, "accept_agreement": False}),
        422,
        code="validation_error",
        field="accept_agreement",
    )
    assert "agreement" in body["errors"][0]["message"]


def test_register_then_me(client):
    response = post(client, "/auth/register", {**REGISTER, "agreement_version": agreement_current().version})
    assert response.status_code == 201, response.content
    me = client.get(API + "/me").json()
    assert me["email"] == "api.buyer@example.com" and me["agreement"]["accepted"] is True
    assert me["account_type"] == "buyer"


def test_malformed_json_is_a_400_problem(client):
    response = client.post(API + "/auth/register", data="{not json", content_type="application/json")
    assert_problem(response, 400)


def test_wrong_types_and_unknown_fields_name_the_field(client):
    assert_problem(
        post(client, "/auth/register", {**REGISTER, "accept_agreement": "maybe"}),
        422,
        field="body.accept_agreement",
    )
    body = assert_problem(
        post(client, "/auth/register", {**REGISTER, "is_staff": True}), 422, field="body.is_staff"
    )
    assert any(error["message"] == "Unknown field." for error in body["errors"])
    assert_problem(post(client, "/auth/register", {"email": "a@b.c"}), 422, field="body.password")


def test_login_errors_and_throttle(client, settings):
    make_user("login@example.com")
    settings.THROTTLE_LOGIN_PER_ACCOUNT = (2, 900)
    for _ in range(2):
        assert_problem(
            post(client, "/auth/login", {"email": "login@example.com", "password": "bad"}),
            401,
            code="invalid_credentials",
        )
    response = post(client, "/auth/login", {"email": "login@example.com", "password": PASSWORD})
    assert_problem(response, 429, code="rate_limited")
    assert int(response["Retry-After"]) > 0


def test_login_sets_a_session_and_logout_ends_it(client):
    make_user("login@example.com")
    response = post(client, "/auth/login", {"email": "LOGIN@example.com", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["csrf_token"]
    assert client.get(API + "/me").status_code == 200
    assert post(client, "/auth/logout", {}).status_code == 204
    assert_problem(client.get(API + "/me"), 401, code="not_authenticated")


def test_session_writes_need_the_csrf_token(buyer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    assert post(client, "/me/addresses", ADDRESS).status_code in {401, 403}
    client.get(API + "/me")
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None
    if token is None:
        token = post(Client(), "/auth/login", {"email": buyer.email, "password": PASSWORD}).json()[
            "csrf_token"
        ]
        client = Client(enforce_csrf_checks=True)
        post(client, "/auth/login", {"email": buyer.email, "password": PASSWORD})
        token = client.cookies["csrftoken"].value
    response = post(client, "/me/addresses", ADDRESS, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content


def test_personal_token_authenticates_without_csrf(buyer):
    client = Client(enforce_csrf_checks=True)
    response = post(client, "/me/addresses", ADDRESS, **token_for(buyer))
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+14089961010"
    assert_problem(client.get(API + "/me/addresses", HTTP_AUTHORIZATION="Bearer tp_forged"), 401)


def test_address_book_crud_and_field_errors(client, buyer):
    auth = token_for(buyer)
    created = post(client, "/me/addresses", ADDRESS, **auth).json()
    assert created["is_default"] is True
    listed = client.get(API + "/me/addresses", **auth).json()
    assert [a["id"] for a in listed] == [created["id"]]
    updated = client.put(
        API + f"/me/addresses/{created['id']}",
        data=json.dumps({**ADDRESS, "city": "Palo Alto"}),
        content_type="application/json",
        **auth,
    )
    assert updated.json()["city"] == "Palo Alto"
    assert_problem(post(client, "/me/addresses", {**ADDRESS, "phone": "123"}, **auth), 422, field="phone")
    assert_problem(post(client, "/me/addresses", {**ADDRESS, "country": "ZZ"}, **auth), 422, field="country")
    assert client.delete(API + f"/me/addresses/{created['id']}", **auth).status_code == 204
    assert client.get(API + "/me/addresses", **auth).json() == []


def test_another_buyers_address_is_404_everywhere(client, buyer, other_buyer):
    address = services.address_create(user=buyer, data=ADDRESS)
    intruder = token_for(other_buyer)
    path = f"{API}/me/addresses/{address.pk}"
    assert_problem(client.get(path, **intruder), 404)
    assert_problem(
        client.put(path, data=json.dumps(ADDRESS), content_type="application/json", **intruder), 404
    )
    assert_problem(client.delete(path, **intruder), 404)
    assert buyer.addresses.count() == 1


def test_new_agreement_blocks_the_api_until_accepted(client, buyer):
    auth = token_for(buyer)
    new = services.agreement_publish(title="Agreement", body="Changed", actor=None)
    assert_problem(client.get(API + "/me/addresses", **auth), 403, code="agreement_required")
    me = client.get(API + "/me", **auth).json()
    assert me["agreement"] == {"current_version": new.version, "accepted": False}
    assert client.get(API + "/agreement").json()["version"] == new.version
    assert post(client, "/me/agreement", {"version": new.version}, **auth).status_code == 200
    assert client.get(API + "/me/addresses", **auth).status_code == 200


def test_tokens_api_shows_the_secret_once(client, buyer):
    auth = token_for(buyer)
    created = post(client, "/me/tokens", {"name": "CI"}, **auth)
    assert created.status_code == 201 and created.json()["token"].startswith("tp_")
    listed = client.get(API + "/me/tokens", **auth).json()
    assert {t["name"] for t in listed} == {"tests", "CI"} and all("token" not in t for t in listed)
    assert client.delete(API + f"/me/tokens/{created.json()['id']}", **auth).status_code == 204
    assert_problem(client.get(API + "/me", HTTP_AUTHORIZATION="Bearer " + created.json()["token"]), 401)


def test_password_reset_answers_the_same_for_unknown_accounts(client, buyer):
    known = post(client, "/auth/password-reset", {"email": buyer.email})
    unknown = post(client, "/auth/password-reset", {"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_unknown_api_paths_are_problem_json(client):
    assert_problem(client.get(API + "/no/such/thing"), 404)
    # Served under a script prefix, the API is still told apart by the path after it.
    assert_problem(client.get(API + "/no/such/thing", SCRIPT_NAME="/shop"), 404)


def test_openapi_schema_and_docs(client):
    schema = client.get(API + "/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/auth/register" in schema.json()["paths"]
    assert client.get(API + "/docs").status_code == 200


def test_wrong_method_is_a_problem_with_allow_header(client):
    response = client.delete(API + "/auth/register")
    body = assert_problem(response, 405)
    assert "POST" in response["Allow"] and "POST" in body["detail"]


@pytest.mark.parametrize("bad", ["nul\x00byte", "lone\udc74surrogate"])
def test_text_that_no_database_can_store_is_a_field_error(client, bad):
    body = json.dumps({"email": bad}, ensure_ascii=True)
    response = client.post(API + "/auth/password-reset", data=body, content_type="application/json")
    assert_problem(response, 422, field="body.email")
