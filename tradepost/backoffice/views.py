"""Staff desk pages. Each desk page checks the desk; this index shows the desks a person sits at."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from tradepost.accounts.roles import Desk, user_desks
from tradepost.quotes.selectors import sla_metrics
from tradepost.support.clocks import desk_clocks


@staff_member_required
def home(request):
    mine = user_desks(request.user)
    context = {
        "desks": [desk for desk in Desk if desk.value in mine],
        "quote_sla": sla_metrics(weeks=1) if Desk.SALES in mine else None,
        "clocks": desk_clocks(user=request.user) if mine else [],
    }
    return render(request, "backoffice/home.html", context)
