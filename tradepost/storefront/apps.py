from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "tradepost.storefront"
    label = "storefront"

    def ready(self) -> None:
        from tradepost.catalog.freshness import connect_signals
        from tradepost.policies.models import PolicyVersion

        # Cached catalog pages state the store's terms (pagecache.py): a new policy version makes them stale.
        connect_signals(PolicyVersion)
