"""Template helpers for review pages."""

from django import template

register = template.Library()


@register.filter
def for_line(line_reviews: dict, line_id):
    """The LineReview of one order line from selectors.line_reviews(), or None."""
    return (line_reviews or {}).get(line_id)


@register.filter
def stars(rating) -> str:
    """A rating as five stars, e.g. ★★★★☆ for 4 (screen readers get the number from the aria-label)."""
    try:
        filled = max(0, min(5, int(float(rating) + 0.5)))  # half up: 4.5 shows five stars
    except (TypeError, ValueError):
        return ""
    return "★" * filled + "☆" * (5 - filled)
