"""Middleware for the pages (storefront, desk, admin) that the API does without."""

from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's flash messages, set up for pages only: an API request shows none and adds none, so it is
    answered without building their storage (a cookie signer and the session's)."""

    def process_request(self, request):
        if not request.path_info.startswith("/api/"):
            super().process_request(request)
