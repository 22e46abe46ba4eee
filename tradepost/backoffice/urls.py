from django.urls import path

from tradepost.backoffice import catalog_views, order_views, payment_views, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("catalog/import/", catalog_views.catalog_upload, name="catalog_import"),
    path("catalog/export.csv", catalog_views.catalog_download, name="catalog_export"),
    path("orders/", order_views.order_list, name="order_list"),
    path("orders/review/", order_views.review_queue_page, name="order_review_queue"),
    path("orders/<str:number>/", order_views.order_detail, name="order_detail"),
    path("orders/<str:number>/<slug:action>/", order_views.order_act, name="order_act"),
    path("payments/", payment_views.payments_page, name="payments"),
    path("payments/wire/", payment_views.wire_receipt, name="wire_receipt"),
    path("payments/western-union/<int:pk>/confirm/", payment_views.transfer_confirm, name="transfer_confirm"),
    path("payments/western-union/<int:pk>/reject/", payment_views.transfer_reject, name="transfer_reject"),
    path("payments/refunds/<int:pk>/sent/", payment_views.refund_sent, name="refund_sent"),
]
