"""Contact Us and tickets: one form for buyers and guests, My tickets, the guest's secret-link page, the
thread with replies and files; and the buyer's in-site notifications."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.core.http import client_ip
from tradepost.notifications import selectors as notification_selectors
from tradepost.notifications.services import notifications_mark_read
from tradepost.storefront.forms import apply_errors
from tradepost.support import selectors, services
from tradepost.support.models import TicketStatus, Topic

MAX_TEXT = services.MAX_TEXT
SHOWN = 200


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(FilesField, self).clean(item, initial) for item in files]


def _uploads(files) -> list[services.Upload]:
    limit = services.max_file_bytes()
    # Read at most one byte past the limit: the service names the file that is too large.
    return [services.Upload(f.name, f.content_type or "", f.read(limit + 1)) for f in files or []]


class ContactForm(forms.Form):
    email = forms.EmailField(max_length=254, help_text="We reply to this address.")
    name = forms.CharField(max_length=150, required=False, label="Your name (optional)")
    topic = forms.ChoiceField(choices=[("", "Choose a topic"), *Topic.choices])
    subject = forms.CharField(max_length=services.MAX_SUBJECT)
    order = forms.CharField(max_length=16, required=False, label="Order number (optional)")
    sku = forms.CharField(max_length=64, required=False, label="Product SKU (optional)")
    inquiry = forms.CharField(max_length=16, required=False, label="Inquiry number (optional)")
    rma = forms.CharField(max_length=16, required=False, label="RMA number (optional)")
    message = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6}))
    files = FilesField(required=False, label="Files (optional, up to 5: PDF, PNG, JPEG, GIF, TXT, CSV)")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            for name in ("email", "name"):
                del self.fields[name]
        else:
            # Orders, inquiries and RMAs are private: a guest signs in to link them.
            for name in ("order", "inquiry", "rma"):
                del self.fields[name]


class ReplyForm(forms.Form):
    body = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}), label="Your reply")
    files = FilesField(required=False, label="Files (optional)")


@require_http_methods(["GET", "POST"])
def contact(request):
    user = request.user if request.user.is_authenticated else None
    if request.method == "POST":
        form = ContactForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket, token = services.ticket_open(
                    user=user,
                    email=data.get("email", ""),
                    name=data.get("name", ""),
                    topic=data["topic"],
                    subject=data["subject"],
                    message=data["message"],
                    links=services.Links(
                        order=data.get("order", ""),
                        sku=data.get("sku", ""),
                        inquiry=data.get("inquiry", ""),
                        rma=data.get("rma", ""),
                    ),
                    files=_uploads(data["files"]),
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Thank you: your request {ticket.reference} is with our team.")
                if token:
                    return redirect("storefront:ticket_guest", token=token)
                return redirect("storefront:ticket_detail", reference=ticket.reference)
        return _contact_page(request, form, status=400)
    initial = {key: request.GET.get(key, "")[:64] for key in ("topic", "order", "sku", "inquiry", "rma")}
    form = ContactForm(user=user, initial={k: v for k, v in initial.items() if v})
    return _contact_page(request, form)


def _contact_page(request, form, status=200):
    context = {"form": form, "targets": selectors.reply_targets()}
    return render(request, "storefront/support/contact.html", context, status=status)


@login_required
@require_GET
def ticket_list(request):
    tickets = selectors.tickets_for_buyer(user=request.user)[:SHOWN]
    return render(request, "storefront/support/list.html", {"tickets": tickets})


def _render_ticket(request, ticket, *, form=None, token=None, status=200):
    context = {
        "ticket": ticket,
        "thread": selectors.ticket_thread(ticket),
        "form": form or ReplyForm(),
        "token": token,
        "can_reply": ticket.status != TicketStatus.CLOSED,
    }
    return render(request, "storefront/support/detail.html", context, status=status)


def _reply(request, ticket, *, user, token=None):
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.ticket_buyer_reply(
                ticket=ticket,
                user=user,
                body=form.cleaned_data["body"],
                files=_uploads(form.cleaned_data["files"]),
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your reply is on the ticket.")
            if token:
                return redirect("storefront:ticket_guest", token=token)
            return redirect("storefront:ticket_detail", reference=ticket.reference)
    return _render_ticket(request, ticket, form=form, token=token, status=400)


def _mine(request, reference):
    try:
        return selectors.ticket_for_buyer(user=request.user, reference=reference)
    except NotFound:
        raise Http404 from None


def _guest(token):
    try:
        return selectors.ticket_for_token(token=token)
    except NotFound:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request, reference: str):
    ticket = _mine(request, reference)
    if request.method == "POST":
        return _reply(request, ticket, user=request.user)
    return _render_ticket(request, ticket)


@require_http_methods(["GET", "POST"])
def ticket_guest(request, token: str):
    ticket = _guest(token)
    if request.method == "POST":
        return _reply(request, ticket, user=None, token=token)
    response = _render_ticket(request, ticket, token=token)
    # The link is the key: never send it to other sites (same-origin keeps the Origin header CSRF checks).
    response["Referrer-Policy"] = "same-origin"
    return response


def _file(ticket, pk: int):
    try:
        row = selectors.attachment_for(ticket=ticket, attachment_id=pk)
    except NotFound:
        raise Http404 from None
    return FileResponse(
        row.file.open("rb"), as_attachment=True, filename=row.name, content_type=row.content_type
    )


@login_required
@require_GET
def ticket_file(request, reference: str, pk: int):
    return _file(_mine(request, reference), pk)


@require_GET
def ticket_guest_file(request, token: str, pk: int):
    return _file(_guest(token), pk)


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    if request.method == "POST":
        count = notifications_mark_read(user=request.user)
        messages.success(request, f"{count} notifications marked read.")
        return redirect("storefront:notifications")
    rows = list(notification_selectors.notifications_for_user(user=request.user)[:SHOWN])
    return render(request, "storefront/support/notifications.html", {"notifications": rows})


@login_required
@require_POST
def notification_read(request, pk: int):
    notifications_mark_read(user=request.user, ids=[pk])
    row = notification_selectors.notifications_for_user(user=request.user).filter(pk=pk).first()
    if row is None:
        raise Http404
    return redirect(row.link or "storefront:notifications")
