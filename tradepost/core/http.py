"""Request helpers shared by the storefront and the API."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The client address, trusting only NUM_PROXIES hops of X-Forwarded-For."""
    hops = settings.NUM_PROXIES
    if hops:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None
