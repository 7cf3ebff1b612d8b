"""Response diversity: hand-computed distinct-n and edit-distance cases, edge cases, and the registry."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microcoder.recipe.diversity import (
    DIVERSITY,
    distinct_n,
    levenshtein,
    normalised_edit_distance,
    response_diversity,
)


def test_registry_lists_the_measures():
    assert DIVERSITY.names() == ["distinct1", "distinct2", "distinct4", "pairwise_edit_distance"]
    with pytest.raises(KeyError, match="distinct4"):
        response_diversity([["a b c d"]], measure="distinct3")


def test_distinct4_hand_computed():
    # 4-grams: (a b c d) (b c d e) | (a b c d) (b c d f) → 3 unique of 4
    assert response_diversity([["a b c d e", "a b c d f"]]) == 0.75


def test_distinct4_pools_across_the_responses_of_one_prompt():
    # each response alone is all-distinct (1.0); pooled, the second copy adds nothing new
    assert response_diversity([["a b c d", "a b c d"]]) == 0.5


def test_ngrams_do_not_cross_response_boundaries():
    assert distinct_n(["a b", "c d"], 4) is None  # "a b c d" would exist only across the boundary
    assert distinct_n(["a b", "c d"], 2) == 1.0  # (a b) (c d)


def test_whitespace_of_any_kind_separates_tokens():
    assert response_diversity([["x = 1\n\treturn  x"]], measure="distinct1") == 0.8  # x = 1 return x: 4 of 5


def test_diversity_averages_over_prompts():
    groups = [["a b c d", "e f g h"], ["a b c d", "a b c d"]]  # 1.0 and 0.5
    assert response_diversity(groups) == 0.75


def test_groups_without_4grams_are_skipped_not_counted_as_zero():
    assert response_diversity([["a b c d e"], ["too short"], []]) == 1.0


def test_all_groups_skipped_gives_nan():
    assert math.isnan(response_diversity([["a b", "c"], []]))
    assert math.isnan(response_diversity([]))


def test_higher_temperature_like_samples_raise_distinct4():
    # low temperature: four near-copies of one solution; high temperature: four different ones
    cold = [
        "def f ( x ) : return x + 1",
        "def f ( x ) : return x + 1",
        "def f ( x ) : return x + 1",
        "def f ( y ) : return y + 1",
    ]
    hot = [
        "def f ( x ) : return x + 1",
        "def g ( n ) : return 1 + n",
        "f = lambda x : x + 1",
        "def f ( x ) : y = x ; return y + 1",
    ]
    # cold: 4 × 7 4-grams; the 3 copies share 7, the y-variant adds 7 (every window holds a y) → 14 / 28
    # hot: 7 + 7 + 5 + 11 4-grams; only the last one's first three repeat the first's → 27 / 30
    cold_value, hot_value = response_diversity([cold]), response_diversity([hot])
    assert cold_value == pytest.approx(14 / 28)
    assert hot_value == pytest.approx(27 / 30)
    assert hot_value > cold_value


def test_distinct1_and_distinct2_hand_computed():
    group = ["a a b", "a b b"]  # unigrams a a b a b b: 2 unique / 6; bigrams aa ab ab bb: 3 / 4
    assert response_diversity([group], measure="distinct1") == pytest.approx(2 / 6)
    assert response_diversity([group], measure="distinct2") == pytest.approx(3 / 4)


def test_levenshtein_hand_cases():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert levenshtein(["a", "b"], ["a", "b"]) == 0


def test_normalised_edit_distance_is_over_tokens_and_the_longer_length():
    assert normalised_edit_distance("a b c", "a b d") == pytest.approx(1 / 3)
    assert normalised_edit_distance("a", "b c") == 1.0
    assert normalised_edit_distance("", "") == 0.0


def test_pairwise_edit_distance_is_the_mean_over_pairs():
    # pairs: (abc, abd) 1/3, (abc, xyz) 1, (abd, xyz) 1 → mean 7/9
    assert response_diversity([["a b c", "a b d", "x y z"]], measure="pairwise_edit_distance") == pytest.approx(7 / 9)
    assert response_diversity([["a b c", "a b c"]], measure="pairwise_edit_distance") == 0.0


def test_pairwise_edit_distance_skips_single_response_groups():
    assert math.isnan(response_diversity([["only one"]], measure="pairwise_edit_distance"))


def test_a_bare_string_is_not_a_group():
    with pytest.raises(TypeError, match="groups\\[0\\]"):
        response_diversity(["a b c d e"])


def levenshtein_reference(a, b):
    """Full-matrix Wagner–Fischer."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    return d[-1][-1]


@given(st.text("abc", max_size=12), st.text("abc", max_size=12))
def test_levenshtein_matches_the_full_matrix_and_is_symmetric(a, b):
    assert levenshtein(a, b) == levenshtein_reference(a, b) == levenshtein(b, a)


@given(st.lists(st.lists(st.sampled_from("abcd"), max_size=10).map(" ".join), min_size=1, max_size=5))
def test_every_measure_is_a_ratio_in_unit_interval(group):
    for name in DIVERSITY.names():
        value = response_diversity([group], measure=name)
        assert math.isnan(value) or 0.0 <= value <= 1.0
