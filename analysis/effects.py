"""Effects measured on a sweep's runs with a bootstrap CI over seeds, and the registries of the study's claims.

What: a `Finding` says which claim (in the study's words, with its section), what we measured (e.g. "final
response diversity, No KL Loss Clip High − KL Loss"), the effect, its 95 % CI, the seeds behind it, and a verdict:
    supports     the CI lies entirely on the side the claim predicts
    contradicts  the CI lies entirely on the other side
    cannot tell  the CI includes 0, or there is one seed (no CI: the point estimate's direction is noted), or the
                 arms the claim is about could not be identified
Statistics per run (on the run's own values; a branch run from its branch step):
    final     mean over the last 20 % of the run's step span      initial  mean over the first 20 %
    change    final − initial                                     mean     mean over all steps
    growth    least-squares slope over the first half of the span, per 100 steps
    early     mean over the first half of the span                fade     early − final
    peak      the curve's highest value                           rise     peak − initial
    drop      peak − the curve's last value (how far a metric fell from its best)
    peak_at   where the curve peaks, as a fraction of the span (0 = its start, 1 = its end)
    jitter    standard deviation of the step-to-step changes of the raw values (how much a metric fluctuates)
    The curve of peak/rise/drop/peak_at is the EMA(0.9) of a per-step training metric, and the raw values of an
    evaluation metric (`test/...`, logged every test_freq steps and drawn unsmoothed).
Comparisons (`compare`): mean over seeds of arm A − mean over seeds of arm B, seeds of each arm resampled
independently (two-sample percentile bootstrap, 2000 draws, seeded). Trends (`trend`): least-squares slope of the
per-run statistic against a config value (e.g. mask ratio), runs resampled within their arm. `one_sample`: the mean
of a per-run statistic (`per_run`: of given per-run values) vs 0. `relation`: slope of one per-run statistic against
another across runs, runs resampled. With `expect=0` a claim predicts no effect: it is supported when the CI lies
within ±`margin` (equivalence), contradicted when the CI lies wholly outside it.
No verdict is drawn from one seed: a measurement whose runs (of either side) share one seed gets no CI, and every
verdict on a sweep run with one seed is "cannot tell" (a CI over its checkpoints or its arms is not one over seeds).

Registries: `CLAIMS` (figure → the claims its sweep measures; filled by findings_claims.py) and `MEASURES`
(catalog claim id → its measurement; filled by claims_measures.py). This module is their floor: the claim modules
import it, and `analysis.findings` imports them (no import loop).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Mapping, Optional, Sequence

import numpy as np

from analysis.figures.panels import numeric
from analysis.runs import Sweep
from analysis.smoothing import bootstrap_diff, bootstrap_mean, ema
from microcoder import metrics as M
from microcoder.registry import Registry

__all__ = ["CLAIMS", "MEASURES", "Finding", "compare", "one_sample", "per_run", "relation", "run_stat", "trend"]

ACC, REW, LEN, DIV = M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY
NAMES = {ACC: "test accuracy", REW: "critic reward", LEN: "response length", DIV: "response diversity"}
STATS = ("final", "initial", "change", "mean", "growth", "early", "fade", "peak", "rise", "drop", "peak_at", "jitter")
WINDOW = 0.2
PARTS = "abcdefghijklmnopqrstuvwxyz"  # a claim measured in parts names them (a), (b), …


@dataclasses.dataclass
class Finding:
    claim: str
    section: str
    measure: str
    effect: float
    low: float
    high: float
    seeds: str
    verdict: str
    note: str = ""

    def effect_text(self) -> str:
        if not np.isfinite(self.effect):
            return "–"
        ci = f" [{self.low:+.3g}, {self.high:+.3g}]" if np.isfinite(self.low) else ""
        return f"{self.effect:+.3g}{ci}"


def run_stat(sweep: Sweep, run: str, metric: str, stat: str) -> float:
    """One statistic of one run's metric (see the module docstring); NaN when the run did not log it."""
    steps, vals = sweep.run_series(run, metric)
    if len(steps) == 0:
        return np.nan
    lo, hi = float(steps[0]), float(steps[-1])
    span = hi - lo
    if stat == "final":
        return float(vals[steps >= hi - WINDOW * span].mean())
    if stat == "initial":
        return float(vals[steps <= lo + WINDOW * span].mean())
    if stat == "change":
        return run_stat(sweep, run, metric, "final") - run_stat(sweep, run, metric, "initial")
    if stat == "mean":
        return float(vals.mean())
    if stat == "growth":
        keep = steps <= lo + span / 2
        if keep.sum() < 2:
            return np.nan
        return float(np.polyfit(steps[keep].astype(float), vals[keep], 1)[0] * 100)
    if stat == "early":
        return float(vals[steps <= lo + span / 2].mean())
    if stat == "fade":
        return run_stat(sweep, run, metric, "early") - run_stat(sweep, run, metric, "final")
    if stat == "jitter":
        return float(np.std(np.diff(vals))) if len(vals) >= 3 else np.nan
    if stat in ("peak", "rise", "drop", "peak_at"):
        curve = vals if metric.startswith("test/") else ema(vals, 0.9)
        top = int(np.nanargmax(curve))
        if stat == "peak":
            return float(curve[top])
        if stat == "rise":
            return float(curve[top]) - run_stat(sweep, run, metric, "initial")
        if stat == "drop":
            return float(curve[top] - curve[-1])
        return float((steps[top] - lo) / span) if span > 0 else np.nan
    raise ValueError(f"unknown statistic {stat!r}; valid: {', '.join(STATS)}")


def _verdict(effect: float, low: float, high: float, expect: int, n_note: str,
             margin: Optional[float] = None) -> tuple[str, str]:
    if not np.isfinite(effect):
        return "cannot tell", "no data"
    if expect == 0:
        if margin is None:
            raise ValueError("a claim of no effect (expect=0) needs an equivalence margin")
        if not np.isfinite(low):
            side = "within" if abs(effect) <= margin else "outside"
            return "cannot tell", f"{n_note}: no CI; the point estimate lies {side} ±{margin:g}"
        if -margin <= low and high <= margin:
            return "supports", f"the CI lies within ±{margin:g}"
        if low > margin or high < -margin:
            return "contradicts", f"the CI lies outside ±{margin:g}"
        return "cannot tell", f"the CI reaches past ±{margin:g}"
    if not np.isfinite(low):
        side = "the claim's way" if np.sign(effect) == expect else "against the claim"
        return "cannot tell", f"{n_note}: no CI; the point estimate points {side}"
    if (low > 0 and expect > 0) or (high < 0 and expect < 0):
        return "supports", ""
    if (low > 0 and expect < 0) or (high < 0 and expect > 0):
        return "contradicts", ""
    return "cannot tell", "the CI includes 0"


def _values_seeds(sweep: Sweep, arms: Sequence[str], metric: str, stat: str) -> tuple[np.ndarray, int]:
    """(finite per-run values of the runs of `arms`, how many distinct seeds they come from)."""
    pairs = [(run_stat(sweep, r, metric, stat), sweep.records[r].seed) for a in arms for r in sweep.runs_of(a)]
    pairs = [(v, seed) for v, seed in pairs if np.isfinite(v)]
    return np.array([v for v, _ in pairs]), len({seed for _, seed in pairs})


def _values(sweep: Sweep, arms: Sequence[str], metric: str, stat: str) -> np.ndarray:
    return _values_seeds(sweep, arms, metric, stat)[0]


def _labels(sweep: Sweep, arms: Sequence[str]) -> str:
    return "+".join(sweep.label(a) for a in arms)


def _expectation(expect: int, margin: Optional[float]) -> str:
    return f"expect ≈ 0 within ±{margin:g}" if expect == 0 else f"expect {'>' if expect > 0 else '<'} 0"


def compare(sweep: Sweep, claim: str, section: str, a: Sequence[str], b: Sequence[str], metric: str, stat: str,
            expect: int, margin: Optional[float] = None) -> Finding:
    """Arms `a` vs arms `b` on a per-run statistic; `expect` = +1 when the claim predicts a > b, −1 for a < b, 0 for
    a ≈ b (within ±`margin`)."""
    measure = f"{stat} {NAMES.get(metric, metric)}: {_labels(sweep, a) or '?'} − {_labels(sweep, b) or '?'}"
    if expect == 0:
        measure += f" ({_expectation(expect, margin)})"
    if not a or not b:
        return Finding(claim, section, measure, np.nan, np.nan, np.nan, "–", "cannot tell",
                       "the arms this claim compares were not identified in the sweep")
    (va, sa), (vb, sb) = _values_seeds(sweep, a, metric, stat), _values_seeds(sweep, b, metric, stat)
    eff, low, high = bootstrap_diff(va, vb)
    if min(sa, sb) < 2:
        low = high = np.nan
    seeds = f"{len(va)} vs {len(vb)}"
    verdict, note = _verdict(eff, low, high, expect, "one seed per arm" if min(sa, sb) < 2 else "", margin)
    return Finding(claim, section, measure, eff, low, high, seeds, verdict, note)


def _one_sample(claim: str, section: str, measure: str, values, n_seeds: int, expect: int,
                margin: Optional[float]) -> Finding:
    v = np.asarray(values, dtype=float)
    eff, low, high = bootstrap_mean(v)
    if n_seeds < 2:
        low = high = np.nan
    verdict, note = _verdict(eff, low, high, expect, "one run" if len(v) < 2 else "one seed", margin)
    return Finding(claim, section, measure, eff, low, high, f"{len(v)} run{'' if len(v) == 1 else 's'}", verdict,
                   note)


def one_sample(sweep: Sweep, claim: str, section: str, arms: Sequence[str], metric: str, stat: str,
               expect: int, margin: Optional[float] = None) -> Finding:
    """The mean of a per-run statistic over the runs of `arms` (e.g. the change of diversity), vs 0."""
    measure = f"{stat} {NAMES.get(metric, metric)} of {_labels(sweep, arms) or '?'}"
    v, n_seeds = _values_seeds(sweep, arms, metric, stat)
    return _one_sample(claim, section, measure, v, n_seeds, expect, margin)


def per_run(sweep: Sweep, claim: str, section: str, measure: str, values: Mapping[str, float], expect: int,
            margin: Optional[float] = None) -> Finding:
    """The mean of given per-run values (run name → value, e.g. a difference of two metrics) vs 0."""
    finite = {r: v for r, v in values.items() if np.isfinite(v)}
    seeds = {sweep.records[r].seed for r in finite}
    return _one_sample(claim, section, measure, list(finite.values()), len(seeds), expect, margin)


def trend(sweep: Sweep, claim: str, section: str, arms: Sequence[str], key: str, metric: str, stat: str,
          expect: int, n_boot: int = 2000, x: Optional[Mapping[str, float]] = None) -> Finding:
    """Slope of a per-run statistic against the config value `key` across `arms` (runs resampled within arms);
    `x` (arm → value) replaces the config value, `key` then only names it."""
    measure = f"slope of {stat} {NAMES.get(metric, metric)} vs {key}"
    groups = []
    for a in arms:
        xa = x.get(a) if x is not None else numeric(sweep.value(a, key))
        ys = _values(sweep, [a], metric, stat)
        if xa is not None and len(ys):
            groups.append((xa, ys))
    if len({g[0] for g in groups}) < 2:
        return Finding(claim, section, measure, np.nan, np.nan, np.nan, "–", "cannot tell",
                       f"fewer than two arms with a numeric {key}")
    xs = np.concatenate([np.full(len(ys), x) for x, ys in groups])
    ys = np.concatenate([ys for _, ys in groups])
    eff = float(np.polyfit(xs, ys, 1)[0])
    low = high = np.nan
    if all(len(g[1]) >= 2 for g in groups):
        rng = np.random.default_rng(0)
        slopes = []
        for _ in range(n_boot):
            yb = np.concatenate([g[1][rng.integers(0, len(g[1]), len(g[1]))] for g in groups])
            slopes.append(np.polyfit(xs, yb, 1)[0])
        low, high = (float(q) for q in np.quantile(slopes, [0.025, 0.975]))
    seeds = ", ".join(f"{len(g[1])}" for g in groups) + " seeds"
    verdict, note = _verdict(eff, low, high, expect, "one seed per arm")
    return Finding(claim, section, measure, eff, low, high, seeds, verdict, note)


def _slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slopes of the rows of y (k, n) against the rows of x (k, n); NaN where a row of x does not vary
    (relative to its size)."""
    dx = x - x.mean(axis=1, keepdims=True)
    den = (dx * dx).sum(axis=1)
    tiny = (1e-9 * np.maximum(np.abs(x).max(axis=1), 1e-12)) ** 2 * x.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > tiny, (dx * (y - y.mean(axis=1, keepdims=True))).sum(axis=1) / den, np.nan)


def relation(sweep: Sweep, claim: str, section: str, arms: Sequence[str], x: tuple[str, str], y: tuple[str, str],
             expect: int, n_boot: int = 2000) -> Finding:
    """Slope of one per-run statistic `y` = (metric, stat) against another `x` across the runs of `arms` (runs
    resampled as (x, y) pairs)."""
    def name(ms: tuple[str, str]) -> str:
        return f"{ms[1]} {NAMES.get(ms[0], ms[0])}"

    measure = f"slope of {name(y)} vs {name(x)} across the runs of {_labels(sweep, arms) or '?'}"
    pts = [(run_stat(sweep, r, *x), run_stat(sweep, r, *y), sweep.records[r].seed)
           for a in arms for r in sweep.runs_of(a)]
    pts = [p for p in pts if np.isfinite(p[0]) and np.isfinite(p[1])]
    xs, ys = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    eff = float(_slopes(xs[None, :], ys[None, :])[0]) if len(pts) >= 3 else np.nan
    if not np.isfinite(eff):
        return Finding(claim, section, measure, np.nan, np.nan, np.nan, f"{len(pts)} runs", "cannot tell",
                       "fewer than three runs with distinct values")
    low = high = np.nan
    if len({p[2] for p in pts}) >= 2:
        idx = np.random.default_rng(0).integers(0, len(pts), (n_boot, len(pts)))
        slopes = _slopes(xs[idx], ys[idx])
        slopes = slopes[np.isfinite(slopes)]
        if len(slopes):
            low, high = (float(q) for q in np.quantile(slopes, [0.025, 0.975]))
    verdict, note = _verdict(eff, low, high, expect, "one seed")
    return Finding(claim, section, measure, eff, low, high, f"{len(pts)} runs", verdict, note)


CLAIMS: Registry[Callable[[Sweep], list[Finding]]] = Registry("claim set")
MEASURES: Registry[Callable[[Sweep], list[Finding]]] = Registry("claim measurement")
"""Catalog claim id (analysis/claims_catalog.py) → its measurement on the sweep of the claim's spec: the findings of
its parts, in the order of the catalog's measure text ((a), (b), …)."""
