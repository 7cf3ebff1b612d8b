"""The advantage step of one batch: outcome rewards → group-relative advantages → the truncation mask."""

import numpy as np
import pytest
import torch

from microcoder.recipe.advantages import group_index, outcome_advantages, token_level_rewards
from microcoder.recipe.truncation_mask import mask_advantages, mask_generator


def batch(lengths, T):
    """Left-aligned [B, T] ids (all distinct, so nothing is repetitive) and mask for the given lengths."""
    B = len(lengths)
    ids = torch.arange(B * T, dtype=torch.long).reshape(B, T) + 10
    mask = (torch.arange(T).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)).long()
    return ids * mask, mask


def grpo_loop(rewards, mask, n, eps=1e-6):
    """Plain-Python GRPO: (r_i − mean of its group) / (unbiased std of its group + eps) on every real token."""
    out = torch.zeros(mask.shape)
    for g in range(0, len(rewards), n):
        group = [float(r) for r in rewards[g:g + n]]
        mean = sum(group) / n
        std = (sum((r - mean) ** 2 for r in group) / (n - 1)) ** 0.5
        for i in range(g, g + n):
            out[i] = (float(rewards[i]) - mean) / (std + eps) * mask[i].float()
    return out


def test_reward_sits_on_the_last_real_token():
    _, mask = batch([3, 1, 4], T=4)
    got = token_level_rewards(torch.tensor([1.0, 0.5, -1.0]), mask)
    assert got.tolist() == [[0, 0, 1.0, 0], [0.5, 0, 0, 0], [0, 0, 0, -1.0]]


def test_empty_response_gets_its_reward_on_the_first_position():
    _, mask = batch([0, 2], T=2)
    assert token_level_rewards(torch.tensor([0.25, 1.0]), mask).tolist() == [[0.25, 0], [0, 1.0]]


def test_group_index_names_each_rows_prompt():
    assert group_index(6, 3).tolist() == ["0", "0", "0", "1", "1", "1"]
    with pytest.raises(ValueError, match="whole groups"):
        group_index(5, 2)


def test_grpo_advantages_hand_case():
    # one group of two: rewards 1 and 0 → mean 0.5, unbiased std √0.5 → ±0.5/√0.5 = ±√0.5 on every real token
    ids, mask = batch([2, 3], T=3)
    out = outcome_advantages(torch.tensor([1.0, 0.0]), ids, mask, torch.tensor([True, False]),
                             torch.tensor([True, True]), group_size=2, max_length=8)
    half = 0.5 ** 0.5
    assert torch.allclose(out.advantages, torch.tensor([[half, half, 0.0], [-half, -half, -half]]), atol=1e-5)
    assert not out.masked.any()


def test_vectorised_advantages_match_the_loop():
    gen = torch.Generator().manual_seed(0)
    n, prompts, T = 4, 5, 7
    lengths = torch.randint(1, T + 1, (n * prompts,), generator=gen).tolist()
    rewards = torch.randint(0, 2, (n * prompts,), generator=gen).float()
    ids, mask = batch(lengths, T)
    out = outcome_advantages(rewards, ids, mask, rewards.bool(), torch.ones(n * prompts, dtype=torch.bool),
                             group_size=n, max_length=T + 1)
    assert torch.allclose(out.advantages, grpo_loop(rewards, mask, n), atol=1e-5)


def test_advantages_are_zero_on_padding_and_sum_to_zero_in_each_group():
    ids, mask = batch([1, 4, 2, 3, 4, 4], T=4)
    out = outcome_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.0]), ids, mask,
                             torch.zeros(6, dtype=torch.bool), torch.ones(6, dtype=torch.bool), group_size=3,
                             max_length=16)
    assert (out.advantages[mask == 0] == 0).all()
    per_response = out.advantages[:, 0]  # constant over a response's tokens
    assert per_response.reshape(2, 3).sum(-1).abs().max() < 1e-5


def test_complete_mask_zeroes_the_advantages_of_truncated_responses_only():
    ids, mask = batch([4, 2, 4, 1], T=4)
    out = outcome_advantages(torch.tensor([0.0, 1.0, 1.0, 0.0]), ids, mask, torch.tensor([False, True, True, False]),
                             torch.ones(4, dtype=torch.bool), group_size=2, mode="complete", max_length=4)
    assert out.masked.tolist() == [True, False, True, False]
    assert (out.advantages[[0, 2]] == 0).all() and (out.advantages[[1, 3]].abs().sum(-1) > 0).all()
    assert out.fractions()["masked_fraction"] == 0.5 and out.fractions()["truncated_fraction"] == 0.5


def test_mask_step_is_the_shared_mask_function_with_the_same_draws():
    # the verl plug-in runs mask_advantages on verl's advantages: the same seed and step give the same mask
    ids, mask = batch([6] * 8 + [3] * 8, T=6)
    rewards = torch.tensor([1.0, 0.0] * 8)
    passed, answered = rewards.bool(), torch.zeros(16, dtype=torch.bool)
    kwargs = dict(mode="conditional", max_length=6, ratio=0.5, repeat_window=2, eligible="non-incorrect")
    out = outcome_advantages(rewards, ids, mask, passed, answered, group_size=4, generator=mask_generator(3, 7),
                             **kwargs)
    plain = outcome_advantages(rewards, ids, mask, passed, answered, group_size=4, max_length=6)  # mode none
    shared = mask_advantages(plain.advantages, ids, mask, passed, answered, generator=mask_generator(3, 7), **kwargs)
    assert torch.equal(out.advantages, shared.advantages) and torch.equal(out.masked, shared.masked)
    assert 0 < int(out.masked.sum()) < 8 and not out.masked[8:].any()


def test_std_normalisation_can_be_switched_off():
    ids, mask = batch([1, 1], T=1)
    out = outcome_advantages(torch.tensor([1.0, 0.0]), ids, mask, torch.tensor([True, False]),
                             torch.ones(2, dtype=torch.bool), group_size=2, norm_adv_by_std_in_grpo=False,
                             max_length=4)
    assert out.advantages.flatten().tolist() == pytest.approx([0.5, -0.5])


@pytest.mark.parametrize("bad,match", [
    (dict(passed=torch.zeros(3, dtype=torch.bool)), "passed must be"),
    (dict(answered=torch.zeros(1, dtype=torch.bool)), "answered must be"),
    (dict(rewards=torch.zeros(3)), "rewards must be"),
])
def test_shape_mismatches_are_refused(bad, match):
    ids, mask = batch([1, 2], T=2)
    args = dict(rewards=torch.zeros(2), response_ids=ids, response_mask=mask, passed=torch.zeros(2, dtype=torch.bool),
                answered=torch.zeros(2, dtype=torch.bool))
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        outcome_advantages(**args, group_size=2, max_length=4)


def test_group_index_is_an_object_array_as_verl_expects():
    assert group_index(2, 1).dtype == np.dtype(object)
