"""One sweep's runs as the figures, the table and the findings read them: `Sweep`.

What: arms in spec order with their labels, the runs of an arm by seed, a run's series of one metric (a branch
run continued from its parent's value at the branch step), config values per run or arm, parents and branch
steps, probe rows (`probes/<kind>.jsonl`) and sample lengths read lazily from the run folders, and views of a
subset of runs (one model of a grid). Built by `analysis.runs.build_runs`; everything is memoised per sweep.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from analysis.records import RunRecord, SweepMeta, flatten_config
from microcoder.run_store import RunStore

__all__ = ["Sweep"]


class Sweep:
    """One sweep's runs, as the figures read them. Construct through `build_runs`."""

    def __init__(self, meta: SweepMeta, frame: pd.DataFrame, table: pd.DataFrame, records: dict[str, RunRecord],
                 value_keys: list[str], skipped: list[str]):
        self.name = meta.name
        self.meta = meta
        self.figure = meta.figure
        self.spec = meta.spec
        self.frame = frame
        self.table = table
        self.records = records
        self.value_keys = value_keys
        self.skipped = skipped
        arms_in_data = list(dict.fromkeys(table["arm"]))
        self.arms = [a for a in meta.arms if a in arms_in_data] + [a for a in arms_in_data if a not in meta.arms]
        self.labels = {a: str(meta.labels.get(a, a)) for a in self.arms}
        self._by_metric: Optional[dict[str, pd.DataFrame]] = None
        self._probes: dict[tuple[str, str], list[dict]] = {}
        self._flat: dict[str, dict] = {}
        self._runs_of: Optional[dict[str, list[str]]] = None
        self.cache: dict[Any, Any] = {}  # figures and curves memoise per-sweep facts here

    def __repr__(self) -> str:
        return f"Sweep({self.name!r}, arms={self.arms}, runs={len(self.table)})"

    # ------------------------------------------------------------------------------------------ metrics

    @property
    def metrics(self) -> list[str]:
        """Names of every metric logged by at least one run of the sweep."""
        return list(self._metric_frames())

    def has(self, metric: str) -> bool:
        return metric in self._metric_frames()

    def metric(self, name: str) -> pd.DataFrame:
        """Rows of one metric: columns run, arm, seed, step, value (empty when no run logged it)."""
        got = self._metric_frames().get(name)
        if got is None:
            return pd.DataFrame({"run": pd.Series(dtype=str), "arm": pd.Series(dtype=str),
                                 "seed": pd.Series(dtype=int), "step": pd.Series(dtype=int),
                                 "value": pd.Series(dtype=float)})
        return got

    def _metric_frames(self) -> dict[str, pd.DataFrame]:
        if self._by_metric is None:
            cols = ["run", "arm", "seed", "step", "value"]
            self._by_metric = {}
            if len(self.frame):
                sub = self.frame[["metric", *cols]]
                for name, part in sub.groupby("metric", observed=True, sort=False):
                    part = part[cols].copy()
                    part["run"] = part["run"].astype(str)
                    part["arm"] = part["arm"].astype(str)
                    self._by_metric[str(name)] = part
        return self._by_metric

    def run_series(self, run: str, metric: str, from_branch: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of one run's metric, ascending. A branch run starts at its branch step: its own rows
        before it are dropped and the parent's last value at or before it is prepended (`from_branch`)."""
        rec = self.records[run]
        col = rec.metrics.get(metric)
        if col is None:
            steps, vals = np.empty(0, dtype=np.int64), np.empty(0)
        else:
            keep = ~np.isnan(col)
            steps, vals = rec.steps[keep], col[keep]
        if from_branch and rec.branch_step is not None:
            k = rec.branch_step
            keep = steps > k
            steps, vals = steps[keep], vals[keep]
            parent = self.records.get(rec.parent) if rec.parent else None
            if parent is not None and metric in parent.metrics:
                pcol = parent.metrics[metric]
                ok = (~np.isnan(pcol)) & (parent.steps <= k)
                if ok.any():
                    i = np.flatnonzero(ok)[-1]
                    steps = np.concatenate([[parent.steps[i]], steps])
                    vals = np.concatenate([[pcol[i]], vals])
        return steps, vals

    def subset(self, runs: list[str], name: Optional[str] = None) -> "Sweep":
        """A view of some of the sweep's runs (e.g. one model of a models × algorithms grid)."""
        keep = set(runs)
        frame = self.frame[self.frame["run"].isin(keep)] if len(self.frame) else self.frame
        table = self.table[self.table["run"].isin(keep)].reset_index(drop=True)
        meta = dataclasses.replace(self.meta, name=name or self.meta.name)
        return Sweep(meta, frame, table, {r: v for r, v in self.records.items() if r in keep or
                                          any(o.parent == r for k, o in self.records.items() if k in keep)},
                     self.value_keys, self.skipped)

    # ------------------------------------------------------------------------------------------ runs and arms

    def runs_of(self, arm: str) -> list[str]:
        """Run names of an arm, by seed."""
        if self._runs_of is None:
            order = self.table.sort_values(["seed", "run"])
            self._runs_of = {}
            for a, r in zip(order["arm"], order["run"]):
                self._runs_of.setdefault(a, []).append(r)
        return list(self._runs_of.get(arm, []))

    def label(self, arm: str) -> str:
        return self.labels.get(arm, arm)

    def run_value(self, run: str, key: str, default: Any = None) -> Any:
        """The config value `key` of a run: its spec value (sweep.json), else its config.yaml's; `default`."""
        rec = self.records[run]
        if rec.values and key in rec.values:
            return rec.values[key]
        if run not in self._flat:
            self._flat[run] = flatten_config(rec.config)
        return self._flat[run].get(key, default)

    def value(self, arm: str, key: str, default: Any = None) -> Any:
        """The config value `key` of an arm (its first run's); `default` when unknown."""
        runs = self.runs_of(arm)
        return self.run_value(runs[0], key, default) if runs else default

    def parent_arm(self, arm: str) -> Optional[str]:
        """The arm of the parent of this arm's branch runs (None for an arm that is not a branch)."""
        for run in self.runs_of(arm):
            rec = self.records[run]
            if rec.parent and rec.parent in self.records:
                return self.records[rec.parent].arm
        return None

    def branch_step(self, arm: str) -> Optional[int]:
        for run in self.runs_of(arm):
            if self.records[run].branch_step is not None:
                return self.records[run].branch_step
        return None

    def is_branch(self, arm: str) -> bool:
        return self.branch_step(arm) is not None

    def seeds(self, arm: str) -> int:
        return len(self.runs_of(arm))

    def probe(self, run: str, kind: str) -> list[dict]:
        """Rows of the run's `probes/<kind>.jsonl` (temperature or lengths; [] without a run folder)."""
        key = (run, kind)
        if key not in self._probes:
            rec = self.records.get(run)
            self._probes[key] = RunStore.at(rec.dir).read_probe(kind) if rec is not None and rec.dir is not None else []
        return self._probes[key]

    def sample_lengths(self, run: str) -> tuple[Optional[int], list[int]]:
        """(step, response lengths) of the run's last samples/ file that records lengths; (None, []) if none."""
        rec = self.records.get(run)
        if rec is None or rec.dir is None:
            return None, []
        import json

        files = sorted((Path(rec.dir) / "samples").glob("step_*.jsonl"))
        for path in reversed(files):
            lengths = []
            for line in path.read_text().splitlines():
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict) and isinstance(row.get("length"), (int, float)):
                    lengths.append(int(row["length"]))
            if lengths:
                return int(path.stem.split("_")[1]), lengths
        return None, []
