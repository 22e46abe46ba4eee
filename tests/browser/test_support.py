"""Customer service in the browser: a guest sends a Contact Us message, the support desk answers on the
ticket page, and the guest reads the reply through the secret link."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tradepost.orders.tests.factories import activate
from tradepost.support.models import Ticket
from tradepost.support.tests.factories import agent

from .test_aftersales import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_guest_sends_a_message_and_reads_the_staff_reply(page, browser, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    activate("direct")
    desk = agent("help.desk@example.com")

    page.goto("/")
    page.get_by_role("link", name="Contact us").first.click()
    page.wait_for_url("**/contact/")
    page.get_by_label("Email").fill("gus.guest@example.com")
    page.get_by_label("Your name (optional)").fill("Gus Guest")
    page.get_by_label("Topic").select_option("pre_sales")
    page.get_by_label("Subject").fill("LM317T in TO-220?")
    page.get_by_label("Message").fill("Do you stock the LM317T in a TO-220 package?")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r".*/support/tickets/[A-Za-z0-9_-]{40,}/$"))
    guest_link = page.url
    expect(page.locator("#ticket-status")).to_have_text("New")
    expect(page.locator("#thread")).to_contain_text("TO-220 package?")
    ticket = Ticket.objects.get()
    assert guest_link.removeprefix(live_server.url) in mail.outbox[0].body

    staff_context = browser.new_context(base_url=live_server.url)
    desk_page = staff_context.new_page()
    desk_page.set_default_timeout(15_000)
    sign_in(desk_page, desk.email, "/desk/support/")
    desk_page.get_by_role("link", name=ticket.reference).click()
    desk_page.get_by_label("Reply to the buyer").fill("Yes: 12,000 in stock, shipping within 3 working days.")
    desk_page.get_by_role("button", name="Send reply").click()
    expect(desk_page.locator("#ticket-status")).to_have_text("Waiting on the buyer")
    staff_context.close()

    page.goto(guest_link)
    expect(page.locator("#ticket-status")).to_have_text("Waiting on the buyer")
    expect(page.locator("#thread")).to_contain_text("Yes: 12,000 in stock")
    page.get_by_label("Your reply").fill("Great, I will order 5,000.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#ticket-status")).to_have_text("Open")
    expect(page.locator("#thread")).to_contain_text("I will order 5,000.")
    assert any("Yes: 12,000 in stock" in m.body for m in mail.outbox)
