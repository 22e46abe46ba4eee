"""Commercial invoices: one per order, numbered without gaps per year, frozen when issued."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class InvoiceState(models.TextChoices):
    """Where an order stands with its commercial invoice, as the buyer and staff are shown it."""

    NOT_REQUESTED = "not_requested", "Not requested"
    REQUESTED = "requested", "Requested: issued when the order ships"
    AUTOMATIC = "automatic", "Issued automatically when the order ships"
    ISSUED = "issued", "Issued"
    CLOSED = "closed", "Request window closed"
    UNAVAILABLE = "unavailable", "Not available"


class InvoiceSequence(models.Model):
    """The last number given out in a year. Its row is locked by the issuing transaction, so a rollback
    gives the number back and numbers stay gap-free."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="invoice")
    number = models.CharField(max_length=20, unique=True, help_text="CI-<year>-<6 digits>.")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField(help_text="Position within the year; gap-free.")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the buyer asked for it; empty when the store always issues one.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incoterm = models.CharField(max_length=3, choices=[("DDP", "DDP"), ("DAP", "DAP")])
    # Everything printed on the document, frozen at issue: the PDF is rendered from this alone.
    data = models.JSONField()
    # Rendered once, on the first download; served byte for byte afterwards.
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoices_one_number_per_year"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="invoices_sequence_positive"),
        ]

    def __str__(self) -> str:
        return self.number
