"""The return address the after-sales desk sends goods back to: optional policy data, validated."""

import pytest
from pydantic import ValidationError

from tradepost.policies.loading import load_preset, preset_names
from tradepost.policies.schema import Returns, StorePolicy


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_stays_valid(name):
    policy = load_preset(name)
    assert StorePolicy.model_validate(policy.model_dump()) == policy


def test_wholesale_names_its_return_address_and_the_others_fall_back_to_the_store_address():
    assert "Kwai Chung" in load_preset("wholesale").returns.return_address
    assert load_preset("components").returns.return_address is None
    assert load_preset("direct").returns.return_address is None


@pytest.mark.parametrize("bad", ["", "   ", "x" * 501])
def test_a_blank_or_overlong_return_address_is_refused(bad):
    base = {"enabled": False, "rma_required": True, "return_shipping_paid_by": "buyer"}
    with pytest.raises(ValidationError) as refused:
        Returns.model_validate({**base, "return_address": bad})
    assert refused.value.errors()[0]["loc"] == ("return_address",)
    assert Returns.model_validate({**base, "return_address": " Unit B\\nHong Kong "}).return_address
