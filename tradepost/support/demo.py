"""Demo data for customer service: canned replies for the desk and one answered request; safe to rerun."""

from tradepost.support import services
from tradepost.support.models import CannedReply, Ticket

CANNED = [
    (
        "Stock and lead time",
        "",
        "Thank you for asking. The part is in stock in the quantity you need and leaves our warehouse "
        "within our published dispatch time after payment.",
    ),
    (
        "Tracking",
        "logistics",
        "Your parcel is on its way. The tracking number and the carrier's link are on your order page; "
        "tracking can take a working day to show the first scan.",
    ),
    (
        "Return started",
        "after_sales",
        "We are sorry the part did not work for you. Please open a return from the order page (Request a "
        "return/claim) so we can approve it and send you the return form.",
    ),
    (
        "Thanks for the suggestion",
        "suggestion",
        "Thank you for the suggestion: we have passed it to the team.",
    ),
]


def support_demo(*, buyer, staff) -> None:
    for title, topic, body in CANNED:
        CannedReply.objects.get_or_create(title=title, defaults={"topic": topic, "body": body})
    if Ticket.objects.filter(user=buyer).exists():
        return
    ticket, _ = services.ticket_open(
        user=buyer,
        topic="pre_sales",
        subject="Automotive grade?",
        message="Is the voltage regulator you list AEC-Q100 qualified? We need 2,000 for a car project.",
    )
    services.ticket_assign(ticket=ticket, actor=staff, assignee=staff)
    services.ticket_staff_reply(
        ticket=ticket,
        actor=staff,
        body="Good question: we are checking with the manufacturer and will confirm by tomorrow.",
        status="open",
    )
