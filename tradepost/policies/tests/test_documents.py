"""Stored documents: a digest that tracks content only, and TOML output that reads back as the same policy."""

import tomllib

import pytest

from tradepost.policies.documents import document_digest, policy_document, to_toml
from tradepost.policies.loading import load_preset, parse_policy


def test_digest_ignores_key_order_but_not_values():
    document = policy_document(load_preset("components"))
    reordered = dict(reversed(list(document.items())))
    assert document_digest(reordered) == document_digest(document)
    changed = {**document, "dispatch": {**document["dispatch"], "max_working_days": 6}}
    assert document_digest(changed) != document_digest(document)
    assert len(document_digest(document)) == 64


@pytest.mark.parametrize("name", ["components", "wholesale", "direct"])
def test_toml_output_reads_back_as_the_same_policy(name):
    policy = load_preset(name)
    assert parse_policy(tomllib.loads(to_toml(policy_document(policy))), "round-trip") == policy


def test_toml_writer_escapes_strings_and_skips_nulls():
    document = {
        "a": 'quote " backslash \\ newline \n tab \t ünïcode',
        "none": None,
        "items": [{"key": "x", "months": None, "lifetime": True}, {"key": "y", "months": 3}],
        "nested": {"empty": {}, "list": [], "spaced key": 1},
    }
    assert tomllib.loads(to_toml(document)) == {
        "a": document["a"],
        "items": [{"key": "x", "lifetime": True}, {"key": "y", "months": 3}],
        "nested": {"empty": {}, "list": [], "spaced key": 1},
    }
