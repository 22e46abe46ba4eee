from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "tradepost.shipping"
    label = "shipping"
