from django.urls import path

from tradepost.backoffice import (
    catalog_views,
    invoice_views,
    membership_views,
    order_views,
    payment_views,
    review_views,
    shipping_views,
    views,
)

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("catalog/import/", catalog_views.catalog_upload, name="catalog_import"),
    path("catalog/export.csv", catalog_views.catalog_download, name="catalog_export"),
    path("orders/", order_views.order_list, name="order_list"),
    path("orders/review/", order_views.review_queue_page, name="order_review_queue"),
    path("orders/<str:number>/", order_views.order_detail, name="order_detail"),
    path("orders/<str:number>/invoice.pdf", invoice_views.invoice_download, name="order_invoice_pdf"),
    path("orders/<str:number>/<slug:action>/", order_views.order_act, name="order_act"),
    path("shipping/", shipping_views.queue_page, name="shipping_queue"),
    path("shipping/orders/<str:number>/ship/", shipping_views.ship_order, name="shipping_ship"),
    path("shipping/shipments/", shipping_views.shipments_page, name="shipping_shipments"),
    path(
        "shipping/shipments/<str:number>/delivered/",
        shipping_views.shipment_delivered,
        name="shipping_delivered",
    ),
    path("shipping/stale/", shipping_views.stale_page, name="shipping_stale"),
    path("shipping/tracking/upload/", shipping_views.tracking_upload, name="shipping_tracking_upload"),
    path("shipping/rates/", shipping_views.rates_upload, name="shipping_rates"),
    path("shipping/rates/export.csv", shipping_views.rates_download, name="shipping_rates_export"),
    path("payments/", payment_views.payments_page, name="payments"),
    path("payments/wire/", payment_views.wire_receipt, name="wire_receipt"),
    path("payments/western-union/<int:pk>/confirm/", payment_views.transfer_confirm, name="transfer_confirm"),
    path("payments/western-union/<int:pk>/reject/", payment_views.transfer_reject, name="transfer_reject"),
    path("payments/refunds/<int:pk>/sent/", payment_views.refund_sent, name="refund_sent"),
    path("reviews/", review_views.review_queue, name="review_queue"),
    path("reviews/<int:review_id>/", review_views.review_detail, name="review_detail"),
    path("memberships/", membership_views.membership_list, name="membership_list"),
    path("memberships/<int:pk>/", membership_views.membership_detail, name="membership_detail"),
]
