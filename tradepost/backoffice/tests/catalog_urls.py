"""Test-only URLs: the staff desk with the catalog pages, until tradepost/backoffice/urls.py has them."""

from django.urls import include, path

from tradepost.backoffice import catalog_views, views

backoffice = [
    path("", views.home, name="home"),
    path("catalog/import/", catalog_views.catalog_upload, name="catalog_import"),
    path("catalog/export.csv", catalog_views.catalog_download, name="catalog_export"),
]
urlpatterns = [
    path("desk/", include((backoffice, "backoffice"))),
    path("", include("tradepost.storefront.urls")),
]
