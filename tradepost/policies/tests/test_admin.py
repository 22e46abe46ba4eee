"""The admin shows versions but never lets anyone add, change or delete one."""

import pytest
from django.urls import reverse

from tradepost.accounts.models import AgreementAcceptance, User, UserAgreement
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser(
        "root@example.com", "x-long-password-1", full_name="Root", country="HK"
    )
    # Staff pass the agreement gate like everyone else; accept whatever versions the migrations seeded.
    for agreement in UserAgreement.objects.all():
        AgreementAcceptance.objects.create(user=user, agreement=agreement)
    client.force_login(user)
    return client


def test_list_and_detail_are_readable(admin_client):
    first, _ = policy_activate(policy=load_preset("components"), source="components.toml")
    second, _ = policy_activate(policy=load_preset("direct"), source="direct.toml")
    listing = admin_client.get(reverse("admin:policies_policyversion_changelist"))
    assert listing.status_code == 200
    assert first.digest[:12].encode() in listing.content
    assert second.digest[:12].encode() in listing.content
    assert listing.content.count(b'alt="True"') == 1  # only the active version is marked
    detail = admin_client.get(reverse("admin:policies_policyversion_change", args=[first.pk]))
    assert detail.status_code == 200
    assert b"<pre>" in detail.content and b"&quot;sla_hours&quot;: 12" in detail.content


def test_add_change_and_delete_are_refused(admin_client):
    version, _ = policy_activate(policy=load_preset("components"), source="components.toml")
    assert admin_client.get(reverse("admin:policies_policyversion_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:policies_policyversion_delete", args=[version.pk])).status_code == 403
    )
    response = admin_client.post(
        reverse("admin:policies_policyversion_change", args=[version.pk]), {"note": "edited"}
    )
    assert response.status_code == 403
