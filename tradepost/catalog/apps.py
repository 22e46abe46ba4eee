from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "tradepost.catalog"
    label = "catalog"

    def ready(self) -> None:
        from tradepost.catalog import models
        from tradepost.catalog.freshness import connect_signals

        # Everything a catalog page shows of a product, its category and its specs.
        connect_signals(
            models.Manufacturer,
            models.Category,
            models.SpecAttribute,
            models.Product,
            models.PriceBreak,
            models.ProductSpec,
            models.ProductImage,
        )
