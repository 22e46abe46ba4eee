"""Part-number normalization for storage, search and import: case, spaces, dashes and dots don't count."""

import re

_NOT_PART_CHARS = re.compile(r"[^0-9A-Z]+")


def normalize_part_number(value: str) -> str:
    """'lm-317 t' -> 'LM317T'; what buyers type and what manufacturers print compare equal."""
    return _NOT_PART_CHARS.sub("", (value or "").upper())
