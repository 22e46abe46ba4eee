"""My orders: the list, the order page with payment instructions, and what the buyer does from it."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tradepost.catalog.models import Product
from tradepost.orders.models import ChangeProposal, OrderStatus
from tradepost.orders.services import proposal_create, proposal_withdraw
from tradepost.orders.tests.factories import make_address, place, shop, staff_member
from tradepost.payments.models import Payment, Refund
from tradepost.payments.services import wire_receipt_record
from tradepost.payments.testing.fake_paypal import FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakePayPal

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    return shop()


@pytest.fixture
def signed_in(client, buyer, catalog):
    make_address(buyer)
    client.force_login(buyer)
    return client


def url(order, action: str = "") -> str:
    return f"/account/orders/{order.number}/{action}"


def paid(order, amount=None):
    """Finance records the whole total (or `amount`) from the bank statement."""
    wire_receipt_record(
        order=order, amount=amount or order.total, bank_reference=f"BANK-{order.number}", actor=staff_member()
    )
    order.refresh_from_db()
    return order


def test_the_list_shows_my_orders_newest_first_in_pages(signed_in, buyer, other_buyer, monkeypatch):
    monkeypatch.setattr("tradepost.storefront.views.orders.ORDERS_PER_PAGE", 2)
    orders = [place(buyer) for _ in range(3)]
    theirs = place(other_buyer, address=make_address(other_buyer))
    first = signed_in.get("/account/orders/").content.decode()
    assert orders[2].number in first and orders[1].number in first and orders[0].number not in first
    assert "Page 1 of 2" in first and "Awaiting payment" in first and "$29.36" in first
    second = signed_in.get("/account/orders/?page=2").content.decode()
    assert orders[0].number in second
    assert theirs.number not in first + second
    assert signed_in.get("/account/orders/?page=abc").status_code == 200
    assert signed_in.get("/account/orders/?page=999").status_code == 200


def test_the_account_page_leads_to_my_orders(signed_in):
    assert 'href="/account/orders/"' in signed_in.get("/account/").content.decode()


def test_an_empty_list_says_so(signed_in):
    assert "You have no orders yet." in signed_in.get("/account/orders/").content.decode()


def test_wire_transfer_instructions_name_the_bank_reference_amount_and_due_time(signed_in, buyer):
    order = place(buyer, method="wire_transfer")
    html = signed_in.get(url(order)).content.decode()
    assert "Bank of China (Hong Kong) Limited" in html and "01288392190575" in html
    assert "Components Demo Store Limited" in html and "No. 1 Garden Road, Hong Kong" in html
    assert f'id="wire-reference"><strong>{order.number}</strong>' in html
    assert 'id="amount-due"><strong>29.36 USD</strong>' in html
    assert f"{order.payment_due_at:%Y-%m-%d %H:%M} UTC" in html
    assert "LM317T" in html and "Keizersgracht 1" in html and "Order placed: 29.36 USD" in html
    assert 'id="balance-due">$29.36' in html


def test_the_order_page_reads_a_fixed_number_of_queries(signed_in, buyer):
    small = place(buyer, {"TI-LM317T": 10})
    large = paid(place(buyer, {"TI-LM317T": 10, "AMS-1117-33": 5, "YAG-RC0603-10K": 100}), Decimal("100.00"))
    signed_in.get(url(small))  # warm the policy cache
    counts = []
    for order in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            assert signed_in.get(url(order)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_a_paid_order_shows_no_payment_instructions_and_an_overpayment_is_shown(signed_in, buyer):
    order = paid(place(buyer), amount=Decimal("30.00"))
    html = signed_in.get(url(order)).content.decode()
    assert order.status == OrderStatus.APPROVED
    assert "How to pay" not in html
    assert 'id="amount-paid">$30.00' in html and 'id="overpaid">$0.64' in html
    assert "Paid more than the total" in html  # the refund owed


def test_western_union_instructions_and_transfer_form(signed_in, buyer):
    order = place(buyer, method="western_union")
    html = signed_in.get(url(order)).content.decode()
    assert "Components Demo Store" in html and "Huaqiang, Shenzhen, China" in html
    assert 'name="mtcn"' in html and 'name="sender_name"' in html

    response = signed_in.post(url(order, "western-union/"), {"sender_name": "", "mtcn": "12345"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html
    response = signed_in.post(url(order, "western-union/"), {"sender_name": "Bea Buyer", "mtcn": "12345"})
    assert response.status_code == 400
    assert "The MTCN is the 10-digit tracking number on the receipt." in response.content.decode()
    assert not Payment.objects.exists()

    response = signed_in.post(
        url(order, "western-union/"), {"sender_name": "Bea Buyer", "mtcn": "123-456-7890"}
    )
    assert response.status_code == 302 and response["Location"] == url(order)
    payment = Payment.objects.get()
    assert payment.mtcn == "1234567890" and payment.status == Payment.Status.SUBMITTED
    html = signed_in.get(url(order)).content.decode()
    assert "Transfer reported (MTCN …7890)" in html and 'name="mtcn"' not in html


def test_western_union_form_on_an_order_paid_another_way_is_refused(signed_in, buyer):
    order = place(buyer, method="wire_transfer")
    response = signed_in.post(url(order, "western-union/"), {"sender_name": "Bea", "mtcn": "1234567890"})
    assert response.status_code == 409
    assert "This order is to be paid by Wire transfer." in response.content.decode()


def test_cancel_asks_first_then_cancels_and_puts_stock_back(signed_in, buyer):
    order = place(buyer)
    assert Product.objects.get(sku="TI-LM317T").stock == 90
    assert f'href="{url(order, "cancel/")}"' in signed_in.get(url(order)).content.decode()
    confirm = signed_in.get(url(order, "cancel/"))
    assert confirm.status_code == 200 and "Yes, cancel the order" in confirm.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT  # asking changes nothing

    response = signed_in.post(url(order, "cancel/"))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Product.objects.get(sku="TI-LM317T").stock == 100
    html = signed_in.get(url(order)).content.decode()
    assert "is cancelled" in html and "How to pay" not in html and "Cancel order</a>" not in html

    again = signed_in.post(url(order, "cancel/"))
    assert again.status_code == 409 and "can no longer be cancelled" in again.content.decode()
    assert signed_in.get(url(order, "cancel/")).status_code == 409


def test_cancelling_a_paid_order_owes_the_money_back(signed_in, buyer):
    order = paid(place(buyer))
    assert "it is refunded by Wire transfer within" in signed_in.get(url(order, "cancel/")).content.decode()
    signed_in.post(url(order, "cancel/"))
    refund = Refund.objects.get()
    assert refund.amount == order.total
    assert "Order cancelled" in signed_in.get(url(order)).content.decode()


@pytest.fixture
def proposal(buyer, catalog):
    make_address(buyer)
    order = paid(place(buyer, {"TI-LM317T": 10}))
    line = order.lines.get()
    return proposal_create(
        order=order,
        actor=staff_member("reviewer@example.com"),
        message="Only 5 left after a count; may we send 5?",
        changes=[{"line": line.pk, "action": "reduce", "quantity": 5}],
    )


def test_an_open_proposal_is_shown_and_accepted_with_a_reply(client, buyer, proposal):
    client.force_login(buyer)
    order = proposal.order
    html = client.get(url(order)).content.decode()
    assert "Only 5 left after a count" in html and "TI-LM317T: reduce to 5" in html
    response = client.post(
        url(order, "proposal/"), {"proposal": proposal.pk, "decision": "accept", "reply": "Fine, thanks."}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    order.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.ACCEPTED and proposal.buyer_reply == "Fine, thanks."
    assert order.lines.get().quantity == 5 and order.total == Decimal("27.16")
    html = client.get(url(order)).content.decode()
    assert "You accepted the change." in html
    assert "Order reduced by an accepted proposal" in html  # 2.20 owed back
    assert "Accept the change" not in html


def test_a_proposal_can_be_declined(client, buyer, proposal):
    client.force_login(buyer)
    response = client.post(url(proposal.order, "proposal/"), {"proposal": proposal.pk, "decision": "decline"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.DECLINED
    assert proposal.order.lines.get().quantity == 10


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "accept"},
        {"proposal": "x", "decision": "accept"},
        {"proposal": "PK", "decision": "maybe"},
        {},
    ],
)
def test_bad_answers_to_a_proposal_are_400(client, buyer, proposal, data):
    client.force_login(buyer)
    data = {key: proposal.pk if value == "PK" else value for key, value in data.items()}
    response = client.post(url(proposal.order, "proposal/"), data)
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.PROPOSED


def test_a_reply_that_is_too_long_is_a_field_error(client, buyer, proposal):
    client.force_login(buyer)
    data = {"proposal": proposal.pk, "decision": "accept", "reply": "x" * 2001}
    response = client.post(url(proposal.order, "proposal/"), data)
    assert response.status_code == 400 and "at most 2000 characters" in response.content.decode()


def test_answering_a_withdrawn_or_other_proposal_is_a_conflict(client, buyer, proposal):
    client.force_login(buyer)
    response = client.post(
        url(proposal.order, "proposal/"), {"proposal": proposal.pk + 1, "decision": "accept"}
    )
    assert response.status_code == 409
    proposal_withdraw(proposal=proposal, actor=None)
    response = client.post(url(proposal.order, "proposal/"), {"proposal": proposal.pk, "decision": "accept"})
    assert response.status_code == 409 and "withdrawn or already answered" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.WITHDRAWN


def _every_order_url(order, proposal_pk=0):
    return [
        ("get", url(order), {}),
        ("get", url(order, "cancel/"), {}),
        ("post", url(order, "cancel/"), {}),
        ("post", url(order, "western-union/"), {"sender_name": "Bea", "mtcn": "1234567890"}),
        ("post", url(order, "pay/paypal/"), {}),
        ("get", url(order, "paypal/return/") + "?token=X", {}),
        ("get", url(order, "paypal/cancel/"), {}),
        ("post", url(order, "proposal/"), {"proposal": proposal_pk, "decision": "accept"}),
    ]


def test_another_buyers_order_is_404_on_every_order_url(client, other_buyer, proposal):
    order = proposal.order
    client.force_login(other_buyer)
    for method, path, data in _every_order_url(order, proposal.pk):
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path)
    assert client.get("/account/orders/TP-NOSUCH/").status_code == 404
    proposal.refresh_from_db()
    order.refresh_from_db()
    assert proposal.status == ChangeProposal.Status.PROPOSED and order.status == OrderStatus.ON_HOLD
    assert not Payment.objects.exists()


def test_order_pages_need_sign_in(client, buyer, proposal):
    for method, path, data in [
        *_every_order_url(proposal.order, proposal.pk),
        ("get", "/account/orders/", {}),
    ]:
        response = getattr(client, method)(path, data)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/"), path


def test_order_pages_refuse_the_wrong_http_method(signed_in, buyer):
    order = place(buyer)
    for path in ("western-union/", "pay/paypal/", "proposal/"):
        assert signed_in.get(url(order, path)).status_code == 405


# --- PayPal, against the fake PayPal server ----------------------------------------------------------------


@pytest.fixture
def fake_paypal(settings):
    with FakePayPal() as fake:
        settings.PAYPAL_API_BASE = fake.base_url
        settings.PAYPAL_CLIENT_ID = FAKE_CLIENT_ID
        settings.PAYPAL_CLIENT_SECRET = FAKE_CLIENT_SECRET
        yield fake


@pytest.mark.parametrize(("method", "button"), [("paypal", "Pay with PayPal"), ("card", "Pay by card")])
def test_paying_with_paypal_captures_on_return(signed_in, buyer, fake_paypal, method, button):
    order = place(buyer, method=method)
    html = signed_in.get(url(order)).content.decode()
    assert button in html and f'action="{url(order, "pay/paypal/")}"' in html

    response = signed_in.post(url(order, "pay/paypal/"))
    assert response.status_code == 302
    approve = urlsplit(response["Location"])
    assert approve.netloc == urlsplit(fake_paypal.base_url).netloc and approve.path == "/checkoutnow"
    token = parse_qs(approve.query)["token"][0]

    back = urlsplit(fake_paypal.approve(token))
    assert back.path == url(order, "paypal/return/")
    response = signed_in.get(f"{back.path}?{back.query}")
    assert response.status_code == 302 and response["Location"] == url(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED and order.amount_paid == order.total
    html = signed_in.get(url(order)).content.decode()
    assert "Your payment is received." in html and "How to pay" not in html

    # A reload of the return page captures nothing twice.
    signed_in.get(f"{back.path}?{back.query}")
    order.refresh_from_db()
    assert order.amount_paid == order.total


def test_leaving_paypal_without_paying_comes_back_with_a_message(signed_in, buyer, fake_paypal):
    order = place(buyer, method="paypal")
    assert signed_in.post(url(order, "pay/paypal/")).status_code == 302
    response = signed_in.get(url(order, "paypal/cancel/"), follow=True)
    assert "You left PayPal without paying" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT


def test_returning_without_approval_or_with_a_strange_token_is_explained(signed_in, buyer, fake_paypal):
    order = place(buyer, method="paypal")
    signed_in.post(url(order, "pay/paypal/"))
    token = Payment.objects.get().provider_order_id
    not_approved = signed_in.get(url(order, "paypal/return/"), {"token": token})
    assert not_approved.status_code == 409
    assert "The payment was not approved at PayPal." in not_approved.content.decode()
    for query in ({"token": "NOT-OURS"}, {}):
        response = signed_in.get(url(order, "paypal/return/"), query)
        assert response.status_code == 404
        assert "We found no PayPal payment like that" in response.content.decode()


def test_paypal_unreachable_is_a_502_page_not_a_crash(signed_in, buyer, settings):
    settings.PAYPAL_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET = "id", "secret"
    order = place(buyer, method="paypal")
    response = signed_in.post(url(order, "pay/paypal/"))
    assert response.status_code == 502
    assert "PayPal could not be reached" in response.content.decode()


def test_paypal_button_on_a_wire_order_is_refused(signed_in, buyer):
    order = place(buyer, method="wire_transfer")
    response = signed_in.post(url(order, "pay/paypal/"))
    assert response.status_code == 409
    assert "This order is to be paid by Wire transfer." in response.content.decode()
