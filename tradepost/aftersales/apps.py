from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "tradepost.aftersales"
    label = "aftersales"
    verbose_name = "After-sales"
