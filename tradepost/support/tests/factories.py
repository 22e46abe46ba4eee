"""Tickets opened and answered through the real services."""

from tradepost.orders.tests.factories import activate, staff_member
from tradepost.support import services
from tradepost.support.services import Links


def agent(email: str = "agent@example.com"):
    return staff_member(email, desks=("support",))


def open_ticket(user=None, *, topic="pre_sales", email="guest@example.com", links=None, message="Hello?"):
    ticket, token = services.ticket_open(
        user=user,
        email=email,
        name="" if user else "Gus Guest",
        topic=topic,
        subject="Is the LM317T in stock?",
        message=message,
        links=links or Links(),
    )
    return ticket, token


__all__ = ["activate", "agent", "open_ticket"]
