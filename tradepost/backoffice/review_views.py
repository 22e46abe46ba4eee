"""Review moderation desk (after-sales): the queue per status, and one review with its history where staff
publish it or refuse it with a reason the buyer reads. Each form posts to one service call."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tradepost.accounts.roles import Desk, user_desks
from tradepost.backoffice.order_views import desk_required, show_errors
from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.reviews import selectors, services
from tradepost.reviews.models import MODERATION, REASON_MAX, ReviewStatus

PER_PAGE = 50


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why, for the buyer",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The buyer reads this and may change the review and send it again.",
    )


@desk_required(Desk.AFTERSALES)
@require_GET
def review_queue(request):
    status = request.GET.get("status") or ReviewStatus.PENDING
    if status not in ReviewStatus.values:
        status = ReviewStatus.PENDING
    page = Paginator(selectors.moderation_queue(status=status), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/reviews/queue.html",
        {"page": page, "status": status, "statuses": ReviewStatus.choices},
    )


def _review(review_id: int):
    try:
        return selectors.review_for_staff(review_id=review_id)
    except NotFound:
        raise Http404 from None


@desk_required(Desk.AFTERSALES)
@require_http_methods(["GET", "POST"])
def review_detail(request, review_id: int):
    review = _review(review_id)
    reject_form = RejectForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.review_approve(review=review, actor=request.user)
                messages.success(request, "Review published; the buyer is told by email.")
                return redirect("backoffice:review_queue")
            if action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    services.review_reject(
                        review=review, actor=request.user, reason=reject_form.cleaned_data["reason"]
                    )
                    messages.success(request, "Review not published; the buyer is told why by email.")
                    return redirect("backoffice:review_queue")
                status = 400
            else:
                raise Http404
        except ApplicationError as exc:
            show_errors(reject_form, exc)
            status = exc.status if exc.status in (404, 409) else 400
            review = _review(review_id)
    allowed = MODERATION.get(review.status, frozenset())
    return render(
        request,
        "backoffice/reviews/detail.html",
        {
            "review": review,
            "history": selectors.review_history(review),
            "reject_form": reject_form,
            "can_approve": ReviewStatus.APPROVED in allowed,
            "can_reject": ReviewStatus.REJECTED in allowed,
            "desks": user_desks(request.user),
        },
        status=status,
    )
