"""Response diversity: how different the n responses sampled for one prompt are from each other.

What: `response_diversity(groups, measure)` — `groups[i]` holds the decoded responses to prompt i (one GRPO group);
each measure in the `DIVERSITY` registry scores one group, and the result is the mean over the groups that have a
score. `distinct4` is THE `train/response_diversity` metric (design.md §3, §4).

Why: the study plots "Response Diversity" in most figures and picks the training temperature from it
(MicroCoder-Insights, "Temperature Dynamics"), but never defines it. We use the distinct-4-gram ratio over
whitespace tokens pooled across the n responses of one prompt, averaged over prompts — the measure POLARIS uses
for its diversity-based temperature choice ("POLARIS: A Post-Training Recipe for Scaling Reinforcement
Learning on Advanced Reasoning Models", 2025); distinct-n itself is Li et al. 2016 ("A Diversity-Promoting
Objective Function for Neural Conversation Models").

How:
    distinct{1,2,4}          |unique n-grams| / |n-grams|, n-grams taken within each response (never across two)
                             and pooled over the group. A group with no n-gram at all (every response shorter
                             than n tokens) has no score and is skipped.
    pairwise_edit_distance   mean over the group's response pairs of the token-level Levenshtein distance divided
                             by the longer length (0 = identical, 1 = nothing shared). A diversity, so higher means
                             more diverse, like distinct-n; 1 − it is the pairwise edit similarity. Groups with
                             fewer than two responses are skipped. Quadratic in length: for analysis, not per step
                             on long responses.
If every group is skipped, the result is NaN (not 0.0: "nothing to measure" is not "no diversity"; a logged
0.0 would read as total collapse). `choose_temperature` skips NaN candidates.

    response_diversity([["a b c d e", "a b c d f"]])  # 4-grams abcd bcde abcd bcdf: 3 unique / 4 = 0.75
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations
from typing import Callable, Optional

from microcoder.registry import Registry

__all__ = [
    "DIVERSITY",
    "distinct_n",
    "levenshtein",
    "normalised_edit_distance",
    "response_diversity",
    "whitespace_tokens",
]

GroupMeasure = Callable[[Sequence[str]], Optional[float]]
"""One group's responses → its diversity, or None when the group has nothing to measure (skipped)."""

DIVERSITY: Registry[GroupMeasure] = Registry("diversity measure")


def whitespace_tokens(text: str) -> list[str]:
    """`text` split on runs of whitespace (str.split()): the token unit of every measure here."""
    return text.split()


def distinct_n(group: Sequence[str], n: int) -> Optional[float]:
    """Pooled distinct-n ratio of one group: unique n-grams / all n-grams, n-grams within each response.

    None when the group has no n-gram (every response shorter than n whitespace tokens).
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    total = 0
    unique: set[tuple[str, ...]] = set()
    for text in group:
        toks = whitespace_tokens(text)
        grams = [tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)]
        total += len(grams)
        unique.update(grams)
    return len(unique) / total if total else None


@DIVERSITY.register("distinct1")
def distinct1(group: Sequence[str]) -> Optional[float]:
    """Distinct unigrams over the group's whitespace tokens (Li et al. 2016)."""
    return distinct_n(group, 1)


@DIVERSITY.register("distinct2")
def distinct2(group: Sequence[str]) -> Optional[float]:
    """Distinct bigrams, pooled over the group (Li et al. 2016)."""
    return distinct_n(group, 2)


@DIVERSITY.register("distinct4")
def distinct4(group: Sequence[str]) -> Optional[float]:
    """Distinct 4-grams, pooled over the group: `train/response_diversity` (POLARIS's measure)."""
    return distinct_n(group, 4)


def levenshtein(a: Sequence[object], b: Sequence[object]) -> int:
    """Edit distance (insert, delete, substitute; each costs 1) between two sequences. O(len(a)·len(b))."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def normalised_edit_distance(a: str, b: str) -> float:
    """Token-level Levenshtein distance / the longer token count, in [0, 1]; two empty responses → 0.0."""
    ta, tb = whitespace_tokens(a), whitespace_tokens(b)
    longest = max(len(ta), len(tb))
    return levenshtein(ta, tb) / longest if longest else 0.0


@DIVERSITY.register("pairwise_edit_distance")
def pairwise_edit_distance(group: Sequence[str]) -> Optional[float]:
    """Mean normalised token edit distance over all pairs of the group (1 − pairwise edit similarity)."""
    pairs = list(combinations(group, 2))
    if not pairs:
        return None
    return sum(normalised_edit_distance(a, b) for a, b in pairs) / len(pairs)


def response_diversity(groups: Sequence[Sequence[str]], measure: str = "distinct4") -> float:
    """Mean over prompts of one group measure; groups the measure cannot score are skipped; all skipped → NaN.

    groups: one list of decoded response strings per prompt (the n samples of that prompt).
    measure: a name in DIVERSITY (distinct1, distinct2, distinct4, pairwise_edit_distance).
    """
    fn = DIVERSITY.get(measure)
    scores: list[float] = []
    for i, group in enumerate(groups):
        if isinstance(group, str) or not all(isinstance(r, str) for r in group):
            raise TypeError(f"groups[{i}] must be a list of response strings, got {group!r:.80}")
        score = fn(group)
        if score is not None:
            scores.append(score)
    return sum(scores) / len(scores) if scores else math.nan
