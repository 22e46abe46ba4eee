"""`tradepost policy ...` as an operator uses it."""

import json
import tomllib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tradepost.policies.documents import policy_document
from tradepost.policies.loading import load_preset, parse_policy
from tradepost.policies.models import PolicyVersion

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("policy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_validate_accepts_every_preset_and_a_file(broken_preset):
    path = broken_preset("direct", ("\ndays = 60", "\ndays = 45"))
    out, _ = run("validate", "components", "wholesale", "direct", str(path))
    assert out.splitlines() == ["OK components.toml", "OK wholesale.toml", "OK direct.toml", f"OK {path}"]


def test_validate_fails_naming_file_and_field(broken_preset):
    bad = broken_preset("wholesale", ('default_class = "other"', 'default_class = "misc"'))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of 2 policies are not valid"):
        call_command("policy", "validate", "components", str(bad), stdout=out, stderr=err)
    assert out.getvalue().splitlines() == ["OK components.toml"]
    assert f"{bad}: warranty.default_class: 'misc' is not a class key" in err.getvalue()


def test_validate_unknown_preset_lists_the_real_ones():
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("policy", "validate", "bazaar", stdout=StringIO(), stderr=err)
    assert "available presets: components, direct, wholesale" in err.getvalue()


def test_activate_preset_then_unchanged_then_file(broken_preset):
    assert run("activate", "--preset", "components", "--note", "launch")[0] == "activated version 1\n"
    assert run("activate", "--preset", "components")[0] == "unchanged: version 1 is already this policy\n"
    path = broken_preset("direct", filename="direct-2025.toml")
    assert run("activate", str(path))[0] == "activated version 2\n"
    first, second = PolicyVersion.objects.order_by("number")
    assert (first.source, first.note, second.source) == ("components.toml", "launch", "direct-2025.toml")


def test_activate_invalid_file_fails_and_creates_nothing(broken_preset):
    bad = broken_preset("components", ("member_days = 100", "member_days = 10"))
    with pytest.raises(
        CommandError, match=r"components.toml: quality_guarantee.member_days: Must be at least"
    ):
        run("activate", str(bad))
    assert not PolicyVersion.objects.exists()


def test_show_prints_header_and_toml_of_the_active_version():
    run("activate", "--preset", "components")
    run("activate", "--preset", "wholesale")
    version = PolicyVersion.objects.get(number=2)
    out, _ = run("show")
    header = [line for line in out.splitlines() if line.startswith("#")]
    assert header[0] == "# Store policy version 2 (active)"
    assert "# preset: wholesale   source: wholesale.toml" in header
    assert f"# digest: sha256:{version.digest}" in header
    assert any(line.startswith("# created: ") and line.endswith("by command line") for line in header)
    # The whole output, header included, is a valid policy file again.
    assert parse_policy(tomllib.loads(out), "show") == load_preset("wholesale")


def test_show_an_older_version_as_json():
    run("activate", "--preset", "components")
    run("activate", "--preset", "direct")
    out, _ = run("show", "--version", "1", "--format", "json")
    shown = json.loads(out)
    assert (shown["version"], shown["active"], shown["preset"]) == (1, False, "components")
    assert shown["digest"] == PolicyVersion.objects.get(number=1).digest
    assert shown["policy"] == policy_document(load_preset("components"))


def test_show_without_any_version_or_with_a_missing_one():
    with pytest.raises(CommandError, match="No store policy is active yet"):
        run("show")
    run("activate", "--preset", "direct")
    with pytest.raises(CommandError, match="Policy version 9 does not exist"):
        run("show", "--version", "9")


def test_list_marks_the_active_version():
    assert run("list")[0] == "No policy versions yet.\n"
    run("activate", "--preset", "components", "--note", "launch")
    run("activate", "--preset", "direct")
    lines = run("list")[0].splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("* v2") and "direct" in lines[0]
    assert lines[1].startswith("  v1") and lines[1].endswith("launch")


def test_activate_records_the_staff_member_given_with_by():
    from tradepost.conftest import make_user

    staff = make_user("ops@example.com", is_staff=True)
    make_user("buyer@example.com")
    with pytest.raises(CommandError, match="--by"):
        run("activate", "--preset", "direct", "--by", "buyer@example.com")
    assert not PolicyVersion.objects.exists()
    run("activate", "--preset", "direct", "--by", "OPS@example.com", "--note", "launch")
    version = PolicyVersion.objects.get()
    assert version.created_by == staff and version.note == "launch"
