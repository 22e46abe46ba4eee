"""Policy versions: each activation stores the whole validated policy as one immutable, numbered row."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tradepost.core.exceptions import Conflict


class PolicyVersionImmutable(Conflict):
    code = "policy_version_immutable"


class PolicyVersionQuerySet(models.QuerySet):
    # Bulk writes would bypass the per-row guards below, so they are refused here too.
    def update(self, **kwargs):
        raise PolicyVersionImmutable("Policy versions cannot be changed; activate a new version instead")

    def delete(self):
        raise PolicyVersionImmutable("Policy versions cannot be deleted: orders refer to them")


class PolicyVersion(models.Model):
    """One activated store policy. Never changed or deleted; the highest number is the active policy."""

    number = models.PositiveIntegerField(unique=True, editable=False)
    preset = models.CharField(max_length=50, help_text="The policy's store key, e.g. a preset name.")
    source = models.CharField(max_length=255, help_text='File name, "api" or "admin".')
    document = models.JSONField(help_text="The validated policy as JSON.")
    digest = models.CharField(
        max_length=64, db_index=True, help_text="SHA-256 of the canonical JSON document."
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(number__gte=1), name="policies_version_number_from_1"),
        ]

    def __str__(self) -> str:
        return f"Policy v{self.number} ({self.preset})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PolicyVersionImmutable(
                f"Policy version {self.number} cannot be changed; activate a new version instead"
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PolicyVersionImmutable(f"Policy version {self.number} cannot be deleted: orders refer to it")
