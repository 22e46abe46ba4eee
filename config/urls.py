from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tradepost.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("desk/", include("tradepost.backoffice.urls")),
    path("", include("tradepost.storefront.urls")),
]

handler404 = "tradepost.storefront.views.errors.page_not_found"
handler500 = "tradepost.storefront.views.errors.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
