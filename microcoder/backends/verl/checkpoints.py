"""Checkpoint keep policy for verl runs: the newest K, plus every step a branch or a probe needs.

What: `to_delete(steps, policy)` is the pure rule; `prune(checkpoints_dir, policy)` applies it to a run store's
checkpoints/ (verl's `global_step_<k>/` folders); `KeepPolicyCallback` is verl 0.9.1's checkpoint-callback hook
(`trainer.checkpoint_callback_class`, called on the trainer's driver after every completed save) that prunes with
the policy found in the job's config under `microcoder.checkpoints.{keep_last,keep_every,keep_steps}` (translate.py
writes them).

Why: a 4B model's checkpoint with its optimizer is tens of GB and the study saves every 20 steps; verl's own limit
(`trainer.max_actor_ckpt_to_keep`) keeps only the last K, which would delete the step-140 / step-260 checkpoints
the temperature and context-length branches start from. Here those steps are named (the sweep plan knows every
branch's `at_step`: `sweeps.plan.keep_steps`) and never deleted; `keep_every` keeps a regular series for the
probes (`microcoder probe temperature RUN_DIR` reads the run's checkpoints).

How verl calls it: `build_checkpoint_callback(config)` → `KeepPolicyCallback(config=config)`; after a save has
written `latest_checkpointed_iteration.txt`, `on_save(trainer=..., global_step=k, checkpoint_dir=..., async_save=...)`.
An asynchronous save (Megatron) is not pruned at that moment (the new folder may be incomplete). The callback is
duck-typed (verl only instantiates it and calls `on_save`), so this module imports neither verl nor torch.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

__all__ = ["KeepPolicy", "KeepPolicyCallback", "prune", "to_delete"]

_STEP_DIR = re.compile(r"^global_step_(\d+)$")


@dataclass(frozen=True)
class KeepPolicy:
    keep_last: int = 2
    """The newest `keep_last` checkpoints (>= 1: the latest resumes the run)."""
    keep_every: int = 0
    """Also keep every step divisible by this (0: none)."""
    keep_steps: tuple[int, ...] = field(default_factory=tuple)
    """Steps that must survive (branch points, probe steps)."""

    def __post_init__(self):
        if self.keep_last < 1:
            raise ValueError(f"keep_last must be >= 1 (the latest checkpoint resumes the run), got {self.keep_last}")
        if self.keep_every < 0:
            raise ValueError(f"keep_every must be >= 0, got {self.keep_every}")

    @classmethod
    def from_config(cls, config: Any) -> "KeepPolicy":
        """From verl's job config (`microcoder.checkpoints.*`); the defaults when the keys are absent."""
        node = _select(config, "microcoder", "checkpoints") or {}
        return cls(keep_last=int(node.get("keep_last", 2)), keep_every=int(node.get("keep_every", 0) or 0),
                   keep_steps=tuple(int(s) for s in (node.get("keep_steps") or ())))


def _select(config: Any, *keys: str) -> Any:
    node = config
    for k in keys:
        if node is None:
            return None
        node = node.get(k) if hasattr(node, "get") else None
    return node


def to_delete(steps: Iterable[int], policy: KeepPolicy) -> list[int]:
    """The checkpoint steps the policy drops, ascending. Pure.

    >>> to_delete([20, 40, 60, 80, 100, 120, 140, 160, 180], KeepPolicy(keep_last=2, keep_steps=(140,)))
    [20, 40, 60, 80, 100, 120]"""
    ordered = sorted(set(int(s) for s in steps))
    keep = set(ordered[-policy.keep_last:]) | set(policy.keep_steps)
    if policy.keep_every:
        keep |= {s for s in ordered if s % policy.keep_every == 0}
    return [s for s in ordered if s not in keep]


def checkpoint_steps(checkpoints_dir: str | Path) -> dict[int, Path]:
    """step → folder of every `global_step_<k>` under checkpoints_dir."""
    root = Path(checkpoints_dir)
    if not root.is_dir():
        return {}
    out = {}
    for p in root.iterdir():
        m = _STEP_DIR.match(p.name)
        if m and p.is_dir():
            out[int(m.group(1))] = p
    return out


def prune(checkpoints_dir: str | Path, policy: KeepPolicy) -> list[int]:
    """Delete the checkpoints the policy drops; returns their steps. Never touches the newest checkpoint."""
    found = checkpoint_steps(checkpoints_dir)
    dropped = to_delete(found, policy)
    for step in dropped:
        shutil.rmtree(found[step], ignore_errors=True)
    return dropped


class KeepPolicyCallback:
    """verl's `trainer.checkpoint_callback_class` hook (see the module docstring)."""

    def __init__(self, config: Any = None):
        self.config = config
        self.policy = KeepPolicy.from_config(config) if config is not None else KeepPolicy()
        self.checkpoints_dir = _select(config, "trainer", "default_local_dir") if config is not None else None
        print(f"[microcoder] checkpoint keep policy for {self.checkpoints_dir}: {self.policy}", flush=True)

    def on_save(self, trainer: Any = None, global_step: int = 0, checkpoint_dir: str = "", async_save: bool = False,
                **kwargs: Any) -> None:
        if async_save:
            return  # the new folder may still be written; the next synchronous save prunes
        root = self.checkpoints_dir or (str(Path(checkpoint_dir).parent) if checkpoint_dir else None)
        if root:
            dropped = prune(root, self.policy)
            if dropped:
                print(f"[microcoder] checkpoint keep policy {self.policy}: removed steps {dropped}", flush=True)
