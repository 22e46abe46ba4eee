"""GET /policy and /policy/versions/{number}, public and read-only."""

import pytest

from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate

pytestmark = pytest.mark.django_db


def activate(name):
    return policy_activate(policy=load_preset(name), source=f"{name}.toml")[0]


def test_active_policy(client):
    activate("components")
    version = activate("direct")
    response = client.get("/api/v1/policy")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    assert body["digest"] == version.digest
    assert body["activated_at"].startswith(version.created_at.date().isoformat())
    assert body["policy"]["dispatch"] == {
        "min_working_days": 1,
        "max_working_days": 3,
        "counted_from": "review_approval",
    }
    assert body["policy"]["store"]["working_hours"] == {"start": "09:00", "end": "18:00"}


def test_an_old_version_keeps_its_rules(client):
    activate("components")
    activate("direct")
    body = client.get("/api/v1/policy/versions/1").json()
    assert body["version"] == 1
    assert body["policy"]["quotes"]["sla_hours"] == 12
    assert body["policy"]["quality_guarantee"]["member_days"] == 100


def test_missing_version_is_a_problem_404(client):
    activate("components")
    response = client.get("/api/v1/policy/versions/5")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    assert "Policy version 5 does not exist" in response.json()["detail"]


@pytest.mark.parametrize("number", [0, 2**31, 10**20])
def test_out_of_range_version_is_a_404_not_a_database_error(client, number):
    activate("components")
    assert client.get(f"/api/v1/policy/versions/{number}").status_code == 404


def test_no_active_policy_is_a_problem_404(client):
    response = client.get("/api/v1/policy")
    assert response.status_code == 404
    assert "No store policy is active yet" in response.json()["detail"]


def test_openapi_documents_the_policy_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/policy" in schema["paths"]
    assert "StorePolicy" in schema["components"]["schemas"]
