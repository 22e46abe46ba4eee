"""Read-only admin for policy versions: new versions come only from the `policy activate` service."""

import json

from django.contrib import admin
from django.db.models import Subquery
from django.utils.html import format_html

from tradepost.core.admin import ReadOnlyAdmin
from tradepost.policies.documents import policy_document
from tradepost.policies.models import PolicyVersion
from tradepost.policies.selectors import policy_from_version


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "preset", "digest_prefix", "created_at", "created_by", "is_active"]
    list_select_related = ["created_by"]
    list_filter = ["preset"]
    search_fields = ["digest", "note", "source"]
    fields = ["number", "preset", "source", "digest", "note", "created_at", "created_by", "pretty_document"]
    readonly_fields = fields

    def get_queryset(self, request):
        # One subquery marks the active row, so the list needs no extra query per version.
        latest = PolicyVersion.objects.order_by("-number").values("number")[:1]
        return super().get_queryset(request).annotate(active_number=Subquery(latest))

    @admin.display(description="digest")
    def digest_prefix(self, obj: PolicyVersion) -> str:
        return obj.digest[:12]

    @admin.display(description="active", boolean=True)
    def is_active(self, obj: PolicyVersion) -> bool:
        return obj.number == obj.active_number

    @admin.display(description="policy")
    def pretty_document(self, obj: PolicyVersion) -> str:
        document = policy_document(policy_from_version(obj))
        return format_html("<pre>{}</pre>", json.dumps(document, indent=2, ensure_ascii=False))
