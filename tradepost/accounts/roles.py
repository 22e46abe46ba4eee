"""Staff desks: each desk is a Django group; a staff member may sit at several."""

from django.db import models


class Desk(models.TextChoices):
    SALES = "sales", "Sales and quotes"
    FULFILMENT = "fulfilment", "Order review and fulfilment"
    AFTERSALES = "aftersales", "After-sales"
    SUPPORT = "support", "Customer support"
    FINANCE = "finance", "Finance"


GROUP_PREFIX = "desk:"


def group_name(desk: str) -> str:
    return GROUP_PREFIX + Desk(desk).value


def user_desks(user) -> set[str]:
    """The desks a user may work at; superusers sit at every desk."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff or not user.is_active:
        return set()
    if user.is_superuser:
        return {desk.value for desk in Desk}
    names = user.groups.filter(name__startswith=GROUP_PREFIX).values_list("name", flat=True)
    return {name.removeprefix(GROUP_PREFIX) for name in names}


def user_has_desk(user, desk: str) -> bool:
    return desk in user_desks(user)
