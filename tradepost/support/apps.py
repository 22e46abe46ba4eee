from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "tradepost.support"
    label = "support"
    verbose_name = "Customer support"
