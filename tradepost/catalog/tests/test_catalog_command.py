"""`tradepost catalog import|export|generate` as an operator uses it."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tradepost.catalog.models import Category, Product
from tradepost.catalog.tests.test_import import GOOD, csv_text, make_taxonomy
from tradepost.policies.loading import load_preset
from tradepost.policies.services import policy_activate

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fail(*args) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("catalog", *args, stdout=out, stderr=err)
    return str(raised.value), out.getvalue(), err.getvalue()


@pytest.fixture
def products_csv(tmp_path):
    make_taxonomy()

    def write(*rows: dict) -> str:
        path = tmp_path / "products.csv"
        path.write_text(csv_text(*rows), encoding="utf-8")
        return str(path)

    return write


def test_import_prints_the_summary_and_exits_cleanly(products_csv):
    path = products_csv(GOOD, {**GOOD, "sku": "YAG-10K-R"})
    out, err = run("import", path)
    assert out.startswith(f"{path}: 2 rows in ")
    assert out.rstrip().endswith("2 created, 0 updated, 0 failed.")
    assert err == "" and Product.objects.count() == 2


def test_import_with_bad_rows_lists_them_and_fails(products_csv, tmp_path):
    path = products_csv(
        GOOD, {**GOOD, "sku": "B-1", "price_breaks": "1:0.5|10:0.9"}, {**GOOD, "sku": "B-2", "moq": "0"}
    )
    report = tmp_path / "errors.csv"

    message, out, err = fail("import", path, "--errors-csv", str(report))

    assert message == "2 of 3 rows were not imported."
    assert "1 created, 0 updated, 2 failed." in out
    assert err.splitlines() == [
        "row 3, column price_breaks: The unit price rises from 0.5 (1+) to 0.9 (10+).",
        "row 4, column moq: Must be at least 1.",
    ]
    with open(report, newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["row", "column", "message"],
            ["3", "price_breaks", "The unit price rises from 0.5 (1+) to 0.9 (10+)."],
            ["4", "moq", "Must be at least 1."],
        ]
    assert Product.objects.count() == 1


def test_import_shows_the_first_errors_and_counts_the_rest(products_csv):
    path = products_csv(*[{**GOOD, "sku": f"B-{n}", "stock": "-1"} for n in range(5)])
    _, _, err = fail("import", path, "--show-errors", "2")
    assert err.splitlines()[2:] == ["... and 3 more errors (use --errors-csv FILE to see them all)."]


def test_import_of_a_file_that_cannot_be_read_fails_with_the_reason(tmp_path):
    message, _, err = fail("import", str(tmp_path / "missing.csv"))
    assert message == "The file was not imported."
    assert err.startswith("file: Cannot read ") and "No such file or directory" in err

    bad = tmp_path / "bad.csv"
    bad.write_text("sku,colour\r\n", encoding="utf-8")
    _, _, err = fail("import", str(bad))
    assert err.startswith("row 1: Unknown columns: colour.")


def test_import_draws_a_progress_bar_when_asked(products_csv):
    path = products_csv(*[{**GOOD, "sku": f"P-{n}"} for n in range(3)])
    _, err = run("import", path, "--progress", "--batch-size", "2")
    assert f"[{'#' * 20}{' ' * 10}]  66% 2/3 rows" in err
    assert f"[{'#' * 30}] 100% 3/3 rows" in err and err.endswith("\n")


def test_export_to_a_file_and_to_standard_output(products_csv, tmp_path):
    call_command("catalog", "import", products_csv(GOOD), stdout=StringIO())
    target = tmp_path / "out.csv"

    out, _ = run("export", str(target))
    assert out.startswith(f"Exported 1 product to {target} in ")
    written = target.read_bytes().decode("utf-8")
    assert written.startswith("sku,mpn,manufacturer,") and "YAG-10K" in written

    out, err = run("export", "-")
    assert out == written
    assert err.startswith("Exported 1 product in ")


def test_generate_uses_the_active_policys_preset():
    out, _ = run("generate", "--parts", "30")
    assert out.startswith("Generated 30 components products (seed 1) and saved them in ")
    assert Product.objects.filter(mpn="LM317T").exists()

    Product.objects.all().delete()
    policy_activate(policy=load_preset("wholesale"), source="wholesale.toml")
    out, _ = run("generate", "--parts", "30", "--seed", "4")
    assert out.startswith("Generated 30 wholesale products (seed 4)")
    assert Product.objects.filter(category__slug="rugged-phones").exists()


def test_generate_a_csv_prepares_the_taxonomy_so_the_file_imports(tmp_path):
    target = tmp_path / "demo.csv"
    out, _ = run("generate", "--parts", "50", "--preset", "direct", "--csv", str(target))
    assert out.startswith(f"Generated 50 direct products (seed 1) and wrote them to {target}")
    assert not Product.objects.exists() and Category.objects.filter(slug="smartphones").exists()
    assert len(list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))) == 50

    out, _ = run("import", str(target))
    assert "50 created" in out


def test_generate_refuses_a_negative_count():
    message, _, _ = fail("generate", "--parts", "-1")
    assert message == "--parts can't be negative."
