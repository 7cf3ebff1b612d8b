"""Truncation masks: which responses that hit the length limit get their advantage zeroed before the update.

What: three masks in the `MASKS` registry (declared in `mask_registry.py`, so their names load without torch),
chosen by `mask.mode` in the run config. Each is a pure function of a batch of responses returning
`(keep, masked_fraction)`: `keep [B]` is a float 1/0 multiplier for each response's advantage (`apply_mask`
broadcasts it over tokens) and `masked_fraction` (responses zeroed / B) is logged as `train/masked_fraction`.

    none         masks nothing (plain GRPO/DAPO: a truncated response keeps its, usually negative, advantage).
    complete     masks every response that reached L_max: overlong filtering (DAPO, Yu et al. 2025,
                 arXiv:2503.14476 §3.4; DeepCoder, Luo et al. 2025, "DeepCoder: A Fully Open-Source 14B Coder
                 at O3-mini Level"). The study's "Mask All (DeepCoder)" arm.
    conditional  MicroCoder-GRPO (arXiv:2603.07777; MicroCoder-Insights "Truncation Mask"):
                     A_i ← A_i · (1 − 𝟙[|o_i| = L_max ∧ non-incorrect(o_i) ∧ ¬repeat(o_i, m) ∧ U(0,1) < ρ])
                 so only a fraction ρ of the truncated, non-incorrect, non-repetitive responses lose their
                 advantage: long outputs are not punished for length alone, degenerate loops still are.

Why: truncated responses usually score 0, so GRPO pushes length down; masking them all makes length run to the
limit and training collapse (the study's figure 12); the conditional mask sits between.

How (conventions):
- `response_ids [B, T]` and `response_mask [B, T]` are left-aligned: the real tokens of response i are
  `response_ids[i, :len_i]` with `len_i = response_mask[i].sum()`, padding after. T may exceed L_max.
- |o_i| = L_max is tested as `len_i >= max_length`, with `max_length` the configured limit in force at this
  step (not the batch's longest response, unlike verl's `response_length/clip_ratio`; design.md §4). A response
  whose EOS falls exactly on the last allowed token counts as truncated, as in verl.
- non-incorrect(o_i) is the caller's `correct [B]` bool, built by `eligible_for_mask(passed, answered, reading)`
  under one of two readings (`ELIGIBILITY`, config `mask.eligible`):
    non-incorrect  (default) the equation's word (MicroCoder-GRPO, arXiv:2603.07777, Eq. of the objective;
                   shared/reference/figures/MicroCoder-GRPO_equation.png): the response is not a wrong answer —
                   it passed, or it was cut off before giving a complete answer (no closed code block,
                   `microcoder.evaluator.extraction.has_answer`). A truncated response that did close a block
                   and failed is incorrect and keeps its advantage.
    correct        the Insights blog's wording ("responses that produce correct answers"): passed only. Measured
                   at micro scale it makes the mask a no-op (truncated responses are almost never correct), and
                   the study's 30 % arm grows length nearly as fast as masking everything, which only the
                   equation's reading allows (design.md §3).
- repeat(o, m): the last m tokens equal the m tokens before them, `o[len-m:len] == o[len-2m:len-m]`
  (m = `repeat_window`, 128 in the paper). Responses shorter than 2m tokens are NOT repetitive (there are not
  two windows to compare). verl's advantage hook sees no tokens (design.md §5), so the reward function may
  compute the flag and pass it as `repetitive [B]`, which then replaces `is_repetitive`.
- Randomness: the conditional mask draws exactly B uniforms from `generator` (a seeded torch.Generator; None →
  torch's global RNG), whatever the eligibility, so a seed gives the same draws in every arm of a sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import Tensor

from microcoder.recipe.mask_registry import ELIGIBILITY, MASKS  # declared there, without torch

__all__ = [
    "MASKS",
    "apply_mask",
    "complete_mask",
    "compute_truncation_mask",
    "conditional_mask",
    "ELIGIBILITY",
    "MaskOutcome",
    "eligible_for_mask",
    "is_repetitive",
    "is_truncated",
    "mask_advantages",
    "mask_generator",
    "no_mask",
    "response_lengths",
]



def response_lengths(response_mask: Tensor) -> Tensor:
    """Real tokens per response. response_mask [B, T] (1 = real token) → [B] long."""
    if response_mask.dim() != 2:
        raise ValueError(f"response_mask must be [B, T], got shape {tuple(response_mask.shape)}")
    return response_mask.long().sum(-1)


def is_truncated(response_mask: Tensor, max_length: int) -> Tensor:
    """Responses that reached the configured limit: len_i >= max_length. [B, T] → [B] bool."""
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length}")
    return response_lengths(response_mask) >= max_length


def is_repetitive(response_ids: Tensor, response_mask: Tensor, m: int) -> Tensor:
    """repeat(o, m) per response: its last m tokens equal the m before them; shorter than 2m → False.

    response_ids [B, T], response_mask [B, T] (left-aligned) → [B] bool. Vectorised with two gathers.
    """
    if m < 1:
        raise ValueError(f"repeat window m must be >= 1, got {m}")
    if response_ids.shape != response_mask.shape or response_ids.dim() != 2:
        raise ValueError(
            f"response_ids {tuple(response_ids.shape)} and response_mask {tuple(response_mask.shape)} "
            "must both be [B, T]"
        )
    B, T = response_ids.shape
    lengths = response_lengths(response_mask)
    if T < 2 * m:
        return torch.zeros(B, dtype=torch.bool, device=response_ids.device)
    offsets = torch.arange(m, device=response_ids.device)
    last = (lengths - m).clamp(min=0).unsqueeze(-1) + offsets  # [B, m]
    prev = (lengths - 2 * m).clamp(min=0).unsqueeze(-1) + offsets  # [B, m]
    same = response_ids.gather(1, last.clamp(max=T - 1)) == response_ids.gather(1, prev.clamp(max=T - 1))
    return (lengths >= 2 * m) & same.all(-1)


def eligible_for_mask(passed: Tensor, answered: Tensor, reading: str = "non-incorrect") -> Tensor:
    """non-incorrect(o_i) under `reading`: the `correct [B]` argument of the masks.

    passed [B] bool (every test passed), answered [B] bool (a complete answer block was given) → [B] bool.
    non-incorrect: passed ∨ ¬answered;  correct: passed.
    """
    if reading not in ELIGIBILITY:
        raise ValueError(f"mask eligibility must be one of {', '.join(ELIGIBILITY)}, got {reading!r}")
    if passed.dim() != 1 or answered.shape != passed.shape:
        raise ValueError(f"passed and answered must both be [B], got {tuple(passed.shape)} and "
                         f"{tuple(answered.shape)}")
    passed = passed.bool()
    if reading == "correct":
        return passed
    return passed | ~answered.to(passed.device).bool()


def _check(response_ids: Tensor, response_mask: Tensor, correct: Tensor, max_length: int, ratio: float,
           repeat_window: int, repetitive: Optional[Tensor]) -> None:
    if response_ids.dim() != 2 or response_ids.shape != response_mask.shape:
        raise ValueError(
            f"response_ids {tuple(response_ids.shape)} and response_mask {tuple(response_mask.shape)} "
            "must both be [B, T]"
        )
    B = response_ids.shape[0]
    if correct.shape != (B,):
        raise ValueError(f"correct must be [B] = [{B}], got {tuple(correct.shape)}")
    if repetitive is not None and repetitive.shape != (B,):
        raise ValueError(f"repetitive must be [B] = [{B}], got {tuple(repetitive.shape)}")
    if max_length < 1:
        raise ValueError(f"max_length must be >= 1, got {max_length}")
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"ratio (ρ) must be in [0, 1], got {ratio}")
    if repeat_window < 1:
        raise ValueError(f"repeat_window (m) must be >= 1, got {repeat_window}")


def _result(masked: Tensor) -> tuple[Tensor, float]:
    keep = (~masked).float()
    return keep, (masked.float().mean().item() if masked.numel() else 0.0)


@MASKS.register("none")
def no_mask(response_ids: Tensor, response_mask: Tensor, correct: Tensor, *, max_length: int, ratio: float = 0.0,
            repeat_window: int = 128, generator: Optional[torch.Generator] = None,
            repetitive: Optional[Tensor] = None) -> tuple[Tensor, float]:
    """Keep every advantage (GRPO, DAPO without overlong filtering). → (ones [B], 0.0)."""
    _check(response_ids, response_mask, correct, max_length, ratio, repeat_window, repetitive)
    return _result(torch.zeros(response_ids.shape[0], dtype=torch.bool, device=response_ids.device))


@MASKS.register("complete")
def complete_mask(response_ids: Tensor, response_mask: Tensor, correct: Tensor, *, max_length: int,
                  ratio: float = 1.0, repeat_window: int = 128, generator: Optional[torch.Generator] = None,
                  repetitive: Optional[Tensor] = None) -> tuple[Tensor, float]:
    """Zero the advantage of every response with len_i >= max_length (overlong filtering: DAPO §3.4, DeepCoder).

    Ignores correct, ratio, repeat_window, generator and repetitive. → (keep [B] float, masked fraction).
    """
    _check(response_ids, response_mask, correct, max_length, ratio, repeat_window, repetitive)
    return _result(is_truncated(response_mask, max_length))


@MASKS.register("conditional")
def conditional_mask(response_ids: Tensor, response_mask: Tensor, correct: Tensor, *, max_length: int,
                     ratio: float, repeat_window: int = 128, generator: Optional[torch.Generator] = None,
                     repetitive: Optional[Tensor] = None) -> tuple[Tensor, float]:
    """MicroCoder-GRPO's mask: zero A_i iff len_i >= L_max ∧ correct_i ∧ ¬repeat(o_i, m) ∧ U_i < ρ.

    response_ids, response_mask [B, T]; correct [B] bool = non-incorrect(o_i) (`eligible_for_mask`); repetitive [B]
    bool or None (then computed with
    `is_repetitive(response_ids, response_mask, repeat_window)`); ratio = ρ in [0, 1]; generator seeded for
    reproducibility. → (keep [B] float 1/0, masked fraction over all B responses).
    """
    _check(response_ids, response_mask, correct, max_length, ratio, repeat_window, repetitive)
    B = response_ids.shape[0]
    device = response_ids.device
    if repetitive is None:
        repetitive = is_repetitive(response_ids, response_mask, repeat_window)
    gen_device = generator.device if generator is not None else torch.device("cpu")
    u = torch.rand(B, generator=generator, device=gen_device).to(device)
    masked = (
        is_truncated(response_mask, max_length)
        & correct.to(device).bool()
        & ~repetitive.to(device).bool()
        & (u < ratio)
    )
    return _result(masked)


def compute_truncation_mask(mode: str, response_ids: Tensor, response_mask: Tensor, correct: Tensor, *,
                            max_length: int, ratio: float = 0.0, repeat_window: int = 128,
                            generator: Optional[torch.Generator] = None,
                            repetitive: Optional[Tensor] = None) -> tuple[Tensor, float]:
    """The `mode` mask from MASKS (none | complete | conditional) applied to a batch; see each mask."""
    return MASKS.get(mode)(response_ids, response_mask, correct, max_length=max_length, ratio=ratio,
                           repeat_window=repeat_window, generator=generator, repetitive=repetitive)


def apply_mask(advantages: Tensor, keep: Tensor) -> Tensor:
    """Advantages with masked responses zeroed: advantages [B, T] · keep [B, 1] → [B, T].

    A zeroed response contributes no policy gradient; since the mask multiplies the advantage, not the loss
    mask, its tokens still count in a token-mean denominator.
    """
    if advantages.dim() != 2 or keep.shape != advantages.shape[:1]:
        raise ValueError(
            f"advantages must be [B, T] and keep [B], got {tuple(advantages.shape)} and {tuple(keep.shape)}"
        )
    return advantages * keep.to(device=advantages.device, dtype=advantages.dtype).unsqueeze(-1)


def mask_generator(seed: int, step: int) -> torch.Generator:
    """The seeded generator of the conditional mask's draws at `step` of a run with `trainer.seed = seed`: the same
    stream in both backends, so a verl run and a local run draw the same uniforms for the same batch size."""
    return torch.Generator().manual_seed(int(seed) + 1 + int(step))


@dataclass(frozen=True)
class MaskOutcome:
    """What `mask_advantages` did to one batch: the new advantages [B, T] and per-response flags [B] bool."""

    advantages: Tensor
    masked: Tensor
    truncated: Tensor
    repetitive: Tensor

    def fractions(self, rows: Optional[Tensor] = None) -> dict[str, float]:
        """{masked_fraction, truncated_fraction, repetitive_fraction} over `rows` ([B] bool; default all)."""
        pick = (lambda t: t) if rows is None else (lambda t: t[rows.to(t.device)])
        return {f"{name}_fraction": (float(pick(flag).float().mean()) if pick(flag).numel() else 0.0)
                for name, flag in (("masked", self.masked), ("truncated", self.truncated),
                                   ("repetitive", self.repetitive))}


def mask_advantages(advantages: Tensor, response_ids: Tensor, response_mask: Tensor, passed: Tensor,
                    answered: Tensor, *, mode: str, max_length: int, ratio: float = 0.0, repeat_window: int = 128,
                    eligible: str = "non-incorrect", generator: Optional[torch.Generator] = None) -> MaskOutcome:
    """The truncation-mask step of one batch, as both backends run it (local trainer, verl plug-in).

    advantages, response_ids, response_mask [B, T] (left-aligned); passed [B] bool (every test passed); answered [B]
    bool (a complete answer block was given). Computes repeat(o, m) from the token ids, non-incorrect(o) under
    `eligible`, the `mode` mask (truncated means len >= max_length, the configured limit: design.md §4), and returns
    the masked advantages with the per-response flags (`MaskOutcome.fractions()` for the logged fractions)."""
    ids, mask = response_ids.cpu(), response_mask.cpu()
    repetitive = is_repetitive(ids, mask, repeat_window)
    non_incorrect = eligible_for_mask(passed.cpu().bool(), answered.cpu().bool(), eligible)
    keep, _ = compute_truncation_mask(mode, ids, mask, non_incorrect, max_length=max_length, ratio=ratio,
                                      repeat_window=repeat_window, generator=generator, repetitive=repetitive)
    return MaskOutcome(apply_mask(advantages, keep), keep == 0, is_truncated(mask, max_length), repetitive)
