"""Whole catalog pages from the shared cache, for visitors without a session.

A visitor with no session cookie (and no pending flash messages) is anonymous, has no cart and sees a
catalog page that depends only on its URL, the catalog and the store policy. Such pages are kept whole in
the shared cache, keyed on:

- the path and query string (and whether htmx asked for the fragment),
- the catalog generation (catalog.freshness: changes after every committed write of what these pages
  show: catalog rows, reviews, and a new policy version, since pages state the store's terms),
- whatever else a page names in `stamp` (the product page: the product's row version and stock, read
  fresh on every request, so stock and status never come from the cache even if a write forgot to bump
  the generation).

The one per-visitor part of such a page is the CSRF token (in forms and in the htmx headers). Pages are
rendered with a placeholder in its place (the `store` context processor puts it there when asked), and the
placeholder is replaced with the visitor's own token, set as a cookie the usual way, on every response.

Signed-in buyers, staff and visitors with a cart have a session cookie and always get a fresh render.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from tradepost.catalog.freshness import catalog_generation

TTL_SECONDS = 10 * 60  # keys change on every catalog write; this only bounds what an idle entry costs
CSRF_PLACEHOLDER = "csrf-token-placeholder-5b1f0c"
_PLACEHOLDER_ATTR = "_pagecache_csrf_placeholder"


def visitor_cacheable(request: HttpRequest) -> bool:
    """Whether the request is a plain read by a visitor whose page can't differ from anyone else's."""
    return (
        getattr(settings, "STOREFRONT_PAGE_CACHE", True)
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def csrf_placeholder_context(request: HttpRequest) -> dict:
    """The context-processor part: a placeholder token while a page is rendered for the cache."""
    return {"csrf_token": CSRF_PLACEHOLDER} if getattr(request, _PLACEHOLDER_ATTR, False) else {}


def cached_for_visitors(*, page: str, stamp: Callable[..., object] | None = None):
    """Decorate a GET view whose whole page may be shared by visitors without a session.

    `stamp(**view_kwargs)` runs on every request, cached or not: it may raise Http404 and returns
    something whose repr goes into the key.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not visitor_cacheable(request):
                return view(request, *args, **kwargs)
            extra = stamp(**kwargs) if stamp is not None else ""
            key = _key(page, request, extra)
            html = cache.get(key)
            if html is not None:
                return _personal(request, HttpResponse(html))
            setattr(request, _PLACEHOLDER_ATTR, True)
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.streaming
                and not response.cookies  # a view that set a cookie made the page personal
                and response.get("Content-Type", "").startswith("text/html")
            ):
                cache.set(key, response.content.decode(response.charset), TTL_SECONDS)
            return _personal(request, response)

        return wrapper

    return decorate


def _key(page: str, request: HttpRequest, extra: object) -> str:
    parts = "|".join(
        (
            request.get_full_path(),
            "htmx" if request.headers.get("HX-Request") == "true" else "",
            str(catalog_generation()),
            repr(extra),
        )
    )
    return f"page:{page}:{hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()}"


def _personal(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Put the visitor's own CSRF token where the placeholder is."""
    if response.status_code == 200 and not response.streaming:
        content = response.content
        placeholder = CSRF_PLACEHOLDER.encode()
        if placeholder in content:
            response.content = content.replace(placeholder, get_token(request).encode())
    return response
