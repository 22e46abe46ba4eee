from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "tradepost.storefront"
    label = "storefront"
