"""My reviews: the list with each review's moderation state, and the form that writes or edits the review
of one delivered order line. Another buyer's line or review is 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tradepost.core.exceptions import ApplicationError, NotFound
from tradepost.reviews import selectors, services
from tradepost.reviews.models import COMMENT_MAX, RATING_MAX, RATING_MIN, TITLE_MAX
from tradepost.storefront.forms import apply_errors
from tradepost.storefront.views.cart import page_status

REVIEWS_PER_PAGE = 20


class ReviewForm(forms.Form):
    # Ranges and lengths are the service's to check, so the form and the API refuse with the same words.
    rating = forms.TypedChoiceField(
        choices=[(n, f"{n} star{'s' if n > 1 else ''}") for n in range(RATING_MAX, RATING_MIN - 1, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        label="Your rating",
    )
    title = forms.CharField(
        required=False, label="Headline (optional)", widget=forms.TextInput(attrs={"maxlength": TITLE_MAX})
    )
    comment = forms.CharField(
        required=False,
        label="Your comments (optional)",
        help_text=f"What you used it for and how it performed; at most {COMMENT_MAX} characters.",
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": COMMENT_MAX}),
    )


@login_required
def my_reviews(request):
    paginator = Paginator(selectors.reviews_for_buyer(user=request.user), REVIEWS_PER_PAGE)
    return render(
        request, "storefront/reviews/list.html", {"page": paginator.get_page(request.GET.get("page"))}
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_write(request, number: str, line_id: int):
    """Write the line's review, or edit it while it is not yet published."""
    try:
        line = selectors.line_for_buyer(user=request.user, number=number, line_id=line_id)
    except NotFound:
        raise Http404 from None
    review = selectors.review_of_line(user=request.user, line=line)
    initial = {"rating": review.rating, "title": review.title, "comment": review.comment} if review else {}
    form = ReviewForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if review is None:
                    services.review_submit(user=request.user, line=line, **data)
                else:
                    services.review_update(user=request.user, review=review, **data)
            except ApplicationError as exc:
                apply_errors(form, exc)
                status = page_status(exc)
            else:
                messages.success(request, "Thank you. Your review is published once our team has checked it.")
                return redirect("storefront:my_reviews")
        else:
            status = 400
    # Said before the buyer writes anything: a line that can't be reviewed (yet) gets no form.
    refusal = None if review or request.method == "POST" else selectors.line_refusal(line)
    return render(
        request,
        "storefront/reviews/write.html",
        {"form": form, "line": line, "order": line.order, "review": review, "refusal": refusal},
        status=status,
    )
