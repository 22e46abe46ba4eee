from django.urls import path

from tradepost.backoffice import catalog_views, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("catalog/import/", catalog_views.catalog_upload, name="catalog_import"),
    path("catalog/export.csv", catalog_views.catalog_download, name="catalog_export"),
]
