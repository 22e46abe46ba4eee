"""Catalog desk: the fulfilment desk uploads a product CSV, reads the report and downloads the catalog."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tradepost.accounts.services import staff_set_desks
from tradepost.backoffice import catalog_views
from tradepost.catalog.models import Product
from tradepost.catalog.tests.test_import import GOOD, csv_text, make_taxonomy
from tradepost.conftest import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tradepost.backoffice.tests.catalog_urls")]

IMPORT, EXPORT = "/desk/catalog/import/", "/desk/catalog/export.csv"


def staff(email: str, desks: list[str], **fields):
    user = make_user(email, is_staff=True, **fields)
    if desks:
        staff_set_desks(actor=user, user=user, desks=desks)
    return user


@pytest.fixture
def fulfilment(client):
    make_taxonomy()
    client.force_login(staff("ful@example.com", ["fulfilment"]))
    return client


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


@pytest.mark.parametrize("who", ["anonymous", "buyer", "staff without a desk", "sales desk"])
@pytest.mark.parametrize("url", [IMPORT, EXPORT])
def test_only_the_fulfilment_desk_finds_the_catalog_pages(client, who, url):
    if who == "buyer":
        client.force_login(make_user())
    elif who == "staff without a desk":
        client.force_login(staff("staff@example.com", []))
    elif who == "sales desk":
        client.force_login(staff("sales@example.com", ["sales"]))
    assert client.get(url).status_code == 404
    assert client.post(IMPORT, {"file": upload("a.csv", csv_text(GOOD))}).status_code == 404
    assert not Product.objects.exists()


def test_fulfilment_staff_and_superusers_get_the_upload_form(fulfilment, client):
    response = fulfilment.get(IMPORT)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page and 'accept=".csv,text/csv"' in page
    assert "Required columns: sku, mpn, manufacturer, category, title, price_breaks." in page
    assert 'href="/desk/catalog/export.csv"' in page

    client.force_login(make_user("root@example.com", is_staff=True, is_superuser=True))
    assert client.get(IMPORT).status_code == 200


def test_an_upload_imports_and_reports_each_bad_row(fulfilment):
    rows = [
        GOOD,
        {**GOOD, "sku": "B-1", "price_breaks": "1:0.5|10:0.9"},
        {**GOOD, "sku": "B-2", "specs": "colour=red"},
    ]
    response = fulfilment.post(IMPORT, {"file": upload("parts.csv", csv_text(*rows))})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Import of parts.csv" in page
    assert "1 created" in page and "0 updated" in page and "2 failed" in page
    assert "<td>3</td><td>price_breaks</td><td>The unit price rises from 0.5 (1+) to 0.9 (10+).</td>" in page
    assert "<td>4</td><td>specs</td><td>Unknown specification &#x27;colour&#x27;.</td>" in page
    assert list(Product.objects.values_list("sku", flat=True)) == ["YAG-10K"]


def test_a_file_level_problem_is_shown_as_such(fulfilment):
    response = fulfilment.post(IMPORT, {"file": upload("parts.csv", "sku,colour\r\n")})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td>1</td><td>—</td><td>Unknown columns: colour." in page


def test_a_clean_upload_says_every_row_was_saved(fulfilment):
    response = fulfilment.post(IMPORT, {"file": upload("parts.csv", csv_text(GOOD))})
    assert "Every row was saved." in response.content.decode()
    assert Product.objects.get().sku == "YAG-10K"


def test_only_csv_files_within_the_size_limit_are_accepted(fulfilment, monkeypatch):
    response = fulfilment.post(IMPORT, {"file": upload("parts.xlsx", csv_text(GOOD))})
    assert response.status_code == 400 and "Choose a .csv file." in response.content.decode()

    monkeypatch.setattr(catalog_views, "MAX_UPLOAD_BYTES", 100)
    response = fulfilment.post(IMPORT, {"file": upload("parts.csv", csv_text(GOOD))})
    assert (
        response.status_code == 400 and "The file is larger than 100\xa0bytes." in response.content.decode()
    )

    # A body far over the limit is refused from its announced length, before the upload is read.
    monkeypatch.setattr(catalog_views, "MAX_UPLOAD_BYTES", 10)
    response = fulfilment.post(IMPORT, {"file": upload("parts.csv", "x" * 70_000)})
    assert response.status_code == 400 and "The file is larger than 10\xa0bytes." in response.content.decode()

    response = fulfilment.post(IMPORT, {})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not Product.objects.exists()


def test_the_export_downloads_the_catalog_as_csv(fulfilment):
    fulfilment.post(IMPORT, {"file": upload("parts.csv", csv_text(GOOD))})
    response = fulfilment.get(EXPORT)

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="catalog-')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffsku,mpn,manufacturer,")
    assert "YAG-10K,RC0603FR-0710KL,Yageo,resistors," in body


def test_a_downloaded_catalog_uploads_again_unchanged(fulfilment):
    fulfilment.post(IMPORT, {"file": upload("parts.csv", csv_text(GOOD))})
    body = b"".join(fulfilment.get(EXPORT).streaming_content)

    response = fulfilment.post(IMPORT, {"file": SimpleUploadedFile("catalog.csv", body)})

    page = response.content.decode()
    assert "0 created" in page and "1 updated" in page and "Every row was saved." in page
