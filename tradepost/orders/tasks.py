"""Background jobs for orders; each calls a service and is safe to run twice."""

from celery import shared_task


@shared_task
def expire_unpaid_orders() -> int:
    from tradepost.orders.services import orders_expire_unpaid

    return orders_expire_unpaid()


@shared_task
def complete_delivered_orders() -> int:
    from tradepost.orders.services import orders_complete_delivered

    return orders_complete_delivered()
