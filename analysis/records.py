"""What a source (run store, W&B) knows about one run and one sweep, before the tidy frame is built.

`RunRecord`: a run's identity (sweep, run, arm, seed, parent, branch step), its config and its metrics as columns.
`SweepMeta`: what sweep.json (or a W&B group) says about a sweep: spec name, figure, arm order, labels, `ours`.
Helpers: `flatten_config` (nested config → dotted keys), `derive_arm_seed` (arm and seed from a run name
`<arm>[-...]-s<seed>`), `natural_key` (b32 < b64 < b128 when sorting names).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import numpy as np

__all__ = ["IGNORED_VALUE_KEYS", "RunRecord", "SweepMeta", "derive_arm_seed", "flatten_config", "natural_key"]

IGNORED_VALUE_KEYS = ("trainer.seed", "tracking.")
"""Config keys (or prefixes) never reported as 'values that differ': the seed is its own column, and tracking
(W&B project, mode) is bookkeeping."""

_SEED_RE = re.compile(r"^(?P<head>.+?)-s(?P<seed>\d+)$")
_STAMP_RE = re.compile(r"-\d{8}(?:[-_T]?\d{4,6})?$")


@dataclasses.dataclass
class RunRecord:
    """One run as a source read it. `metrics`: column name → 1-D numeric array, all of the length of `steps`."""

    sweep: str
    run: str
    steps: np.ndarray
    metrics: dict[str, np.ndarray]
    arm: Optional[str] = None
    seed: Optional[int] = None
    parent: Optional[str] = None
    branch_step: Optional[int] = None
    state: Optional[str] = None
    config: Optional[dict] = None
    values: Optional[dict] = None
    dir: Optional[Path] = None
    source: str = "runstore"


@dataclasses.dataclass
class SweepMeta:
    """What sweep.json (or a W&B group) says about a sweep: its spec name, figure, arm order and labels."""

    name: str
    figure: Optional[str] = None
    spec: Optional[dict] = None
    arms: list[str] = dataclasses.field(default_factory=list)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    ours: Optional[str] = None
    dir: Optional[Path] = None


def flatten_config(config: Optional[Mapping], prefix: str = "") -> dict[str, Any]:
    """Nested config dicts → {"rollout.temperature": 1.2, ...}; lists become tuples (hashable, comparable)."""
    out: dict[str, Any] = {}
    if not isinstance(config, Mapping):
        return out
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten_config(value, name + "."))
        elif isinstance(value, list):
            out[name] = _hashable(value)
        else:
            out[name] = value
    return out


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def natural_key(text: str) -> tuple:
    """Sort key that orders numbers by value: b32 < b64 < b128, t0.6 < t1.2."""
    parts = re.split(r"(\d+(?:\.\d+)?)", text)
    return tuple((0, float(p), "") if i % 2 else (1, 0.0, p) for i, p in enumerate(parts) if p)


def derive_arm_seed(run: str) -> tuple[str, Optional[int]]:
    """Arm and seed from a run name `<arm>[-...]-s<seed>`: ("t0.6-s1") → ("t0.6", 1); no seed → (name, None)
    with a trailing date stamp (`-20260131-101500`) stripped from the arm."""
    m = _SEED_RE.match(run)
    if m:
        return m.group("head"), int(m.group("seed"))
    return _STAMP_RE.sub("", run) or run, None
