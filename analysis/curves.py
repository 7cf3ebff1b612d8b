"""Per-arm curves ready to draw: x, the raw mean over seeds, its EMA, and a confidence band over seeds.

What: `arm_curve(sweep, arm, metric, smoothing=0.9, x="step")` → `Curve` for one arm:
    x        steps (or "Relative Data": prompts seen / the sweep's smallest train batch, the study's 11_2 axis)
    raw      mean over the arm's seeds of the logged values at each x (the faint line)
    smooth   mean over seeds of each seed's EMA (the bold line); equal to raw when smoothing is 0; a branch
             run's EMA continues its parent's, so the bold branch line leaves the parent's bold line
    low/high a 95 % band of that mean over seeds (NaN with one seed)
A branch arm's curve starts at its branch step (the parent's value there is its first point; design.md §3).
`arm_curves(sweep, metric, arms=None, ...)` does every arm (in spec order) that logged the metric.

Why: every study figure is a handful of these lines; computing them in one place keeps the figures short and
makes "branch runs drawn from their branch step" and "mean and band over seeds" one tested rule.

How: `c = arm_curve(sweep, "kl", "train/response_diversity"); ax.plot(c.x, c.smooth)`.
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from analysis.runs import Sweep
from analysis.smoothing import ema, seed_band
from microcoder import metrics as M

__all__ = ["Curve", "arm_curve", "arm_curves", "min_batch_size", "relative_data"]


@dataclasses.dataclass
class Curve:
    arm: str
    label: str
    metric: str
    x: np.ndarray
    raw: np.ndarray
    smooth: np.ndarray
    low: np.ndarray
    high: np.ndarray
    seeds: int
    branch_step: Optional[int] = None

    @property
    def empty(self) -> bool:
        return len(self.x) == 0

    def final(self) -> float:
        return float(self.raw[-1]) if len(self.raw) else np.nan

    def peak(self) -> float:
        return float(np.nanmax(self.raw)) if len(self.raw) else np.nan


def min_batch_size(sweep: Sweep) -> Optional[float]:
    """The smallest `data.train_batch_size` among the sweep's runs (None when no run says)."""
    if "min_batch_size" not in sweep.cache:
        sizes = [sweep.run_value(run, "data.train_batch_size") for run in sweep.records]
        sizes = [float(v) for v in sizes if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0]
        sweep.cache["min_batch_size"] = min(sizes) if sizes else None
    return sweep.cache["min_batch_size"]


def relative_data(sweep: Sweep, run: str, steps: np.ndarray) -> np.ndarray:
    """Steps of a run → prompts seen / the sweep's smallest batch (the study's "Relative Data"). Uses the logged
    `data/prompts_seen` (interpolated between its steps), else step × the run's batch size; else the steps."""
    base = min_batch_size(sweep)
    ps, pv = sweep.run_series(run, M.PROMPTS_SEEN)
    if len(ps) >= 1 and base:
        return np.interp(steps, ps, pv) / base
    bs = sweep.run_value(run, "data.train_batch_size")
    if isinstance(bs, (int, float)) and base:
        return steps * float(bs) / base
    return steps.astype(float)


def _run_ema(sweep: Sweep, run: str, metric: str, steps: np.ndarray, vals: np.ndarray, smoothing: float):
    """The run's EMA; a branch run's EMA carries on from its parent's history (its parent's steps before the
    branch step are smoothed first and dropped), so the bold branch line starts on the parent's bold line."""
    if not smoothing:
        return vals
    rec = sweep.records[run]
    if rec.branch_step is None or rec.parent not in sweep.records:
        return ema(vals, smoothing)
    ps, pv = sweep.run_series(rec.parent, metric)
    keep = ps < steps[0]
    return ema(np.concatenate([pv[keep], vals]), smoothing)[int(keep.sum()):]


def arm_curve(sweep: Sweep, arm: str, metric: str, smoothing: float = 0.0, x: str = "step") -> Curve:
    """The curve of one arm (see the module docstring); `x` is "step" or "relative_data"."""
    runs = sweep.runs_of(arm)
    series, smoothed, xs = {}, {}, {}
    for run in runs:
        steps, vals = sweep.run_series(run, metric)
        if len(steps):
            series[run] = pd.Series(vals, index=steps)
            smoothed[run] = pd.Series(_run_ema(sweep, run, metric, steps, vals, smoothing), index=steps)
            if x == "relative_data":
                xs[run] = pd.Series(relative_data(sweep, run, steps.astype(float)), index=steps)
    label = sweep.label(arm)
    if not series:
        e = np.empty(0)
        return Curve(arm, label, metric, e, e, e, e, e, 0, sweep.branch_step(arm))
    grid = pd.DataFrame(series).sort_index()  # rows: steps (union over seeds), columns: seeds
    raw, _, _, _ = seed_band(grid.to_numpy())
    smooth, low, high, _ = seed_band(pd.DataFrame(smoothed).reindex(grid.index).to_numpy())
    if x == "relative_data":
        xgrid = pd.DataFrame(xs).reindex(grid.index)
        xv = xgrid.mean(axis=1).to_numpy()
    elif x == "step":
        xv = grid.index.to_numpy(dtype=float)
    else:
        raise ValueError(f"x must be 'step' or 'relative_data', got {x!r}")
    return Curve(arm, label, metric, xv, raw, smooth, low, high, len(series), sweep.branch_step(arm))


def arm_curves(sweep: Sweep, metric: str, arms: Optional[Sequence[str]] = None, smoothing: float = 0.0,
               x: str = "step") -> list[Curve]:
    """Curves of `arms` (default: every arm, in spec order) that logged `metric`."""
    out = []
    for arm in (sweep.arms if arms is None else arms):
        c = arm_curve(sweep, arm, metric, smoothing, x)
        if not c.empty:
            out.append(c)
    return out
