"""Support desk: the ticket queue with filters (status, topic, overdue, mine), held inbound emails, and
one page per ticket with its thread, internal notes, canned replies, assignment and status changes.

Support desk only (superusers sit at every desk); anyone else gets 404. Each form posts to one service.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tradepost.accounts.roles import Desk, group_name
from tradepost.backoffice.order_views import desk_required, show_errors
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.storefront.views.support import FilesField, _uploads
from tradepost.support import selectors, services
from tradepost.support.clocks import desk_clocks
from tradepost.support.models import CannedReply, TicketStatus, Topic

SHOWN = 200
REPLY_STATUSES = [
    (TicketStatus.WAITING_ON_BUYER.value, "Waiting on the buyer"),
    (TicketStatus.OPEN.value, "Open"),
    (TicketStatus.ESCALATED.value, "Escalated"),
    (TicketStatus.RESOLVED.value, "Resolved"),
]


def _area(rows=4):
    return forms.Textarea(attrs={"rows": rows})


class ReplyForm(forms.Form):
    body = forms.CharField(max_length=services.MAX_TEXT, widget=_area(6), label="Reply to the buyer")
    status = forms.ChoiceField(choices=REPLY_STATUSES, label="Then the ticket is")
    files = FilesField(required=False, label="Files (optional)")


class NoteForm(forms.Form):
    body = forms.CharField(max_length=services.MAX_TEXT, widget=_area(3), label="Internal note (staff only)")


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(required=False, label="Assigned to")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in services.STAFF_STATUSES])


class ResearchForm(forms.Form):
    promised_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        required=False, max_length=services.MAX_TEXT, widget=_area(2), label="For the buyer"
    )


FORMS = {
    "reply": ReplyForm,
    "note": NoteForm,
    "assign": AssignForm,
    "status": StatusForm,
    "research": ResearchForm,
}


def _agents():
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return list(
        (users.filter(groups__name=group_name(Desk.SUPPORT)) | users.filter(is_superuser=True))
        .distinct()
        .order_by("email")
    )


def _store_zone(ticket) -> ZoneInfo:
    return ZoneInfo(services.ticket_policy(ticket).store.timezone)


def _ticket(reference):
    try:
        return selectors.ticket_for_staff(reference=reference)
    except NotFound:
        raise Http404 from None


@desk_required(Desk.SUPPORT)
@require_GET
def queue_page(request):
    status = request.GET.get("status") or "active"
    if status not in ("active", "all", *TicketStatus.values):
        status = "active"
    topic = request.GET.get("topic") or None
    if topic not in Topic.values:
        topic = None
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    rows = selectors.desk_queue(
        status=status, topic=topic, overdue=overdue, assigned_to=request.user if mine else None
    )
    context = {
        "tickets": list(rows[:SHOWN]),
        "status": status,
        "statuses": TicketStatus.choices,
        "topic": topic or "",
        "topics": Topic.choices,
        "overdue": overdue,
        "mine": mine,
        "counts": selectors.desk_counts(),
        "held": list(selectors.inbound_needing_staff()[:50]),
    }
    return render(request, "backoffice/support/queue.html", context)


def _forms_for(ticket, request, refused=None) -> dict:
    out = {}
    for name, cls in FORMS.items():
        form = refused[1] if refused and refused[0] == name else cls(prefix=name)
        out[name] = form
    agents = [("", "Nobody")] + [(str(u.pk), u.get_full_name() or u.email) for u in _agents()]
    out["assign"].fields["assignee"].choices = agents
    if not out["assign"].is_bound:
        out["assign"].initial["assignee"] = str(ticket.assigned_to_id or "")
    if not out["status"].is_bound:
        out["status"].initial["status"] = ticket.status
    canned = request.GET.get("canned", "")
    if not out["reply"].is_bound and canned.isdigit():
        chosen = CannedReply.objects.filter(pk=int(canned), active=True).first()
        if chosen:
            out["reply"].initial["body"] = chosen.body
    return out


def _render(request, ticket, *, refused=None, status=200):
    context = {
        "ticket": ticket,
        "thread": selectors.ticket_thread(ticket, staff=True),
        "timeline": selectors.ticket_timeline(ticket),
        "forms": _forms_for(ticket, request, refused),
        "canned": selectors.canned_replies(topic=ticket.topic),
        "store_tz": services.ticket_policy(ticket).store.timezone,
        "now": timezone.now(),
        "nearly": selectors.NEARLY_DUE,
        "clock": selectors.with_clock(type(ticket).objects.filter(pk=ticket.pk), timezone.now())
        .values_list("clock", flat=True)
        .first(),
    }
    return render(request, "backoffice/support/detail.html", context, status=status)


@desk_required(Desk.SUPPORT)
@require_GET
def ticket_page(request, reference: str):
    return _render(request, _ticket(reference))


@desk_required(Desk.SUPPORT)
@require_POST
def ticket_act(request, reference: str, action: str):
    ticket = _ticket(reference)
    if action not in FORMS:
        raise Http404
    form = FORMS[action](request.POST, request.FILES, prefix=action)
    if action == "assign":
        form.fields["assignee"].choices = [("", "Nobody")] + [(str(u.pk), u.email) for u in _agents()]
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "reply":
                services.ticket_staff_reply(
                    ticket=ticket,
                    actor=request.user,
                    body=data["body"],
                    status=data["status"],
                    files=_uploads(data["files"]),
                )
                done = "Reply sent."
            elif action == "note":
                services.ticket_note(ticket=ticket, actor=request.user, body=data["body"])
                done = "Note added."
            elif action == "assign":
                assignee = (
                    get_user_model().objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
                )
                services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee)
                done = "Assigned."
            elif action == "status":
                services.ticket_status_set(ticket=ticket, actor=request.user, status=data["status"])
                done = "Status changed."
            else:
                naive: datetime = data["promised_at"]
                local = naive.replace(tzinfo=None).replace(tzinfo=_store_zone(ticket))
                services.ticket_research(
                    ticket=ticket, actor=request.user, promised_at=local, note=data["note"]
                )
                done = "Marked researching; the buyer was told when to expect the answer."
        except ApplicationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, f"{ticket.reference}: {done}")
            return redirect("backoffice:support_ticket", reference=ticket.reference)
    return _render(request, ticket, refused=(action, form), status=400)


@desk_required(Desk.SUPPORT)
@require_GET
def ticket_file(request, pk: int):
    try:
        row = selectors.attachment_for(attachment_id=pk, staff=True)
    except NotFound:
        raise Http404 from None
    return FileResponse(
        row.file.open("rb"), as_attachment=True, filename=row.name, content_type=row.content_type
    )


@staff_member_required
@require_GET
def dashboard(request):
    """Every clock of the desks the person sits at, overdue work first."""
    return render(request, "backoffice/dashboard.html", {"clocks": desk_clocks(user=request.user)})
