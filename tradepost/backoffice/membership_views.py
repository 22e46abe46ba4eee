"""Membership desk (finance): every membership with its derived state, and one membership's whole
story: its order, welcome coupons, cancellation calculation, refund and audit trail. Plans are edited in
the admin."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tradepost.accounts.roles import Desk
from tradepost.backoffice.order_views import desk_required
from tradepost.memberships.models import Membership
from tradepost.memberships.selectors import memberships_for_desk, welcome_coupons

PER_PAGE = 50
STATES = ["pending", "active", "upcoming", "expired", "cancelled", "void"]


@require_GET
@desk_required(Desk.FINANCE)
def membership_list(request):
    state = request.GET.get("state", "")
    state = state if state in STATES else ""
    query = request.GET.get("q", "")[:100]
    page = Paginator(memberships_for_desk(state=state, query=query), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "backoffice/memberships/list.html",
        {"page": page, "state": state, "q": query, "states": STATES, "now": timezone.now()},
    )


@require_GET
@desk_required(Desk.FINANCE)
def membership_detail(request, pk: int):
    membership = (
        Membership.objects.select_related("user", "order", "refund", "plan", "cancelled_by")
        .prefetch_related("events__actor")
        .filter(pk=pk)
        .first()
    )
    if membership is None:
        raise Http404
    return render(
        request,
        "backoffice/memberships/detail.html",
        {"m": membership, "coupons": welcome_coupons(membership=membership), "now": timezone.now()},
    )
