from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "tradepost.cart"
    label = "cart"
