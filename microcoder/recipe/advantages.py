"""Advantages of one batch: outcome rewards → group-relative advantages → the truncation mask.

What: `outcome_advantages` is the advantage step of the local backend's update as one pure tensor function. Each
response's scalar reward is placed on its last real token (verl's `token_level_rewards` layout), the configured
advantage estimator turns the rewards of each prompt's n responses into per-token advantages (verl's
`compute_grpo_outcome_advantage` for `grpo`, or any estimator verl registers, `algorithm.adv_estimator`), and
`truncation_mask.mask_advantages` zeroes the advantages of the responses the `mask.mode` mask picks.

Why: the step the study varies (none / complete / conditional masks, design.md §3) reads as one function that can
be tested alone, without a model or a sandbox. The verl plug-in (`microcoder.backends.verl.plugin`) runs only the
mask half (`mask_advantages`, with the same seeded stream): verl computes its advantages itself.

How:
    out = outcome_advantages(rewards, response_ids, response_mask, passed, answered, group_size=n,
                             mode="conditional", max_length=L, ratio=0.3, generator=mask_generator(seed, step))
    out.advantages  # [B, T], masked rows zeroed;  out.fractions()  # masked / truncated / repetitive fractions
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch
from torch import Tensor

from microcoder.recipe.truncation_mask import MaskOutcome, mask_advantages

__all__ = ["group_index", "outcome_advantages", "token_level_rewards"]


def token_level_rewards(rewards: Tensor, response_mask: Tensor) -> Tensor:
    """Each response's outcome reward on its last real token, zeros elsewhere (verl's layout).

    rewards [B] float, response_mask [B, T] (left-aligned, 1 = real token) → [B, T] float on response_mask's device.
    An empty response (length 0) gets its reward on position 0.
    """
    if response_mask.dim() != 2 or rewards.shape != response_mask.shape[:1]:
        raise ValueError(f"rewards must be [B] and response_mask [B, T], got {tuple(rewards.shape)} and "
                         f"{tuple(response_mask.shape)}")
    B, T = response_mask.shape
    device = response_mask.device
    out = torch.zeros(B, T, device=device)
    lengths = response_mask.sum(-1)
    out[torch.arange(B, device=device), (lengths - 1).clamp(min=0)] = rewards.to(device)
    return out


def group_index(batch_size: int, group_size: int) -> np.ndarray:
    """The prompt (GRPO group) of each row in grouped order: rows i·n … i·n+n−1 are prompt i. → [B] object (str),
    the `index` argument of verl's advantage estimators."""
    if group_size < 1 or batch_size % group_size:
        raise ValueError(f"batch of {batch_size} rows is not whole groups of {group_size}")
    return np.array([str(i // group_size) for i in range(batch_size)], dtype=object)


def outcome_advantages(rewards: Tensor, response_ids: Tensor, response_mask: Tensor, passed: Tensor,
                       answered: Tensor, *, group_size: int, estimator: str = "grpo",
                       norm_adv_by_std_in_grpo: bool = True, mode: str = "none", max_length: int,
                       ratio: float = 0.0, repeat_window: int = 128, eligible: str = "non-incorrect",
                       generator: Optional[torch.Generator] = None) -> MaskOutcome:
    """Masked advantages of one batch of B = prompts × group_size responses in grouped order.

    rewards [B] float (the outcome reward of each response); response_ids, response_mask [B, T] (left-aligned);
    passed [B] bool (every test passed); answered [B] bool (a complete answer block was given); group_size = n
    responses per prompt. `estimator` and `norm_adv_by_std_in_grpo` pick verl's advantage estimator
    (`core_algos.get_adv_estimator_fn`); `mode`, `max_length`, `ratio`, `repeat_window`, `eligible` and
    `generator` are the truncation mask's (`truncation_mask.mask_advantages`; the conditional mask draws B
    uniforms from `generator`).

    → MaskOutcome: advantages [B, T] float (0 on padding and on masked rows), and the per-response flags
    masked / truncated / repetitive [B] bool (`.fractions()` gives the logged fractions).
    """
    from verl.trainer.ppo import core_algos  # lazily: `import verl` costs seconds

    if response_ids.shape != response_mask.shape or response_ids.dim() != 2:
        raise ValueError(f"response_ids {tuple(response_ids.shape)} and response_mask "
                         f"{tuple(response_mask.shape)} must both be [B, T]")
    B = response_ids.shape[0]
    for name, flag in (("passed", passed), ("answered", answered)):
        if flag.shape != (B,):
            raise ValueError(f"{name} must be [B] = [{B}], got {tuple(flag.shape)}")
    mask = response_mask.float()
    adv_fn = core_algos.get_adv_estimator_fn(estimator)
    advantages, _ = adv_fn(token_level_rewards=token_level_rewards(rewards, response_mask), response_mask=mask,
                           index=group_index(B, group_size), norm_adv_by_std_in_grpo=norm_adv_by_std_in_grpo)
    return mask_advantages(advantages, response_ids, response_mask, passed, answered, mode=mode,
                           max_length=max_length, ratio=ratio, repeat_window=repeat_window, eligible=eligible,
                           generator=generator)
