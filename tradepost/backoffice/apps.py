from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "tradepost.backoffice"
    label = "backoffice"
