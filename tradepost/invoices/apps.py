from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "tradepost.invoices"
    label = "invoices"
