"""Truncation masks: who loses their advantage, how many, and reproducibly."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from microcoder.recipe.truncation_mask import (
    MASKS,
    apply_mask,
    complete_mask,
    compute_truncation_mask,
    conditional_mask,
    eligible_for_mask,
    is_repetitive,
    is_truncated,
    no_mask,
)


def batch(rows, T=None, pad=0):
    """Left-aligned [B, T] ids and mask from lists of token ids."""
    T = T or max(len(r) for r in rows)
    ids = torch.full((len(rows), T), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), T), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


def repetitive_loop(ids, mask, m):
    """Plain-Python reference: the last m real tokens equal the m before them."""
    out = []
    for i in range(ids.shape[0]):
        n = int(mask[i].sum())
        toks = ids[i, :n].tolist()
        out.append(n >= 2 * m and toks[n - m :] == toks[n - 2 * m : n - m])
    return torch.tensor(out, dtype=torch.bool)


def gen(seed):
    return torch.Generator().manual_seed(seed)


def test_registry_holds_none_complete_conditional():
    assert MASKS.names() == ["complete", "conditional", "none"]


def test_is_repetitive_hand_cases():
    ids, mask = batch([[1, 2, 3, 1, 2, 3], [1, 2, 3, 1, 2, 4], [7, 7, 7, 7, 7], [5, 1, 2, 1, 2]], T=8, pad=1)
    assert is_repetitive(ids, mask, 3).tolist() == [True, False, False, False]
    assert is_repetitive(ids, mask, 2).tolist() == [False, False, True, True]
    assert is_repetitive(ids, mask, 1).tolist() == [False, False, True, False]


def test_responses_shorter_than_two_windows_are_not_repetitive():
    ids, mask = batch([[9] * 7], T=20)
    assert is_repetitive(ids, mask, 4).tolist() == [False]  # 7 < 2·4, though every token is the same
    assert is_repetitive(ids, mask, 3).tolist() == [True]


def test_padding_is_not_read_as_repetition():
    ids, mask = batch([[1, 2, 3, 4]], T=12, pad=0)  # the padding zeros repeat, the response does not
    assert is_repetitive(ids, mask, 4).tolist() == [False]
    assert is_repetitive(ids, mask, 2).tolist() == [False]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_vectorised_repetition_matches_the_loop(data):
    B, T, m = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 20)), data.draw(st.integers(1, 6))
    rows = [
        data.draw(st.lists(st.integers(0, 2), min_size=0, max_size=T)) for _ in range(B)
    ]
    pad = data.draw(st.integers(0, 2))
    ids, mask = batch(rows, T=T, pad=pad)
    assert torch.equal(is_repetitive(ids, mask, m), repetitive_loop(ids, mask, m))


def test_truncation_uses_the_configured_limit_not_the_batch_width():
    ids, mask = batch([[1] * 6, [1] * 5, [1] * 10], T=10)
    assert is_truncated(mask, 6).tolist() == [True, False, True]


def test_none_mask_keeps_every_response():
    ids, mask = batch([[1] * 4, [2] * 4])
    keep, frac = no_mask(ids, mask, torch.tensor([True, True]), max_length=4)
    assert keep.tolist() == [1.0, 1.0] and frac == 0.0


def test_complete_mask_zeroes_every_truncated_response():
    ids, mask = batch([[1, 2, 3, 4], [1, 2], [4, 4, 4, 4], [1, 2, 3]])
    correct = torch.tensor([False, True, True, False])  # ignored: correct or not, truncated is masked
    keep, frac = complete_mask(ids, mask, correct, max_length=4)
    assert keep.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert keep.dtype == torch.float32
    assert frac == 0.5


def test_conditional_mask_keeps_repetitive_responses():
    # four truncated correct responses (L_max = 4, m = 2); rows 1 and 3 end with a repeated window
    ids, mask = batch([[1, 2, 3, 4], [1, 2, 1, 2], [5, 6, 7, 8], [3, 3, 3, 3]])
    keep, frac = conditional_mask(ids, mask, torch.ones(4, dtype=torch.bool), max_length=4, ratio=1.0,
                                  repeat_window=2, generator=gen(0))
    assert keep.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert frac == 0.5


def test_conditional_mask_keeps_incorrect_and_untruncated_responses():
    ids, mask = batch([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3]])
    correct = torch.tensor([True, False, True])
    keep, frac = conditional_mask(ids, mask, correct, max_length=4, ratio=1.0, repeat_window=2, generator=gen(0))
    assert keep.tolist() == [0.0, 1.0, 1.0]  # only the truncated, correct, non-repetitive one
    assert frac == pytest.approx(1 / 3)


def test_conditional_mask_with_zero_ratio_masks_nothing():
    ids, mask = batch([[1, 2, 3, 4]] * 8)
    keep, frac = conditional_mask(ids, mask, torch.ones(8, dtype=torch.bool), max_length=4, ratio=0.0,
                                  repeat_window=2, generator=gen(0))
    assert keep.tolist() == [1.0] * 8 and frac == 0.0


def test_precomputed_repetitive_flag_replaces_the_token_check():
    ids, mask = batch([[1, 2, 1, 2], [1, 2, 3, 4]])  # row 0 repeats by tokens, row 1 does not
    flag = torch.tensor([False, True])  # the reward function says the opposite
    keep, _ = conditional_mask(ids, mask, torch.ones(2, dtype=torch.bool), max_length=4, ratio=1.0,
                               repeat_window=2, generator=gen(0), repetitive=flag)
    assert keep.tolist() == [0.0, 1.0]


def eligible_batch(B, T=8):
    """B truncated, correct, non-repetitive responses (distinct tokens, L_max = T)."""
    ids = torch.arange(T).repeat(B, 1)
    return ids, torch.ones(B, T, dtype=torch.long), torch.ones(B, dtype=torch.bool)


def test_conditional_mask_is_deterministic_for_a_seed():
    ids, mask, correct = eligible_batch(256)
    a = conditional_mask(ids, mask, correct, max_length=8, ratio=0.3, repeat_window=2, generator=gen(7))
    b = conditional_mask(ids, mask, correct, max_length=8, ratio=0.3, repeat_window=2, generator=gen(7))
    c = conditional_mask(ids, mask, correct, max_length=8, ratio=0.3, repeat_window=2, generator=gen(8))
    assert torch.equal(a[0], b[0]) and a[1] == b[1]
    assert not torch.equal(a[0], c[0])


@pytest.mark.parametrize("ratio", [0.1, 0.3, 0.7])
def test_masked_fraction_is_close_to_ratio_over_many_eligible_responses(ratio):
    ids, mask, correct = eligible_batch(20_000)
    keep, frac = conditional_mask(ids, mask, correct, max_length=8, ratio=ratio, repeat_window=2,
                                  generator=gen(1))
    assert frac == pytest.approx(ratio, abs=0.015)  # ~4.7 standard errors at ρ = 0.5
    assert frac == pytest.approx(1.0 - keep.mean().item())


def test_masked_fraction_is_over_the_whole_batch():
    ids, mask = batch([[1, 2, 3, 4]] * 2 + [[1, 2]] * 6)  # 2 eligible of 8
    _, frac = conditional_mask(ids, mask, torch.ones(8, dtype=torch.bool), max_length=4, ratio=1.0,
                               repeat_window=2, generator=gen(0))
    assert frac == 0.25


def test_masked_set_does_not_depend_on_who_else_is_eligible():
    # B uniforms are drawn whatever the eligibility, so a seed picks the same responses in every arm.
    ids, mask, correct = eligible_batch(64)
    some = correct.clone()
    some[::2] = False
    keep_all, _ = conditional_mask(ids, mask, correct, max_length=8, ratio=0.5, repeat_window=2, generator=gen(3))
    keep_some, _ = conditional_mask(ids, mask, some, max_length=8, ratio=0.5, repeat_window=2, generator=gen(3))
    masked_all, masked_some = keep_all == 0, keep_some == 0
    assert torch.equal(masked_some, masked_all & some)


def test_compute_truncation_mask_dispatches_by_name_and_lists_valid_names():
    ids, mask = batch([[1, 2, 3, 4], [1]])
    keep, _ = compute_truncation_mask("complete", ids, mask, torch.tensor([True, True]), max_length=4)
    assert keep.tolist() == [0.0, 1.0]
    with pytest.raises(KeyError, match="complete, conditional, none"):
        compute_truncation_mask("partial", ids, mask, torch.tensor([True, True]), max_length=4)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"ratio": 1.5}, "ratio"),
        ({"ratio": -0.1}, "ratio"),
        ({"max_length": 0}, "max_length"),
        ({"repeat_window": 0}, "repeat_window"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    ids, mask = batch([[1, 2]])
    args = {"max_length": 2, "ratio": 0.5, "repeat_window": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        conditional_mask(ids, mask, torch.tensor([True]), generator=gen(0), **args)


def test_shape_mismatches_are_refused():
    ids, mask = batch([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="correct"):
        complete_mask(ids, mask, torch.tensor([True]), max_length=2)
    with pytest.raises(ValueError, match="response_mask"):
        complete_mask(ids, mask[:, :1], torch.tensor([True, True]), max_length=2)


def test_apply_mask_zeroes_the_rows_of_masked_responses():
    adv = torch.tensor([[1.0, 1.0, 1.0], [-2.0, -2.0, 0.0], [0.5, 0.5, 0.5]], dtype=torch.float64)
    out = apply_mask(adv, torch.tensor([1.0, 0.0, 1.0]))
    assert out.dtype == torch.float64
    assert out.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]
    with pytest.raises(ValueError):
        apply_mask(adv, torch.ones(2))


def test_empty_batch_masks_nothing():
    ids = torch.zeros(0, 4, dtype=torch.long)
    keep, frac = conditional_mask(ids, ids.clone(), torch.zeros(0, dtype=torch.bool), max_length=4, ratio=0.5,
                                  generator=gen(0))
    assert keep.shape == (0,) and frac == 0.0


# --- non-incorrect(o_i): the equation's reading (default) and the blog's stricter one -------------------------


def _responses():
    """Four truncated responses (L_max = 8 tokens) and what the judge and the extractor say of them."""
    from microcoder.evaluator.extraction import has_answer

    texts = {
        "no closed block": "Let me think about it step by step and then",
        "open code block": "Here:\n```python\nn = int(input())\nprint(n +",
        "closed, wrong": "```python\nprint(1)\n```\nand then some more words",
        "closed, correct": "```python\nprint(2)\n```\nand then some more words",
    }
    passed = torch.tensor([False, False, False, True])
    answered = torch.tensor([has_answer(t) for t in texts.values()])
    return list(texts), passed, answered


def test_non_incorrect_counts_a_response_cut_off_before_its_answer_as_not_wrong():
    names, passed, answered = _responses()
    assert answered.tolist() == [False, False, True, True]
    assert eligible_for_mask(passed, answered, "non-incorrect").tolist() == [True, True, False, True]


def test_correct_reading_makes_only_passing_responses_eligible():
    names, passed, answered = _responses()
    assert eligible_for_mask(passed, answered, "correct").tolist() == [False, False, False, True]


def test_non_incorrect_is_the_default_reading():
    names, passed, answered = _responses()
    assert eligible_for_mask(passed, answered).tolist() == eligible_for_mask(passed, answered, "non-incorrect").tolist()


def test_conditional_mask_under_the_equation_masks_cut_off_and_correct_but_not_wrong_or_repetitive():
    names, passed, answered = _responses()
    rows = [list(range(1, 9)), list(range(11, 19)), list(range(21, 29)), list(range(31, 39)), [5, 6, 7, 8] * 2]
    ids, mask = batch(rows, T=10)
    passed = torch.cat([passed, torch.tensor([True])])
    answered = torch.cat([answered, torch.tensor([True])])  # the 5th repeats its last 4 tokens
    keep, frac = conditional_mask(ids, mask, eligible_for_mask(passed, answered), max_length=8, ratio=1.0,
                                  repeat_window=4)
    assert keep.tolist() == [0.0, 0.0, 1.0, 0.0, 1.0] and frac == pytest.approx(3 / 5)
    keep, _ = conditional_mask(ids, mask, eligible_for_mask(passed, answered, "correct"), max_length=8, ratio=1.0,
                               repeat_window=4)
    assert keep.tolist() == [1.0, 1.0, 1.0, 0.0, 1.0]


def test_unknown_eligibility_reading_is_refused_with_the_valid_ones():
    with pytest.raises(ValueError, match="non-incorrect, correct"):
        eligible_for_mask(torch.tensor([True]), torch.tensor([True]), "passed")
