from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "tradepost.quotes"
    label = "quotes"
    verbose_name = "Inquiries and quotations"
