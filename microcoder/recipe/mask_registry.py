"""The truncation-mask registry `MASKS` and the eligibility readings, declared without importing torch.

Why: the run config checks `mask.mode` and `mask.eligible` at load and `microcoder ls` lists the masks; neither
should import torch. The masks are torch functions in `truncation_mask.py`, which registers each under the name
declared here (the registry checks on first use that the declaration and the registration agree).

    from microcoder.recipe.mask_registry import MASKS
    MASKS.names()              # ['complete', 'conditional', 'none'], torch not imported
    MASKS.get("conditional")   # imports truncation_mask → conditional_mask
"""

from __future__ import annotations

from typing import Callable

from microcoder.registry import Registry

__all__ = ["ELIGIBILITY", "MASKS"]

_MASKS_MODULE = "microcoder.recipe.truncation_mask"

MASKS: Registry[Callable[..., tuple]] = Registry("truncation mask")
"""mask.mode → a mask function (response_ids, response_mask, correct, *, max_length, ...) → (keep [B], fraction)."""
MASKS.add_lazy("none", f"{_MASKS_MODULE}:no_mask", "Keep every advantage (GRPO, DAPO without overlong filtering).")
MASKS.add_lazy("complete", f"{_MASKS_MODULE}:complete_mask",
               "Zero the advantage of every response with len_i >= max_length (overlong filtering: DAPO, DeepCoder).")
MASKS.add_lazy("conditional", f"{_MASKS_MODULE}:conditional_mask",
               "MicroCoder-GRPO's mask: zero A_i iff len_i >= L_max ∧ correct_i ∧ ¬repeat(o_i, m) ∧ U_i < ρ.")

ELIGIBILITY = ("non-incorrect", "correct")
"""Readings of non-incorrect(o_i) (config `mask.eligible`); the first is the default (the equation's)."""
