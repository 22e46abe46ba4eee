from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tradepost.core"
    label = "core"

    def ready(self) -> None:
        from tradepost.core.background import connect_signals

        connect_signals()
