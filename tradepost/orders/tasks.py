"""Background jobs for orders; each calls a service and is safe to run twice."""

from celery import shared_task

from tradepost.orders.emails import order_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_order_email(order_id: int, kind: str, message: str = "", shipment: str = "") -> bool:
    return order_email_send(order_id=order_id, kind=kind, message=message, shipment=shipment)


@shared_task
def expire_unpaid_orders() -> int:
    from tradepost.orders.services import orders_expire_unpaid

    return orders_expire_unpaid()


@shared_task
def complete_delivered_orders() -> int:
    from tradepost.orders.services import orders_complete_delivered

    return orders_complete_delivered()
