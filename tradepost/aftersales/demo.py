"""Demo data for the after-sales desk, in stores with a money-back guarantee (the wholesale preset): a paid,
shipped and delivered order with an RMA waiting for review, and a troubleshooting guide, all through the
real services. Runs once (not when an RMA exists)."""

from django.db import transaction

from tradepost.aftersales.models import Rma, TroubleshootingGuide
from tradepost.aftersales.selectors import order_entitlements
from tradepost.aftersales.services import Claim, rma_request
from tradepost.orders.models import OrderStatus
from tradepost.orders.services import order_approve
from tradepost.payments.models import Transaction
from tradepost.payments.services import payment_receipt_record
from tradepost.policies.selectors import policy_active
from tradepost.shipping.models import CarrierService
from tradepost.shipping.services import shipment_create, shipment_mark_delivered


def aftersales_demo(*, buyer, staff) -> Rma | None:
    """Take the buyer's first unpaid order through payment, shipment and delivery, then file an RMA."""
    if Rma.objects.exists() or not policy_active().policy.money_back.enabled:
        return None  # stores without a money-back guarantee keep the demo order unpaid, to pay in the demo
    order = buyer.orders.filter(status=OrderStatus.AWAITING_PAYMENT).order_by("placed_at", "id").first()
    if order is None:
        return None
    with transaction.atomic():
        payment_receipt_record(
            order=order,
            amount=order.balance_due,
            source=Transaction.Source.PAYPAL if order.payment_method in ("paypal", "card") else "bank",
            external_id=f"DEMO-AFTERSALES-{order.number}",
            actor=staff,
            note="Demo payment",
        )
        order.refresh_from_db()
        if order.status in (OrderStatus.PAID, OrderStatus.IN_REVIEW):
            order_approve(order=order, actor=staff)
        service = (
            CarrierService.objects.select_related("carrier")
            .filter(carrier__code=order.shipping_carrier or "dhl", code=order.shipping_service or "express")
            .first()
        )
        parcel = shipment_create(
            order=order,
            actor=staff,
            carrier=service.carrier.code,
            service=service.code,
            tracking_number=f"DEMO{order.number[-8:]}",
            note="Demo parcel",
        )
        shipment_mark_delivered(shipment=parcel, actor=staff)
        order.refresh_from_db()
        line = order.lines.select_related("product__category").first()
        if line.product_id:
            TroubleshootingGuide.objects.get_or_create(
                category=line.product.category,
                defaults={
                    "title": f"{line.product.category.name}: before a warranty claim",
                    "steps": "Check the supply voltage and polarity.\nReseat or resolder the part.\n"
                    "Try a second unit from the same order.",
                },
            )
        item = next(i for i in order_entitlements(order, with_guides=True) if i.line.pk == line.pk)
        reason = "changed_mind" if any("changed_mind" in e.reasons for e in item.open) else "defective"
        return rma_request(
            order=order,
            user=buyer,
            claim=Claim(
                line_id=line.pk,
                quantity=1,
                reason=reason,
                description="Demo request: the buyer wants to send one unit back.",
                troubleshooting_seen=True,
            ),
        )
