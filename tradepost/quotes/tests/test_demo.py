from io import StringIO

import pytest
from django.core.management import call_command

from tradepost.quotes.models import Inquiry, SpecTemplate

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("demo", *args, "--parts", "40", stdout=out)
    return out.getvalue()


def test_components_demo_fills_the_quote_desk_once():
    run("--preset", "components")
    assert SpecTemplate.objects.get().category.slug == "cable-assemblies"
    kinds = dict(Inquiry.objects.values_list("kind", "status"))
    assert kinds == {"inquiry_cart": "received", "unlisted_part": "quoted", "customized": "received"}
    run("--preset", "components")
    assert Inquiry.objects.count() == 3


def test_a_store_without_quotations_gets_no_inquiries():
    run("--preset", "direct")
    assert not Inquiry.objects.exists()
