"""The star line of a rating and the order page's per-line lookup."""

from decimal import Decimal

from tradepost.reviews.templatetags.reviews import for_line, stars


def test_stars_round_half_up_and_stay_within_five():
    assert stars(4) == "★★★★☆"
    assert stars(Decimal("4.5")) == "★★★★★"
    assert stars(Decimal("4.4")) == "★★★★☆"
    assert stars(9) == "★★★★★" and stars(-1) == "☆☆☆☆☆"
    assert stars(None) == "" and stars("x") == ""


def test_for_line_finds_a_lines_state_or_nothing():
    assert for_line({3: "state"}, 3) == "state"
    assert for_line({3: "state"}, 4) is None and for_line(None, 3) is None
