"""The REST API at /api/v1: one NinjaAPI, one router module per app, problem JSON for every error."""

from ninja import NinjaAPI

from tradepost.api import errors
from tradepost.api.accounts import router as accounts_router
from tradepost.api.aftersales import router as aftersales_router
from tradepost.api.cart import router as cart_router
from tradepost.api.catalog import router as catalog_router
from tradepost.api.invoices import router as invoices_router
from tradepost.api.memberships import router as memberships_router
from tradepost.api.orders import router as orders_router
from tradepost.api.payments import router as payments_router
from tradepost.api.policies import router as policies_router
from tradepost.api.promotions import router as promotions_router
from tradepost.api.quotes import router as quotes_router
from tradepost.api.renderers import Renderer
from tradepost.api.reviews import router as reviews_router
from tradepost.api.shipping import router as shipping_router
from tradepost.api.support import router as support_router

api = NinjaAPI(
    title="Tradepost API",
    version="1",
    description=(
        "Cross-border commerce. Authenticate with the session cookie (send X-CSRFToken on writes) "
        "or a personal token: `Authorization: Bearer tp_...`. Errors are RFC 9457 problem JSON."
    ),
    urls_namespace="api",
    renderer=Renderer(),
)
errors.install(api)
# Django tries the routes in this order, so the busiest (catalog browse and search) come first.
api.add_router("", catalog_router)
api.add_router("", accounts_router)
api.add_router("", policies_router)
api.add_router("", cart_router)
api.add_router("", orders_router)
api.add_router("", payments_router)
api.add_router("", invoices_router)
api.add_router("", shipping_router)
api.add_router("", promotions_router)
api.add_router("", reviews_router)
api.add_router("", aftersales_router)
api.add_router("", memberships_router)
api.add_router("", quotes_router)
api.add_router("", support_router)
