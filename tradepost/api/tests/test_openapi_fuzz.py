"""Schemathesis drives every operation in our OpenAPI with generated input: no 500s, documented shapes."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.wsgi import application
from tradepost.accounts.services import token_create
from tradepost.conftest import make_user
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_test_connection_open():
    # Calling the WSGI app in-process fires request_finished, which would close the test's DB connection;
    # Django's own test client disconnects the same handler for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth_header(db):
    policy_activate(policy=load_preset("components"), source="test")
    user = make_user("fuzz@example.com")
    _, secret = token_create(user=user, name="fuzz")
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_generated_input(case, auth_header):
    response = case.call(headers=auth_header)
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        headers = {key.lower(): value for key, value in response.headers.items()}
        content_type = headers.get("content-type", "")
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), (
            case.method,
            case.path,
            response.status_code,
            response.text[:300],
        )
