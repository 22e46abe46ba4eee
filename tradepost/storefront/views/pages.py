"""Home and the policy pages, rendered from the active policy so they never disagree with what is enforced."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django_countries import countries

from tradepost.storefront.policy import active_policy


def _active(request):
    active = active_policy(request)
    if active is None:
        raise Http404("No store policy is active yet.")
    return active


def _days(low: int, high: int) -> str:
    return f"{low}" if low == high else f"{low}–{high}"


def _promises(policy) -> list[dict]:
    promises = []
    dispatch = policy.dispatch
    after = "payment" if dispatch.counted_from == "payment" else "order review"
    promises.append(
        {
            "title": "Dispatch",
            "text": f"Your order leaves our warehouse within "
            f"{_days(dispatch.min_working_days, dispatch.max_working_days)} working days after {after}.",
            "url": reverse("storefront:policy_shipping"),
        }
    )
    shipping = policy.shipping
    if shipping.free_shipping:
        text = "Free shipping worldwide" + (
            ", duties and taxes paid by us." if shipping.duties == "DDP" else "."
        )
    else:
        text = "Choose a carrier for your area at checkout" + (
            "; import duties are paid by you on delivery." if shipping.duties == "DAP" else "."
        )
    promises.append({"title": "Shipping", "text": text, "url": reverse("storefront:policy_shipping")})
    if policy.quality_guarantee.enabled:
        qg = policy.quality_guarantee
        member = (
            f" ({policy.membership.name} members: {qg.member_days} days)" if policy.membership.enabled else ""
        )
        promises.append(
            {
                "title": "Quality guarantee",
                "text": f"{qg.days} days{member}.",
                "url": reverse("storefront:policy_guarantee"),
            }
        )
    if policy.money_back.enabled:
        promises.append(
            {
                "title": "Money back",
                "text": f"{policy.money_back.days} days from the first shipment.",
                "url": reverse("storefront:policy_returns"),
            }
        )
    if policy.returns.enabled:
        promises.append(
            {
                "title": "Returns",
                "text": f"{policy.returns.days}-day returns.",
                "url": reverse("storefront:policy_returns"),
            }
        )
    if policy.warranty.enabled:
        promises.append(
            {
                "title": "Warranty",
                "text": "Warranty on every product, by category.",
                "url": reverse("storefront:policy_warranty"),
            }
        )
    if policy.quotes.enabled:
        promises.append(
            {
                "title": "Quotations",
                "text": f"Ask for a quote; we answer within {policy.quotes.sla_hours} hours.",
                "url": reverse("storefront:policy_payment"),
            }
        )
    return promises


def home(request):
    active = active_policy(request)
    return render(request, "storefront/home.html", {"promises": _promises(active.policy) if active else []})


def _policy_page(request, template: str, **extra):
    active = _active(request)
    country = dict(countries).get(
        active.policy.store.warehouse_country, active.policy.store.warehouse_country
    )
    return render(
        request,
        template,
        {"policy": active.policy, "version": active.version, "warehouse_country": country, **extra},
    )


def policy_shipping(request):
    return _policy_page(request, "storefront/policies/shipping.html")


def policy_payment(request):
    return _policy_page(request, "storefront/policies/payment.html")


def policy_returns(request):
    return _policy_page(request, "storefront/policies/returns.html")


def policy_warranty(request):
    active = _active(request)
    if not active.policy.warranty.enabled:
        raise Http404("This store has no warranty table.")
    return _policy_page(request, "storefront/policies/warranty.html")


def policy_guarantee(request):
    active = _active(request)
    if not active.policy.quality_guarantee.enabled:
        raise Http404("This store offers no quality guarantee.")
    return _policy_page(request, "storefront/policies/guarantee.html")
