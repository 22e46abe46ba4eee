from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tradepost.reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from tradepost.catalog.freshness import connect_signals
        from tradepost.reviews.models import Review

        connect_signals(Review)  # product pages show published reviews
