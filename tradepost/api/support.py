"""Support API: Contact Us for buyers and guests (the guest follows the ticket with its secret token), my
tickets and replies, in-site notifications, the support desk (queue, thread, reply, note, assign, status,
researching), inbound email from the mail gateway, and every desk's clocks."""

from datetime import datetime
from typing import Literal

from django.contrib.auth import get_user_model
from django.http import FileResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile
from pydantic import Field

from tradepost.accounts.roles import Desk, user_desks
from tradepost.api.auth import AcceptedSessionAuth, AcceptedTokenAuth, member, require_desk
from tradepost.api.cart import path_text
from tradepost.api.schemas import In, page_of
from tradepost.core.exceptions import NotFound, ValidationFailed
from tradepost.core.http import client_ip
from tradepost.notifications import selectors as notification_selectors
from tradepost.notifications.services import notifications_mark_read
from tradepost.support import selectors, services
from tradepost.support.clocks import desk_clocks
from tradepost.support.inbound import inbound_email_receive
from tradepost.support.models import TicketStatus, Topic

router = Router(tags=["support"])

TopicKey = Literal[tuple(Topic.values)]  # type: ignore[valid-type]
StatusKey = Literal[tuple(TicketStatus.values)]  # type: ignore[valid-type]
StaffStatusKey = Literal[tuple(s.value for s in services.STAFF_STATUSES)]  # type: ignore[valid-type]
ReplyStatusKey = Literal["waiting_on_buyer", "open", "escalated", "resolved"]
Body = Field(min_length=1, max_length=services.MAX_TEXT)
MAX_PER_PAGE = 100


# --- Output -----------------------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    kind: str = Field(description="buyer | staff | note (notes only for staff)")
    author: str
    body: str
    via: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketOut(Schema):
    reference: str
    topic: TopicKey
    status: StatusKey
    status_label: str
    subject: str
    email: str
    order: str | None
    sku: str | None
    inquiry: str | None
    rma: str | None
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    first_responded_at: datetime | None
    resolution_due_at: datetime
    promised_at: datetime | None
    resolved_at: datetime | None
    messages: list[MessageOut]


class StaffTicketOut(TicketOut):
    due_at: datetime | None = Field(description="The store's next deadline; null while no clock runs.")
    clock: str = Field(description="overdue | nearly_due | on_time | paused")
    assigned_to: str | None
    guest: bool
    events: list[dict]


class TicketPageOut(Schema):
    items: list[TicketOut]
    count: int
    page: int
    per_page: int


class StaffTicketRowOut(Schema):
    reference: str
    topic: TopicKey
    status: StatusKey
    subject: str
    email: str
    due_at: datetime | None
    clock: str
    assigned_to: str | None
    created_at: datetime


class StaffTicketPageOut(Schema):
    items: list[StaffTicketRowOut]
    count: int
    page: int
    per_page: int


class TicketCreatedOut(TicketOut):
    follow_token: str | None = Field(
        description="Guests only: the secret that opens the ticket (GET /support/guest/{token}); "
        "also emailed. Keep it private."
    )


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    text: str
    link: str
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    count: int
    unread: int
    page: int
    per_page: int


class InboundOut(Schema):
    status: str = Field(description="appended | held | unrouted")
    ticket: str | None
    message_id: str


class ClockItemOut(Schema):
    label: str
    due_at: datetime | None
    state: str
    url: str


class ClockOut(Schema):
    key: str
    label: str
    desk: str
    total: int
    overdue: int
    due_soon: int
    oldest_at: datetime | None
    url: str
    items: list[ClockItemOut]


def _message(m, *, staff: bool) -> dict:
    if m.kind == "staff":
        author = (m.author.email if staff and m.author else "") or "Support team"
    else:
        author = m.author.email if m.author else m.author_email
    return {
        "id": m.pk,
        "kind": m.kind,
        "author": author,
        "body": m.body,
        "via": m.via,
        "created_at": m.created_at,
        "attachments": [
            {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size}
            for a in m.attachments.all()
        ],
    }


def render_ticket(ticket, *, staff: bool = False, with_messages: bool = True) -> dict:
    out = {
        "reference": ticket.reference,
        "topic": ticket.topic,
        "status": ticket.status,
        "status_label": ticket.get_status_display(),
        "subject": ticket.subject,
        "email": ticket.email,
        "order": ticket.order.number if ticket.order_id else None,
        "sku": ticket.product.sku if ticket.product_id else None,
        "inquiry": ticket.inquiry.number if ticket.inquiry_id else None,
        "rma": ticket.rma.number if ticket.rma_id else None,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_due_at": ticket.first_response_due_at,
        "first_responded_at": ticket.first_responded_at,
        "resolution_due_at": ticket.resolution_due_at,
        "promised_at": ticket.promised_at,
        "resolved_at": ticket.resolved_at,
        "messages": [_message(m, staff=staff) for m in selectors.ticket_thread(ticket, staff=staff)]
        if with_messages
        else [],
    }
    return out


def _staff_ticket(ticket) -> dict:
    from django.utils import timezone

    clock = (
        selectors.with_clock(type(ticket).objects.filter(pk=ticket.pk), timezone.now())
        .values_list("clock", flat=True)
        .first()
    )
    return {
        **render_ticket(ticket, staff=True),
        "due_at": ticket.due_at,
        "clock": clock,
        "assigned_to": ticket.assigned_to.email if ticket.assigned_to_id else None,
        "guest": ticket.user_id is None,
        "events": [
            {
                "at": e.created_at.isoformat(),
                "kind": e.kind,
                "actor": e.actor.email if e.actor else None,
                "role": e.actor_role,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "data": e.data,
            }
            for e in selectors.ticket_timeline(ticket)
        ],
    }


# --- Input ------------------------------------------------------------------------------------------------


class TicketIn(In):
    topic: TopicKey
    subject: str = Field(min_length=1, max_length=services.MAX_SUBJECT)
    message: str = Body
    email: str = Field("", max_length=254, description="Required for guests; ignored when signed in.")
    name: str = Field("", max_length=150)
    order: str = Field("", max_length=16, description="Signed-in buyers: one of my order numbers.")
    sku: str = Field("", max_length=64)
    inquiry: str = Field("", max_length=16, description="Signed-in buyers: one of my inquiries.")
    rma: str = Field("", max_length=16, description="Signed-in buyers: one of my RMAs.")


class MessageIn(In):
    body: str = Body


class StaffReplyIn(In):
    body: str = Body
    status: ReplyStatusKey = "waiting_on_buyer"


class AssignIn(In):
    assignee: str | None = Field(
        None, max_length=254, description="A support-desk member's email; null: nobody."
    )


class StatusIn(In):
    status: StaffStatusKey


class ResearchIn(In):
    promised_at: datetime = Field(description="When the full answer is promised (with timezone).")
    note: str = Field("", max_length=services.MAX_TEXT, description="For the buyer.")


class InboundIn(In):
    message: str = Field(
        min_length=1, max_length=20_000_000, description="The whole email as received (RFC 5322 text)."
    )


class ReadIn(In):
    ids: list[int] | None = Field(None, max_length=500, description="Null: mark every notification read.")


# --- Buyers and guests ------------------------------------------------------------------------------------


def _caller(request):
    """The signed-in caller (token, or session with CSRF), or None for a guest; a bad token is a 401."""
    if request.headers.get("Authorization"):
        user = AcceptedTokenAuth()(request)
        if user is None:
            raise AuthenticationError()
        return user
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return AcceptedSessionAuth()(request)
    return None


@router.post(
    "/support/tickets",
    response={201: TicketCreatedOut},
    auth=None,
    summary="Contact Us: open a ticket (signed in, or as a guest with an email)",
)
def ticket_create(request, payload: TicketIn):
    """Guests give an email and get `follow_token`; orders, inquiries and RMAs can be linked only by their
    signed-in owner (422 naming the field otherwise). Guests are limited per IP address (429)."""
    user = _caller(request)
    ticket, token = services.ticket_open(
        user=user,
        email=payload.email,
        name=payload.name,
        topic=payload.topic,
        subject=payload.subject,
        message=payload.message,
        links=services.Links(order=payload.order, sku=payload.sku, inquiry=payload.inquiry, rma=payload.rma),
        ip=client_ip(request),
        via="api",
    )
    ticket = selectors.ticket_for_staff(reference=ticket.reference)
    return Status(201, {**render_ticket(ticket), "follow_token": token})


@router.get("/support/tickets", response=TicketPageOut, auth=member, summary="My tickets")
def ticket_list(
    request, page: int = Query(1, ge=1, le=100_000), per_page: int = Query(20, ge=1, le=MAX_PER_PAGE)
):
    rows, total = page_of(selectors.tickets_for_buyer(user=request.auth), page, per_page)
    items = [render_ticket(t, with_messages=False) for t in rows]
    return {"items": items, "count": total, "page": page, "per_page": per_page}


def _mine(request, reference):
    return selectors.ticket_for_buyer(user=request.auth, reference=path_text(reference))


@router.get("/support/tickets/{reference}", response=TicketOut, auth=member, summary="One of my tickets")
def ticket_detail(request, reference: str):
    return render_ticket(_mine(request, reference))


@router.post(
    "/support/tickets/{reference}/messages",
    response={201: TicketOut},
    auth=member,
    summary="Reply on my ticket (reopens it if resolved)",
)
def ticket_reply(request, reference: str, payload: MessageIn):
    ticket = _mine(request, reference)
    services.ticket_buyer_reply(ticket=ticket, user=request.auth, body=payload.body, via="api")
    return Status(201, render_ticket(_mine(request, reference)))


def _uploads(files: list[UploadedFile]) -> list[services.Upload]:
    """Read uploads into memory, refusing too many or too large before reading them."""
    if len(files) > services.MAX_FILES:
        raise ValidationFailed(f"At most {services.MAX_FILES} files.", field="files", code="too_many_files")
    limit = services.max_file_bytes()
    out = []
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise ValidationFailed(
                f"{upload.name} is larger than {limit // (1024 * 1024)} MB.",
                field="files",
                code="file_too_large",
            )
        out.append(services.Upload(upload.name or "", upload.content_type or "", upload.read(limit + 1)))
    return out


def _file_response(row) -> FileResponse:
    response = FileResponse(
        row.file.open("rb"), as_attachment=True, filename=row.name, content_type=row.content_type
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


FILE = {
    "responses": {
        200: {
            "description": "The file as uploaded.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.post(
    "/support/tickets/{reference}/files",
    response={201: TicketOut},
    auth=member,
    summary="Send files on my ticket (PDF, PNG, JPEG, GIF, TXT, CSV; up to 5), with an optional note",
)
def ticket_files(
    request,
    reference: str,
    files: list[UploadedFile] = File(...),  # noqa: B008
    body: str = Form("", max_length=services.MAX_TEXT),
):
    ticket = _mine(request, reference)
    if "\x00" in body:
        raise ValidationFailed("Null characters are not allowed.", field="body")
    services.ticket_buyer_reply(
        ticket=ticket,
        user=request.auth,
        body=body.strip() or "Files attached.",
        files=_uploads(files),
        via="api",
    )
    return Status(201, render_ticket(_mine(request, reference)))


@router.get(
    "/support/tickets/{reference}/files/{file_id}",
    auth=member,
    summary="Download a file of my ticket",
    openapi_extra=FILE,
)
def ticket_file(request, reference: str, file_id: int):
    return _file_response(selectors.attachment_for(ticket=_mine(request, reference), attachment_id=file_id))


@router.get("/support/guest/{token}", response=TicketOut, auth=None, summary="A guest's ticket by its secret")
def guest_ticket(request, token: str):
    return render_ticket(selectors.ticket_for_token(token=path_text(token)))


@router.post(
    "/support/guest/{token}/messages", response={201: TicketOut}, auth=None, summary="A guest replies"
)
def guest_reply(request, token: str, payload: MessageIn):
    ticket = selectors.ticket_for_token(token=path_text(token))
    services.ticket_buyer_reply(ticket=ticket, user=None, body=payload.body, via="api")
    return Status(201, render_ticket(selectors.ticket_for_token(token=token)))


@router.get("/notifications", response=NotificationPageOut, auth=member, summary="My notifications")
def notification_list(
    request, page: int = Query(1, ge=1, le=100_000), per_page: int = Query(20, ge=1, le=MAX_PER_PAGE)
):
    rows, total = page_of(notification_selectors.notifications_for_user(user=request.auth), page, per_page)
    return {
        "items": [
            {
                "id": n.pk,
                "kind": n.kind,
                "subject": n.subject,
                "text": n.text,
                "link": n.link,
                "created_at": n.created_at,
                "read_at": n.read_at,
            }
            for n in rows
        ],
        "count": total,
        "unread": notification_selectors.unread_count(user=request.auth),
        "page": page,
        "per_page": per_page,
    }


@router.post("/notifications/read", response=dict, auth=member, summary="Mark my notifications read")
def notification_read(request, payload: ReadIn):
    ids = [i for i in payload.ids if 0 < i < 2**63] if payload.ids is not None else None
    return {"marked": notifications_mark_read(user=request.auth, ids=ids)}


# --- The support desk -------------------------------------------------------------------------------------


def _desk(request):
    require_desk(request, Desk.SUPPORT)
    return request.auth


def _staff(request, reference):
    _desk(request)
    return selectors.ticket_for_staff(reference=path_text(reference))


@router.get(
    "/desk/support/tickets", response=StaffTicketPageOut, auth=member, summary="Support desk: the queue"
)
def desk_queue(
    request,
    status: Literal[("active", "all", *TicketStatus.values)] = "active",  # type: ignore[valid-type]
    topic: TopicKey | None = None,
    overdue: bool = False,
    mine: bool = False,
    page: int = Query(1, ge=1, le=100_000),
    per_page: int = Query(50, ge=1, le=MAX_PER_PAGE),
):
    user = _desk(request)
    rows = selectors.desk_queue(
        status=status, topic=topic, overdue=overdue, assigned_to=user if mine else None
    )
    rows, total = page_of(rows, page, per_page)
    items = [
        {
            "reference": t.reference,
            "topic": t.topic,
            "status": t.status,
            "subject": t.subject,
            "email": t.email,
            "due_at": t.due_at,
            "clock": t.clock,
            "assigned_to": t.assigned_to.email if t.assigned_to_id else None,
            "created_at": t.created_at,
        }
        for t in rows
    ]
    return {"items": items, "count": total, "page": page, "per_page": per_page}


@router.get(
    "/desk/support/tickets/{reference}",
    response=StaffTicketOut,
    auth=member,
    summary="Support desk: a ticket",
)
def desk_ticket(request, reference: str):
    return _staff_ticket(_staff(request, reference))


@router.post(
    "/desk/support/tickets/{reference}/reply",
    response=StaffTicketOut,
    auth=member,
    summary="Reply to the buyer",
)
def desk_reply(request, reference: str, payload: StaffReplyIn):
    ticket = _staff(request, reference)
    services.ticket_staff_reply(ticket=ticket, actor=request.auth, body=payload.body, status=payload.status)
    return _staff_ticket(_staff(request, reference))


@router.post(
    "/desk/support/tickets/{reference}/notes", response=StaffTicketOut, auth=member, summary="Internal note"
)
def desk_note(request, reference: str, payload: MessageIn):
    ticket = _staff(request, reference)
    services.ticket_note(ticket=ticket, actor=request.auth, body=payload.body)
    return _staff_ticket(_staff(request, reference))


@router.post(
    "/desk/support/tickets/{reference}/assign", response=StaffTicketOut, auth=member, summary="Assign"
)
def desk_assign(request, reference: str, payload: AssignIn):
    ticket = _staff(request, reference)
    assignee = None
    if payload.assignee:
        assignee = get_user_model().objects.filter(email__iexact=payload.assignee.strip()).first()
        if assignee is None:
            raise ValidationFailed("No staff member with this email.", field="assignee")
    services.ticket_assign(ticket=ticket, actor=request.auth, assignee=assignee)
    return _staff_ticket(_staff(request, reference))


@router.post(
    "/desk/support/tickets/{reference}/status", response=StaffTicketOut, auth=member, summary="Change status"
)
def desk_status(request, reference: str, payload: StatusIn):
    ticket = _staff(request, reference)
    services.ticket_status_set(ticket=ticket, actor=request.auth, status=payload.status)
    return _staff_ticket(_staff(request, reference))


@router.post(
    "/desk/support/tickets/{reference}/research",
    response=StaffTicketOut,
    auth=member,
    summary="Researching: promise the buyer an answer time (the new due time)",
)
def desk_research(request, reference: str, payload: ResearchIn):
    ticket = _staff(request, reference)
    services.ticket_research(
        ticket=ticket, actor=request.auth, promised_at=payload.promised_at, note=payload.note
    )
    return _staff_ticket(_staff(request, reference))


@router.get(
    "/desk/support/files/{file_id}", auth=member, summary="Support desk: download a file", openapi_extra=FILE
)
def desk_file(request, file_id: int):
    _desk(request)
    return _file_response(selectors.attachment_for(attachment_id=file_id, staff=True))


@router.post(
    "/support/inbound-email",
    response={201: InboundOut},
    auth=member,
    summary="The mail gateway delivers an email to the support mailbox (support-desk token)",
)
def inbound_email(request, payload: InboundIn):
    """Routed by the ticket reference in a plus address (support+T-XXXXXXXX@…) or the subject; a sender
    that is not the ticket's is held, never appended. The same Message-ID again changes nothing."""
    _desk(request)
    record = inbound_email_receive(raw=payload.message.encode("utf-8", "surrogateescape"))
    return Status(
        201,
        {
            "status": record.status,
            "ticket": record.ticket.reference if record.ticket else None,
            "message_id": record.message_id,
        },
    )


@router.get(
    "/desk/clocks", response=list[ClockOut], auth=member, summary="Every clock of my desks, overdue first"
)
def clocks(request):
    user = request.auth
    if not user_desks(user):
        raise NotFound("Not found.")
    return [
        {
            "key": c.key,
            "label": c.label,
            "desk": c.desk,
            "total": c.total,
            "overdue": c.overdue,
            "due_soon": c.due_soon,
            "oldest_at": c.oldest_at,
            "url": c.url,
            "items": [
                {"label": i.label, "due_at": i.due_at, "state": i.state, "url": i.url} for i in c.items
            ],
        }
        for c in desk_clocks(user=user)
    ]
