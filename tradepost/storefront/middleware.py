"""Middleware for the pages (storefront, desk, admin) that the API does without."""

from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware

from tradepost.api.paths import is_api


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's flash messages, set up for pages only: an API request shows none and adds none, so it is
    answered without building their storage (a cookie signer and the session's)."""

    def process_request(self, request):
        if not is_api(request):
            super().process_request(request)
