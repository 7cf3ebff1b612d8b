"""The loaded study: one tidy DataFrame of every logged value, a table of runs, and per-sweep views.

What: every source (run store, W&B online; see `loading.py`, `wandb_loading.py`) reads its runs into
`RunRecord`s (records.py: a run's identity, config and its metrics as columns); `build_runs(records, metas)` turns
them into `Runs`:

    runs.frame   tidy, one row per (run, step, metric): sweep, arm, run, seed, parent, branch_step, step, metric,
                 value, then one column per config value that differs between runs (e.g. `rollout.temperature`)
    runs.table   one row per run: sweep, run, arm, label, seed, parent, branch_step, state, source, dir, values…
    runs.sweeps  name → `Sweep` (sweep.py), the view the figures draw from (`sweep.metric("train/accuracy")`,
                 arms in spec order, labels, probes, parents of branch runs)
    runs.skipped what could not be read, one sentence each (a torn line, a missing status.json, …)

Why: figures, the results table and the findings all ask the same questions (this metric, for these arms, with
the branch runs continuing their parents), so they are answered once here. The tidy frame is built with a
single vectorised melt (no per-row Python), which keeps loading 200 runs × 1000 steps well under a bare
`pandas.read_json` of the same files.

Conventions: arms are named as the sweep spec names them (sweep.json), else by W&B's job_type, else from the run
name `<arm>[-...]-s<seed>` (the trailing `-s<seed>` and a trailing date stamp are stripped). A branch run's
`parent` is the parent's run name in the same sweep and `branch_step` the step it started from; its own rows
start after that step (design.md §3), and `Sweep.run_series` prepends the parent's row at the branch step so
lines are drawn from there. NaN metric values are treated as absent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Optional

import numpy as np
import pandas as pd

from analysis.records import (IGNORED_VALUE_KEYS, RunRecord, SweepMeta, derive_arm_seed, flatten_config,  # noqa: F401
                              natural_key)
from analysis.records import _hashable
from analysis.sweep import Sweep

__all__ = ["IGNORED_VALUE_KEYS", "RunRecord", "Runs", "SweepMeta", "Sweep", "build_runs", "derive_arm_seed",
           "flatten_config", "natural_key"]


def _ignored(key: str) -> bool:
    return any(key == k or (k.endswith(".") and key.startswith(k)) for k in IGNORED_VALUE_KEYS)


def _differing_values(records: list[RunRecord]) -> dict[str, dict[str, Any]]:
    """Per run, the config values that differ between the runs of its sweep, plus its spec values."""
    flat = [flatten_config(r.config) for r in records]
    keys: list[str] = []
    for f in flat:
        keys += [k for k in f if k not in keys]
    differ = [k for k in keys if not _ignored(k) and len({repr(f.get(k)) for f in flat}) > 1]
    out = {}
    for r, f in zip(records, flat):
        vals = {k: f.get(k) for k in differ}
        for k, v in (r.values or {}).items():
            vals[k] = _hashable(v)
        out[r.run] = vals
    return out


@dataclasses.dataclass
class Runs:
    """Everything loaded: see the module docstring."""

    frame: pd.DataFrame
    table: pd.DataFrame
    sweeps: dict[str, Sweep]
    skipped: list[str]

    def sweep(self, name: str) -> Sweep:
        try:
            return self.sweeps[name]
        except KeyError:
            raise KeyError(f"no sweep {name!r}; loaded: {', '.join(self.sweeps) or 'none'}") from None


def _resolve_parents(records: list[RunRecord]) -> None:
    """Parent given as '<sweep>/<run>', a run name, or an arm name (then the run of that arm with the same seed)."""
    by_name = {r.run: r for r in records}
    for r in records:
        p = r.parent
        if not p:
            r.parent = None
            continue
        if "/" in p:
            p = p.rsplit("/", 1)[1]
        if p not in by_name:
            same_arm = [o for o in records if o.arm == p]
            match = [o for o in same_arm if o.seed == r.seed] or same_arm[:1]
            p = match[0].run if match else p
        r.parent = p


def _column(values: list[Any], codes: np.ndarray) -> Any:
    """A per-run value list expanded to rows by run code: numeric → float array, else categorical."""
    if all(v is None or (isinstance(v, (int, float, np.number)) and not isinstance(v, bool)) for v in values):
        arr = np.array([np.nan if v is None else float(v) for v in values])
        return arr[codes] if len(values) else np.empty(0)
    text = [None if v is None else str(v) for v in values]
    cats = list(dict.fromkeys(t for t in text if t is not None))
    idx = np.array([-1 if t is None else cats.index(t) for t in text], dtype=np.int32)
    return pd.Categorical.from_codes(idx[codes] if len(values) else np.empty(0, dtype=np.int32), categories=cats)


def _melt(records: list[RunRecord]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(run codes, steps, metric codes, values, metric names) of every non-NaN value, one vectorised pass per run."""
    names: list[str] = []
    index: dict[str, int] = {}
    for r in records:
        for k in r.metrics:
            if k not in index:
                index[k] = len(names)
                names.append(k)
    runs, steps, mets, vals = [], [], [], []
    for code, r in enumerate(records):
        n = len(r.steps)
        if n == 0 or not r.metrics:
            continue
        cols = [index[k] for k in r.metrics]
        block = np.column_stack([np.asarray(v, dtype=float) for v in r.metrics.values()])  # (n, m)
        mask = ~np.isnan(block)
        rows, cidx = np.nonzero(mask)
        runs.append(np.full(rows.size, code, dtype=np.int32))
        steps.append(np.asarray(r.steps, dtype=np.int64)[rows])
        mets.append(np.asarray(cols, dtype=np.int32)[cidx])
        vals.append(block[rows, cidx])
    if not runs:
        e = np.empty(0)
        return e.astype(np.int32), e.astype(np.int64), e.astype(np.int32), e, names
    return np.concatenate(runs), np.concatenate(steps), np.concatenate(mets), np.concatenate(vals), names


def build_runs(records: list[RunRecord], metas: Optional[Mapping[str, SweepMeta]] = None,
               skipped: Optional[list[str]] = None) -> Runs:
    """Runs from records (any source): arms and seeds resolved, parents resolved, one tidy melt. Records are
    grouped by sweep (in first-seen order); `metas` gives each sweep's spec facts (absent: derived)."""
    metas = dict(metas or {})
    skipped = list(skipped or [])
    order = list(dict.fromkeys(r.sweep for r in records))
    records = sorted(records, key=lambda r: (order.index(r.sweep), natural_key(r.run)))
    for r in records:
        arm, seed = derive_arm_seed(r.run)
        if not r.arm or r.arm == r.run and arm != r.run:
            r.arm = arm
        if r.seed is None:
            cfg_seed = flatten_config(r.config).get("trainer.seed")
            r.seed = seed if seed is not None else (int(cfg_seed) if isinstance(cfg_seed, (int, float)) else 0)
    by_sweep = {s: [r for r in records if r.sweep == s] for s in order}
    values: dict[tuple[str, str], dict] = {}
    for s, recs in by_sweep.items():
        _resolve_parents(recs)
        for run, vals in _differing_values(recs).items():
            values[(s, run)] = vals
    value_keys = list(dict.fromkeys(k for v in values.values() for k in v))

    run_codes, steps, met_codes, vals, names = _melt(records)
    run_names = [r.run for r in records]
    sweep_codes = np.array([order.index(r.sweep) for r in records], dtype=np.int32)
    arms = list(dict.fromkeys(r.arm for r in records))
    arm_codes = np.array([arms.index(r.arm) for r in records], dtype=np.int32)
    parents = list(dict.fromkeys(r.parent for r in records if r.parent))
    parent_codes = np.array([parents.index(r.parent) if r.parent else -1 for r in records], dtype=np.int32)
    seeds = np.array([r.seed for r in records], dtype=np.int64)
    branch = np.array([np.nan if r.branch_step is None else r.branch_step for r in records], dtype=float)
    uniq_runs = list(dict.fromkeys(run_names))  # a run name may repeat across sweeps
    run_cat = np.array([uniq_runs.index(n) for n in run_names], dtype=np.int32)
    frame = pd.DataFrame({
        "sweep": pd.Categorical.from_codes(sweep_codes[run_codes], categories=order),
        "arm": pd.Categorical.from_codes(arm_codes[run_codes], categories=arms),
        "run": pd.Categorical.from_codes(run_cat[run_codes], categories=uniq_runs),
        "seed": seeds[run_codes],
        "parent": pd.Categorical.from_codes(parent_codes[run_codes], categories=parents),
        "branch_step": pd.array(branch[run_codes], dtype="Float64").astype("Int64"),
        "step": steps,
        "metric": pd.Categorical.from_codes(met_codes, categories=names),
        "value": vals,
    })
    for key in value_keys:
        frame[key] = _column([values[(r.sweep, r.run)].get(key) for r in records], run_codes)

    table = pd.DataFrame({
        "sweep": [r.sweep for r in records], "run": run_names, "arm": [r.arm for r in records],
        "label": [None] * len(records), "seed": seeds, "parent": [r.parent for r in records],
        "branch_step": pd.array([r.branch_step for r in records], dtype="Int64"),
        "state": [r.state for r in records], "source": [r.source for r in records],
        "dir": [None if r.dir is None else str(r.dir) for r in records],
        "last_step": [int(r.steps[-1]) if len(r.steps) else None for r in records],
    })
    for key in value_keys:
        table[key] = [values[(r.sweep, r.run)].get(key) for r in records]

    sweeps: dict[str, Sweep] = {}
    bounds = np.searchsorted(sweep_codes[run_codes], np.arange(len(order) + 1)) if len(run_codes) else None
    for i, s in enumerate(order):
        meta = metas.get(s) or SweepMeta(name=s)
        sub = frame.iloc[bounds[i]:bounds[i + 1]] if bounds is not None else frame.iloc[0:0]
        tab = table[table["sweep"] == s].reset_index(drop=True)
        tab["label"] = [meta.labels.get(a, a) for a in tab["arm"]]
        keys = [k for k in value_keys if any(k in values[(s, r)] for r in tab["run"])]
        recs = {r.run: r for r in by_sweep[s]}
        notes = [m for m in skipped if m.startswith(f"{s}/") or m.startswith(f"{s}:")]
        sweeps[s] = Sweep(meta, sub, tab, recs, keys, notes)
    table["label"] = [sweeps[s].labels.get(a, a) for s, a in zip(table["sweep"], table["arm"])]
    return Runs(frame=frame, table=table, sweeps=sweeps, skipped=skipped)
