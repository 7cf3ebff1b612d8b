"""Panels shared by the study figures: a layout curve drawn for some arms, and arm roles from configs.

What: `curve_panel(ax, sweep, curve, arms, ...)` draws one `layout.LinePanel` (the figure's panel definition, shared
with the W&B dashboards): `test_panel` for an unsmoothed evaluation metric (test accuracy, optional dashed "max"
lines), `train_panel` for a per-step training metric (faint raw + bold EMA). `needs_metrics(...)` (a figure's
`needs` from metric names), `arm_role(...)` (pick arms by a config value, falling back to their names), and the
axis labels the study uses.

Why: nine figures are mostly the same three or four panels over different arms; each figure module then only
says which arms go in which panel (see design.md §4 for the metric names).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Optional, Sequence

import numpy as np

from analysis.curves import arm_curve, arm_curves
from analysis.figures.layout import X_AXES, YLABELS, LinePanel
from analysis.figures.registry import DrawOptions
from analysis.runs import Sweep
from analysis.style import k_axis, labels, max_line, no_data, plot_test, plot_training
from microcoder import metrics as M

__all__ = ["ACCURACY", "DIVERSITY", "LENGTH", "RELATIVE_DATA", "REWARD", "STEPS", "arm_role", "curve_panel",
           "max_of", "needs_metrics", "numeric", "test_panel", "train_panel"]

STEPS, RELATIVE_DATA = X_AXES["step"][1], X_AXES["relative_data"][1]
ACCURACY, REWARD, LENGTH, DIVERSITY = (YLABELS[m] for m in (M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD,
                                                              M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY))


def needs_metrics(*names: str, any_of: bool = False) -> Callable[[Sweep], Optional[str]]:
    """A `needs` function: None when the sweep logged all (or, `any_of`, one) of `names`."""

    def needs(sweep: Sweep) -> Optional[str]:
        have = [n for n in names if sweep.has(n)]
        if (any_of and have) or (not any_of and len(have) == len(names)):
            return None
        missing = [n for n in names if n not in have]
        return f"no run logged {', '.join(missing)}"

    return needs


def numeric(value: Any) -> Optional[float]:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, np.number)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def arm_role(sweep: Sweep, key: str, test: Callable[[Any], bool], name_pattern: Optional[str] = None,
             arms: Optional[Iterable[str]] = None) -> list[str]:
    """Arms whose config value `key` passes `test`; when no arm has the key, arms whose name or label matches
    `name_pattern` (case-insensitive regex)."""
    arms = list(sweep.arms if arms is None else arms)
    known = [a for a in arms if sweep.value(a, key) is not None]
    if known:
        return [a for a in known if test(sweep.value(a, key))]
    if name_pattern is None:
        return []
    rx = re.compile(name_pattern, re.I)
    return [a for a in arms if rx.search(a) or rx.search(sweep.label(a))]


def max_of(sweep: Sweep, arm: str, metric: str = M.TEST_ACCURACY) -> float:
    """The highest value of the arm's mean curve (the study's "max" lines)."""
    c = arm_curve(sweep, arm, metric)
    return c.peak() if not c.empty else np.nan


def test_panel(ax, sweep: Sweep, arms: Sequence[str], colors: dict, opts: DrawOptions, x: str = "step",
               maxes: Sequence[tuple[str, str, str]] = (), title: Optional[str] = None, legend: bool = True,
               metric: str = M.TEST_ACCURACY, max_style: str = "--") -> list:
    """Test accuracy of `arms` against steps (or relative data), unsmoothed; `maxes`: (arm, label, colour) of
    horizontal max lines. Returns the curves drawn."""
    curves = arm_curves(sweep, metric, arms, 0.0, x)
    if not curves:
        no_data(ax, f"no {metric} logged")
        return []
    plot_test(ax, curves, colors, opts.max_points)
    for arm, label, color in maxes:
        max_line(ax, max_of(sweep, arm, metric), color, label, ls=max_style)
    labels(ax, RELATIVE_DATA if x == "relative_data" else STEPS, YLABELS.get(metric, metric), title, legend)
    return curves


def train_panel(ax, sweep: Sweep, metric: str, arms: Sequence[str], colors: dict, opts: DrawOptions,
                x: str = "step", title: Optional[str] = None, legend: bool = True, ylabel: Optional[str] = None,
                smooth: bool = True) -> list:
    """A per-step training metric of `arms`: faint raw line + bold EMA (+ band over seeds)."""
    curves = arm_curves(sweep, metric, arms, opts.smoothing if smooth else 0.0, x)
    if not curves:
        no_data(ax, f"no {metric} logged")
        return []
    plot_training(ax, curves, colors, opts.max_points)
    if metric in (M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_LENGTH_MAX, M.TEST_RESPONSE_LENGTH):
        k_axis(ax, "y")
    labels(ax, RELATIVE_DATA if x == "relative_data" else STEPS, ylabel or YLABELS.get(metric, metric), title,
           legend)
    return curves


def curve_panel(ax, sweep: Sweep, curve: LinePanel, arms: Sequence[str], colors: dict, opts: DrawOptions,
                title: Optional[str] = None, legend: bool = True, maxes: Sequence[tuple[str, str, str]] = (),
                max_style: str = "--", metric: Optional[str] = None) -> list:
    """One panel of a figure's layout for `arms`: a smoothed curve as a training metric (`train_panel`), else as
    an evaluation metric (`test_panel`, with its `maxes` lines). `metric`: one name the curve matches (a
    pattern curve's variant), else the curve's one metric. Returns the curves drawn."""
    metric = metric or curve.metric
    if not curve.matches(metric):
        raise ValueError(f"{metric!r} is not a metric of {curve}")
    if curve.smooth:
        return train_panel(ax, sweep, metric, arms, colors, opts, x=curve.x, title=title, legend=legend,
                           ylabel=curve.title or None)
    return test_panel(ax, sweep, arms, colors, opts, x=curve.x, maxes=maxes, title=title, legend=legend,
                      metric=metric, max_style=max_style)
