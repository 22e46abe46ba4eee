"""Staff desk pages. Each desk page checks the desk; this index shows the desks a person sits at."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from tradepost.accounts.roles import Desk, user_desks


@staff_member_required
def home(request):
    mine = user_desks(request.user)
    return render(request, "backoffice/home.html", {"desks": [desk for desk in Desk if desk.value in mine]})
