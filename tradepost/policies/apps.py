from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "tradepost.policies"
    label = "policies"
