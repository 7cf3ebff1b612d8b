"""Findings: each claim of the study tied to a sweep, measured on our runs, with a bootstrap CI over seeds.

What: `CLAIMS` maps a figure name to functions `claim(sweep) -> list[Finding]`; `findings(sweep, figure)` runs
them. A `Finding` says which claim (in the study's words, with its section), what we measured (e.g. "final
response diversity, No KL Loss Clip High − KL Loss"), the effect, its 95 % CI, the seeds behind it, and a verdict:
    supports     the CI lies entirely on the side the claim predicts
    contradicts  the CI lies entirely on the other side
    cannot tell  the CI includes 0, or there is one seed per arm (no CI: the point estimate's direction is noted),
                 or the arms the claim is about could not be identified
Statistics per run (on the run's own values; a branch run from its branch step):
    final     mean over the last 20 % of the run's step span      initial  mean over the first 20 %
    change    final − initial                                     mean     mean over all steps
    growth    least-squares slope over the first half of the span, per 100 steps
    drop      peak of the EMA(0.9) curve − its final value (how far a metric fell from its best)
Comparisons (`compare`): mean over seeds of arm A − mean over seeds of arm B, seeds of each arm resampled
independently (two-sample percentile bootstrap, 2000 draws, seeded). Trends (`trend`): least-squares slope of the
per-run statistic against a config value (e.g. mask ratio), runs resampled within their arm.

Why: the report states what our runs say about each claim and how sure that is, instead of leaving readers to
eyeball curves. Arms are picked by their config values (e.g. `actor.use_kl_loss`), falling back to their names.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import numpy as np

from analysis.figures.panels import numeric
from analysis.runs import Sweep
from analysis.smoothing import bootstrap_diff, bootstrap_mean, ema
from microcoder import metrics as M
from microcoder.registry import Registry

__all__ = ["CLAIMS", "Finding", "compare", "findings", "one_sample", "run_stat", "trend"]

ACC, REW, LEN, DIV = M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY
NAMES = {ACC: "test accuracy", REW: "critic reward", LEN: "response length", DIV: "response diversity"}
STATS = ("final", "initial", "change", "mean", "growth", "drop")
WINDOW = 0.2


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
    if stat == "drop":
        smooth = ema(vals, 0.9)
        return float(np.nanmax(smooth) - smooth[-1])
    raise ValueError(f"unknown statistic {stat!r}; valid: {', '.join(STATS)}")


def _verdict(effect: float, low: float, high: float, expect: int, n_note: str) -> tuple[str, str]:
    if not np.isfinite(effect):
        return "cannot tell", "no data"
    if not np.isfinite(low):
        side = "the claim's way" if np.sign(effect) == expect else "against the claim"
        return "cannot tell", f"{n_note}: no CI; the point estimate points {side}"
    if (low > 0 and expect > 0) or (high < 0 and expect < 0):
        return "supports", ""
    if (low > 0 and expect < 0) or (high < 0 and expect > 0):
        return "contradicts", ""
    return "cannot tell", "the CI includes 0"


def _values(sweep: Sweep, arms: Sequence[str], metric: str, stat: str) -> np.ndarray:
    vals = [run_stat(sweep, r, metric, stat) for a in arms for r in sweep.runs_of(a)]
    return np.array([v for v in vals if np.isfinite(v)])


def _labels(sweep: Sweep, arms: Sequence[str]) -> str:
    return "+".join(sweep.label(a) for a in arms)


def compare(sweep: Sweep, claim: str, section: str, a: Sequence[str], b: Sequence[str], metric: str, stat: str,
            expect: int) -> Finding:
    """Arms `a` vs arms `b` on a per-run statistic; `expect` = +1 when the claim predicts a > b, −1 for a < b."""
    measure = f"{stat} {NAMES.get(metric, metric)}: {_labels(sweep, a) or '?'} − {_labels(sweep, b) or '?'}"
    if not a or not b:
        return Finding(claim, section, measure, np.nan, np.nan, np.nan, "–", "cannot tell",
                       "the arms this claim compares were not identified in the sweep")
    va, vb = _values(sweep, a, metric, stat), _values(sweep, b, metric, stat)
    eff, low, high = bootstrap_diff(va, vb)
    seeds = f"{len(va)} vs {len(vb)}"
    verdict, note = _verdict(eff, low, high, expect, "one seed per arm" if min(len(va), len(vb)) < 2 else "")
    return Finding(claim, section, measure, eff, low, high, seeds, verdict, note)


def one_sample(sweep: Sweep, claim: str, section: str, arms: Sequence[str], metric: str, stat: str,
               expect: int) -> Finding:
    """The mean of a per-run statistic over the runs of `arms` (e.g. the change of diversity), vs 0."""
    measure = f"{stat} {NAMES.get(metric, metric)} of {_labels(sweep, arms) or '?'}"
    v = _values(sweep, arms, metric, stat)
    eff, low, high = bootstrap_mean(v)
    verdict, note = _verdict(eff, low, high, expect, "one run")
    return Finding(claim, section, measure, eff, low, high, f"{len(v)} runs", verdict, note)


def trend(sweep: Sweep, claim: str, section: str, arms: Sequence[str], key: str, metric: str, stat: str,
          expect: int, n_boot: int = 2000) -> Finding:
    """Slope of a per-run statistic against the config value `key` across `arms` (runs resampled within arms)."""
    measure = f"slope of {stat} {NAMES.get(metric, metric)} vs {key}"
    groups = []
    for a in arms:
        x = numeric(sweep.value(a, key))
        ys = _values(sweep, [a], metric, stat)
        if x is not None and len(ys):
            groups.append((x, ys))
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


CLAIMS: Registry[Callable[[Sweep], list[Finding]]] = Registry("claim set")


def findings(sweep: Sweep, figure: str) -> list[Finding]:
    """Every claim tied to `figure`, measured on `sweep` ([] for figures without claims)."""
    return CLAIMS.get(figure)(sweep) if figure in CLAIMS else []


# ---------------------------------------------------------------------------------------------- the claims
# they live in findings_claims.py (one function per study section); imported here to register them
from analysis import findings_claims  # noqa: E402,F401
