"""The MicroCoder trainer inside verl 0.9.1: the truncation mask on the advantages, and our metrics, in every verl run.

What: `MicroCoderTrainer`, registered with verl's V1 trainer registry as `trainer.v1.trainer_mode=microcoder`
(translate.TRAINER_MODE). It is verl's synchronous trainer (`PPOTrainerSync`) with two hooks changed:

    _compute_advantage    after verl's GRPO advantage: the truncation mask (`mask.mode` none / complete /
                          conditional, ρ = `mask.ratio`, m = `mask.repeat_window`, `mask.eligible`), the same
                          `mask_advantages` the local backend runs (microcoder.recipe.truncation_mask) with the same
                          seeded stream (`mask_generator(trainer.seed, step)`); the repetition flag from the response
                          token ids; pass / answered from our `compute_score`'s `acc` / `answered` (verl keeps them
                          per response in `extra_fields.reward_extra_info`). Logs train/accuracy (the pass, never
                          the penalised reward), train/truncated_fraction (against the configured maximum, not the
                          batch's longest response), train/masked_fraction, train/repetitive_fraction and
                          train/response_diversity (distinct-4 per GRPO group, microcoder.recipe.diversity).
    _val_metrics_update   verl's validation metrics plus test/accuracy over every test source and
                          test/accuracy/<platform>/<difficulty> (microcoder.metrics.test_accuracies) from `acc`,
                          `platform`, `difficulty` (verl itself groups validation by data_source only).

How it gets there: the job's env has VERL_USE_EXTERNAL_MODULES=microcoder.backends.verl.plugin (launch.job_env);
verl imports the listed modules whenever verl itself is imported, so the registration exists in the TaskRunner
that looks the mode up (`get_trainer_cls` in main_ppo) and in every worker. The masking settings come from the job
config's `microcoder.mask.*` (translate.py writes them); a job without them is refused here (a run config that
reaches verl without its mask would silently train as no-mask).

Why a subclass keeps "sync": verl's base trainer branches on the literal mode string "sync" (replay buffer, weight
sync, checkpoint reload, in-flight prompts); `trainer_mode` reads "sync" here whatever name the class was registered
under, so the MicroCoder trainer behaves exactly as verl's sync trainer apart from the two hooks.

The pure part, `mask_and_measure`, works on the nested (jagged) tensors verl keeps in TransferQueue and is tested on
CPU against the local backend's functions (tests/backends/verl/test_plugin.py); the class only moves fields in and
out of TransferQueue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np
import torch
import transfer_queue as tq
from tensordict import TensorDict
from verl.trainer.ppo.v1.trainer_base import register_trainer
from verl.trainer.ppo.v1.trainer_sync import PPOTrainerSync
from verl.workers.utils.padding import response_to_nested

from microcoder import metrics as M
from microcoder.metrics import test_accuracies
from microcoder.recipe.diversity import response_diversity
from microcoder.recipe.truncation_mask import MASKS, mask_advantages, mask_generator

from .translate import TRAINER_MODE

__all__ = ["TRAINER_MODE", "MaskSettings", "MicroCoderTrainer", "mask_and_measure", "reward_infos"]


@dataclass(frozen=True)
class MaskSettings:
    """The truncation mask of one verl run (the job config's `microcoder.mask.*` — its `seed` is the run's
    trainer.seed — and `data.max_response_length`)."""

    mode: str
    ratio: float
    repeat_window: int
    eligible: str
    max_length: int
    seed: int

    @classmethod
    def from_config(cls, config: Any) -> "MaskSettings":
        node = config.get("microcoder", None) if hasattr(config, "get") else None
        mask = node.get("mask", None) if node is not None else None
        if mask is None or mask.get("mode", None) is None:
            raise ValueError("the MicroCoder trainer needs +microcoder.mask.{mode,ratio,repeat_window,eligible,seed} "
                             "in the job config (microcoder.backends.verl.translate writes them); refusing to train "
                             "without the configured truncation mask")
        MASKS.get(str(mask.mode))  # an unknown mode fails here, listing the valid ones
        seed = mask.get("seed", None)
        return cls(mode=str(mask.mode), ratio=float(mask.get("ratio", 0.0)),
                   repeat_window=int(mask.get("repeat_window", 128)),
                   eligible=str(mask.get("eligible", "non-incorrect")),
                   max_length=int(config.data.max_response_length), seed=int(seed if seed is not None else 0))


def reward_infos(extra_fields: Sequence[Any]) -> list[dict]:
    """Each response's `reward_extra_info` (what our compute_score returned) from verl's `extra_fields` list."""
    out = []
    for field in extra_fields:
        info = field.get("reward_extra_info", {}) if isinstance(field, dict) else {}
        out.append(info if isinstance(info, dict) else {})
    return out


def _flag(infos: list[dict], key: str, rows: int) -> torch.Tensor:
    missing = [i for i, info in enumerate(infos) if key not in info]
    if missing:
        raise KeyError(f"reward_extra_info of {len(missing)} of {rows} responses lacks {key!r}: the reward function "
                       f"is not microcoder.evaluator.judge.compute_score (reward.custom_reward_function)")
    return torch.tensor([bool(float(info[key])) for info in infos], dtype=torch.bool)


def mask_and_measure(advantages: torch.Tensor, responses: torch.Tensor, response_mask: torch.Tensor,
                     infos: list[dict], uids: Sequence[Any], texts: Sequence[str], settings: MaskSettings, step: int,
                     valid: Optional[np.ndarray] = None) -> tuple[torch.Tensor, dict[str, float]]:
    """One training batch through the truncation mask, and our step metrics.

    advantages, responses, response_mask: nested (jagged) [B, *] tensors as verl keeps them in TransferQueue;
    infos [B]: each response's reward_extra_info (`acc`, `answered`); uids [B]: the GRPO group of each response;
    texts [B]: the decoded responses; valid [B] bool: real rows (verl may add padding rows), default all.
    Returns (advantages as a nested tensor with masked rows zeroed, {train/accuracy, train/truncated_fraction,
    train/masked_fraction, train/repetitive_fraction, train/response_diversity}) with the metrics over the valid
    rows. The mask itself sees every row, drawing from `mask_generator(settings.seed, step)` as the local backend
    does."""
    rows = advantages.size(0)
    valid = np.ones(rows, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    if not (len(infos) == len(uids) == len(texts) == len(valid) == rows):
        raise ValueError(f"batch of {rows} responses, but {len(infos)} infos, {len(uids)} uids, {len(texts)} texts, "
                         f"{len(valid)} valid flags")
    adv = advantages.to_padded_tensor(0.0)
    ids = responses.to_padded_tensor(0)
    mask = response_mask.to_padded_tensor(0)
    passed, answered = _flag(infos, "acc", rows), _flag(infos, "answered", rows)
    masking = mask_advantages(adv, ids, mask, passed, answered, mode=settings.mode, max_length=settings.max_length,
                              ratio=settings.ratio, repeat_window=settings.repeat_window, eligible=settings.eligible,
                              generator=mask_generator(settings.seed, step))
    keep = torch.from_numpy(valid)
    fractions = masking.fractions(keep)
    groups: dict[Any, list[str]] = {}
    for uid, text, ok in zip(uids, texts, valid):
        if ok:
            groups.setdefault(uid, []).append(text)
    out = {
        M.TRAIN_ACCURACY: float(passed[keep].float().mean()) if keep.any() else 0.0,
        M.TRAIN_TRUNCATED_FRACTION: fractions["truncated_fraction"],
        M.TRAIN_MASKED_FRACTION: fractions["masked_fraction"],
        M.TRAIN_REPETITIVE_FRACTION: fractions["repetitive_fraction"],
        M.TRAIN_RESPONSE_DIVERSITY: response_diversity(list(groups.values()), "distinct4"),
    }
    return response_to_nested(masking.advantages, response_mask), out


@register_trainer(TRAINER_MODE)
class MicroCoderTrainer(PPOTrainerSync):
    """verl's synchronous trainer with the MicroCoder truncation mask and metrics (module docstring)."""

    @property
    def trainer_mode(self) -> str:  # verl branches on the literal "sync"
        return "sync"

    @trainer_mode.setter
    def trainer_mode(self, value: str) -> None:
        self.registered_mode = value

    def __init__(self, config):
        self.mask_settings = MaskSettings.from_config(config)
        super().__init__(config)
        print(f"[microcoder] trainer mode {TRAINER_MODE} (sync), truncation mask {self.mask_settings}", flush=True)

    def _compute_advantage(self, batch, metrics: dict):
        batch = super()._compute_advantage(batch, metrics)
        fields = ["uid", "responses", "response_mask", "advantages", "extra_fields"]
        data = tq.kv_batch_get(keys=batch.keys, partition_id=batch.partition_id, select_fields=fields)
        responses = data["responses"]
        lengths = responses.offsets().diff().tolist()
        padded = responses.to_padded_tensor(padding=self.tokenizer.pad_token_id or 0)
        texts = [self.tokenizer.decode(padded[i, :n], skip_special_tokens=True) for i, n in enumerate(lengths)]
        valid = np.array([not tag.get("is_padding", False) for tag in batch.tags], dtype=bool)
        advantages, ours = mask_and_measure(data["advantages"], responses, data["response_mask"],
                                            reward_infos(data["extra_fields"].tolist()), data["uid"].tolist(),
                                            texts, self.mask_settings, self.global_steps, valid)
        tq.kv_batch_put(keys=batch.keys, partition_id=batch.partition_id,
                        fields=TensorDict({"advantages": advantages}, batch_size=len(batch)))
        metrics.update(ours)
        return batch

    def _val_metrics_update(self, data_sources, sample_uids, reward_extra_infos_dict, sample_turns,
                            expected_acc_counts=None) -> dict[str, float]:
        out = super()._val_metrics_update(data_sources, sample_uids, reward_extra_infos_dict, sample_turns,
                                          expected_acc_counts=expected_acc_counts)
        n = len(sample_uids)
        acc = reward_extra_infos_dict.get("acc") or [None] * n
        out.update(test_accuracies(acc, reward_extra_infos_dict.get("platform") or [None] * n,
                                   reward_extra_infos_dict.get("difficulty") or [None] * n))
        return out
