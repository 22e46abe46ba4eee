"""Payments: attempts per method, a ledger of money in and out per order, and refunds owed."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from tradepost.orders.models import PaymentMethodChoices


class Payment(models.Model):
    """One attempt to pay an order by one method: a PayPal order, a wire or a Western Union transfer."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the buyer"
        SUBMITTED = "submitted", "Submitted, waiting for verification"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected by staff"

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(max_length=24, choices=PaymentMethodChoices.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="Amount asked for, USD.")
    # Sent as PayPal-Request-Id so a retried provider call is not a second charge.
    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider_order_id = models.CharField(max_length=64, blank=True, db_index=True)
    approve_url = models.URLField(max_length=500, blank=True)
    # Western Union: what the buyer says they sent.
    sender_name = models.CharField(max_length=150, blank=True)
    mtcn = models.CharField("MTCN", max_length=10, blank=True)
    failure_message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_order_id"],
                condition=~Q(provider_order_id=""),
                name="payments_provider_order_once",
            ),
            models.UniqueConstraint(
                fields=["mtcn"], condition=~Q(mtcn="") & ~Q(status="rejected"), name="payments_mtcn_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} for {self.order_id} ({self.status})"


class Transaction(models.Model):
    """Money that moved: a receipt (into the store) or a refund (back to the buyer), once per external id.

    `source` + `external_id` is unique, so a webhook or a confirmation delivered twice records nothing new.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Received"
        REFUND = "refund", "Refunded"

    class Source(models.TextChoices):
        PAYPAL = "paypal", "PayPal"
        BANK = "bank", "Bank statement"
        WESTERN_UNION = "western_union", "Western Union"

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="transactions")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    external_id = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_on = models.DateField(null=True, blank=True, help_text="Value date on the bank statement.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="payments_transaction_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_transaction_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.source} {self.external_id})"


class Refund(models.Model):
    """Money the store owes a buyer, with the date the policy promises it by."""

    class Status(models.TextChoices):
        PENDING = "pending", "To be paid"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, to retry"

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    destination = models.CharField(max_length=24, choices=PaymentMethodChoices.choices)
    due_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=100, blank=True)
    failure_message = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive")]

    def __str__(self) -> str:
        return f"refund {self.amount} for {self.order_id} ({self.status})"
