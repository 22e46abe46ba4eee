"""Catalog pages from the shared cache: whole for visitors without a session, all but the header's personal
corner for everyone else.

A visitor with no session cookie (and no pending flash messages) is anonymous, has no cart and sees a
catalog page that depends only on its URL, the catalog and the store policy. Such pages are kept whole.

A signed-in buyer or a visitor with a cart sees the same page with a corner of their own in the header
(cart count, name, sign in or out: storefront/_who.html) and their flash messages. The page's blocks
(`title` and `content`) depend only on the URL, the catalog, the policy and whether someone is signed in
(buyers get an inquiry-cart button), so they are kept per audience, in the frame (storefront/
_cached_page.html) rendered once with a placeholder for the corner; each request renders its corner only.
A request with flash messages to show gets the page rendered afresh, messages and all. A view opts in by
returning a TemplateResponse whose template extends the storefront's base; any other answer is sent as it
is. Staff see products buyers don't, and always get a fresh render.

Keys hold:
- the path and query string (and whether htmx asked for the fragment), and the audience,
- the catalog generation (catalog.freshness: changes after every committed write of what these pages
  show: catalog rows, reviews, and a new policy version, since pages state the store's terms),
- whatever else a page names in `stamp` (the product page: the product's row version and stock, read
  fresh on every request, so stock and status never come from the cache even if a write forgot to bump
  the generation).

Inside the cached HTML, the CSRF token (in forms and in the htmx headers) is per request too.
Pages are rendered with a placeholder in its place (the `store` context processor puts it there when
asked), and the placeholder is replaced with the requester's own token, set as a cookie the usual way, on
every response.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.context import make_context
from django.template.loader import render_to_string
from django.template.loader_tags import BlockNode, ExtendsNode
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe

from tradepost.catalog.freshness import catalog_generation

TTL_SECONDS = 10 * 60  # keys change on every catalog write; this only bounds what an idle entry costs
BASE = "storefront/base.html"
FRAME = "storefront/_cached_page.html"
WHO = "storefront/_who.html"  # the header's personal corner, rendered for each request
WHO_PLACEHOLDER = "who-placeholder-8d2e41"
# Part of every key: a new release that stores entries of another shape never reads an older one's.
ENTRY_VERSION = 2
CACHED_BLOCKS = ("title", "content")
CSRF_PLACEHOLDER = "csrf-token-placeholder-5b1f0c"
_PLACEHOLDER_ATTR = "_pagecache_csrf_placeholder"


def _visitor(request: HttpRequest) -> bool:
    """Whether the request comes from a visitor whose whole page can't differ from anyone else's: no
    session, no pending flash messages."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def csrf_placeholder_context(request: HttpRequest) -> dict:
    """The context-processor part: a placeholder token while a page is rendered for the cache."""
    return {"csrf_token": CSRF_PLACEHOLDER} if getattr(request, _PLACEHOLDER_ATTR, False) else {}


def cached_page(*, page: str, stamp: Callable[..., object] | None = None):
    """Decorate a GET view of a catalog page that depends only on its URL, the catalog, the policy and the
    audience (see the module's docstring).

    `stamp(**view_kwargs)` runs on every request, cached or not: it may raise Http404 and returns
    something whose repr goes into the key.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (
                not getattr(settings, "STOREFRONT_PAGE_CACHE", True)
                or request.method not in ("GET", "HEAD")
                or _staff(request)  # staff see products buyers don't (stamps refuse them): always rendered
            ):
                return _rendered(view(request, *args, **kwargs))
            extra = stamp(**kwargs) if stamp is not None else ""
            setattr(request, _PLACEHOLDER_ATTR, True)
            if _visitor(request):
                return _whole(view, request, args, kwargs, key=_key(page, request, extra, audience="visitor"))
            audience = "signed-in" if request.user.is_authenticated else "session"
            return _framed(view, request, args, kwargs, key=_key(page, request, extra, audience=audience))

        return wrapper

    return decorate


def _whole(view, request: HttpRequest, args, kwargs, *, key: str) -> HttpResponse:
    html = cache.get(key)
    if html is not None:
        return _personal(request, HttpResponse(html))
    response = _rendered(view(request, *args, **kwargs))
    if _shareable(response):
        cache.set(key, response.content.decode(response.charset), TTL_SECONDS)
    return _personal(request, response)


def _framed(view, request: HttpRequest, args, kwargs, *, key: str) -> HttpResponse:
    entry, response = cache.get(key), None
    if entry is None:
        response = view(request, *args, **kwargs)
        blocks = _blocks(response, request) if _shareable(response) else None
        if blocks is None:
            return _personal(request, _rendered(response))
        entry = blocks if "whole" in blocks else {"frame": _frame(request, blocks)}
        cache.set(key, entry, TTL_SECONDS)
    if "whole" in entry:  # an htmx fragment: no frame around it
        return _personal(request, HttpResponse(entry["whole"]))
    if len(get_messages(request)):  # counted, not shown: a page rendered whole shows them and uses them up
        return _personal(request, _rendered(response or view(request, *args, **kwargs)))
    who = render_to_string(WHO, request=request)
    return _personal(request, HttpResponse(entry["frame"].replace(WHO_PLACEHOLDER, who, 1)))


def _frame(request: HttpRequest, blocks: dict[str, str]) -> str:
    """The page for everyone of its audience: its blocks in the frame, with WHO_PLACEHOLDER for the
    header's personal corner and no flash messages."""
    # The blocks are HTML that the page's own template rendered (and escaped) before they were stored.
    safe = {name: mark_safe(html) for name, html in blocks.items()}  # noqa: S308
    context = {"cached_blocks": safe, "frame_for_cache": {"who": WHO_PLACEHOLDER}}
    return render_to_string(FRAME, context, request=request)


def _blocks(response: HttpResponse, request: HttpRequest) -> dict[str, str] | None:
    """The cacheable blocks of a TemplateResponse for an extension of the base template (or, for a
    template that extends nothing, the whole fragment); None for any other response."""
    if not isinstance(response, TemplateResponse):
        return None
    template = response.resolve_template(response.template_name).template
    extends = template.nodelist.get_nodes_by_type(ExtendsNode)
    if not extends:
        return {"whole": response.render().content.decode(response.charset)}
    if extends[0].parent_name.var != BASE:  # blocks of a template in between would be missed
        return None
    blocks = {node.name: node for node in template.nodelist.get_nodes_by_type(BlockNode)}
    context = make_context(response.resolve_context(response.context_data), request)
    with context.bind_template(template):
        return {name: str(blocks[name].render(context)) for name in CACHED_BLOCKS if name in blocks}


def _shareable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies  # a view that set a cookie made the page personal
        and response.get("Content-Type", "").startswith("text/html")
    )


def _rendered(response: HttpResponse) -> HttpResponse:
    return response.render() if isinstance(response, TemplateResponse) else response


def _staff(request: HttpRequest) -> bool:
    """Whether a staff member is signed in; a request without a session cookie is never staff's, and is
    answered without reading a session."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_staff


def _key(page: str, request: HttpRequest, extra: object, *, audience: str) -> str:
    parts = "|".join(
        (
            request.get_full_path(),
            "htmx" if request.headers.get("HX-Request") == "true" else "",
            audience,
            str(catalog_generation()),
            repr(extra),
        )
    )
    return f"page{ENTRY_VERSION}:{page}:{hashlib.blake2b(parts.encode(), digest_size=20).hexdigest()}"


def _personal(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Put the visitor's own CSRF token where the placeholder is."""
    if response.status_code == 200 and not response.streaming:
        content = response.content
        placeholder = CSRF_PLACEHOLDER.encode()
        if placeholder in content:
            response.content = content.replace(placeholder, get_token(request).encode())
    return response
