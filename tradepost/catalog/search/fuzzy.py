"""Typo tolerance: pick the lexicon words a mistyped query word most likely meant. Pure functions."""

MIN_TYPO_WORD = 4  # shorter words are taken as typed
MAX_CORRECTIONS = 3


def typo_budget(word: str) -> int:
    """Edits tolerated in a word: none below 4 letters, one up to 7, two from 8 on."""
    if len(word) < MIN_TYPO_WORD:
        return 0
    return 1 if len(word) < 8 else 2


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def corrections(word: str, candidates: list[str]) -> list[str]:
    """The candidates nearest to `word` within its typo budget, alphabetical, at most three."""
    budget = typo_budget(word)
    if not budget:
        return []
    scored = [(edit_distance(word, c, budget), c) for c in set(candidates) if c != word]
    scored = [(distance, c) for distance, c in scored if distance <= budget]
    if not scored:
        return []
    best = min(distance for distance, _ in scored)
    return sorted(c for distance, c in scored if distance == best)[:MAX_CORRECTIONS]
