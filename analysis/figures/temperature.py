"""Figure 7_2, temperature dynamics (2 × 3).

    accuracy vs evaluation T   | test accuracy, constant T arms   | test accuracy, staged arms + their parent
    diversity vs evaluation T  | diversity, constant T arms       | diversity, staged arms + their parent

Left column: the temperature probe (`microcoder probe temperature RUN`, rows of `probes/temperature.jsonl`): for
each arm, pass@1 and response diversity at each evaluation temperature, for its first and last probed checkpoint
(dashed = first; all of them when there are at most three), averaged over seeds. Middle and right: runs against
training steps. "Staged" arms are branch runs (`from: <arm>`, `at_step: k`) or arms whose `rollout.temperature`
is a schedule; each is drawn from its branch step beside its parent. Dashed horizontal "<arm> max" lines mark the
best test accuracy of the constant arms that are not a staged arm's parent (the study's "t=1.2 max"). Its layout's
rows are the figure's rows (the probe panel, then the curve drawn for the constant and the staged arms); a
dashboard-only row adds the temperature in force at each step (a staged arm's steps up at its branch step).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Optional

import numpy as np

from analysis.figures.layout import ACCURACY_PANEL, DIVERSITY_PANEL, LinePanel, Layout, Row, SpecialPanel
from analysis.figures.panels import DIVERSITY, ACCURACY, curve_panel, needs_metrics, numeric
from analysis.figures.registry import DrawOptions, register
from analysis.runs import Sweep
from analysis.style import arm_colors, labels, new_figure, no_data
from microcoder import metrics as M

PROBE_SOURCE = "probes/temperature.jsonl (`microcoder probe temperature RUN_DIR`)"
PROBE_ACCURACY = SpecialPanel("probe_accuracy", "Accuracy by evaluation temperature", PROBE_SOURCE)
PROBE_DIVERSITY = SpecialPanel("probe_diversity", "Diversity by evaluation temperature", PROBE_SOURCE)
LAYOUT = Layout(
    Row("Accuracy", (PROBE_ACCURACY, ACCURACY_PANEL)),  # the curve is drawn twice: constant arms, staged arms
    Row("Diversity", (PROBE_DIVERSITY, DIVERSITY_PANEL)),
    Row("Temperature in force", (LinePanel(M.TRAIN_TEMPERATURE, smooth=False),), figure=False))
PROBE_LAYOUT = Layout(Row("Temperature probe", (PROBE_ACCURACY, PROBE_DIVERSITY)))


def split_arms(sweep: Sweep) -> tuple[list[str], list[str], list[str]]:
    """(constant arms, staged arms, parents of staged arms) in spec order."""
    staged = [a for a in sweep.arms
              if sweep.is_branch(a) or (sweep.value(a, "rollout.temperature") is not None
                                        and numeric(sweep.value(a, "rollout.temperature")) is None)]
    parents = list(dict.fromkeys(p for a in staged if (p := sweep.parent_arm(a)) is not None))
    constant = [a for a in sweep.arms if a not in staged]
    return constant, staged, parents


def staged_colors(sweep: Sweep, constant: list[str], staged: list[str]) -> dict[str, str]:
    """Arm colours; a staged arm takes the colour of the constant arm that trains at its final temperature
    (the study's "t=0.6->1.2" is drawn in t=1.2's colour), unless another staged arm took it first."""
    colors = arm_colors(sweep.arms)
    taken = set()
    for arm in staged:
        t = numeric(sweep.value(arm, "rollout.temperature"))
        match = [a for a in constant if t is not None and numeric(sweep.value(a, "rollout.temperature")) == t
                 and a != sweep.parent_arm(arm)]
        if match and match[0] not in taken:
            colors[arm] = colors[match[0]]
            taken.add(match[0])
    return colors


def probe_lines(sweep: Sweep, arm: str) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """checkpoint step → (temperatures, mean accuracy, mean diversity) over the arm's seeds."""
    acc: dict[tuple[int, float], list[float]] = defaultdict(list)
    div: dict[tuple[int, float], list[float]] = defaultdict(list)
    for run in sweep.runs_of(arm):
        for row in sweep.probe(run, "temperature"):
            try:
                key = (int(row["step"]), float(row["temperature"]))
            except (KeyError, TypeError, ValueError):
                continue
            if isinstance(row.get("accuracy"), (int, float)):
                acc[key].append(float(row["accuracy"]))
            if isinstance(row.get("diversity"), (int, float)):
                div[key].append(float(row["diversity"]))
    out = {}
    for step in sorted({k[0] for k in acc} | {k[0] for k in div}):
        temps = sorted({k[1] for k in (*acc, *div) if k[0] == step})
        out[step] = (np.array(temps),
                     np.array([np.mean(acc[(step, t)]) if acc.get((step, t)) else np.nan for t in temps]),
                     np.array([np.mean(div[(step, t)]) if div.get((step, t)) else np.nan for t in temps]))
    return out


def _chosen_steps(steps: list[int]) -> list[int]:
    return steps if len(steps) <= 3 else [steps[0], steps[-1]]


def _probe_needs(sweep: Sweep) -> Optional[str]:
    for run in sweep.records:
        if sweep.probe(run, "temperature"):
            return None
    return "no temperature probe rows (run `microcoder probe temperature RUN_DIR`)"


def draw_probe_panels(ax_acc, ax_div, sweep: Sweep, colors: dict) -> int:
    drawn = 0
    for arm in sweep.arms:
        lines = probe_lines(sweep, arm)
        steps = _chosen_steps(list(lines))
        for i, step in enumerate(steps):
            temps, acc, div = lines[step]
            ls = "--" if len(steps) > 1 and i == 0 else "-"
            label = sweep.label(arm)
            ax_acc.plot(temps, acc, color=colors[arm], ls=ls, lw=2.2, label=f"{label} {step}s",
                        gid=f"probe_accuracy:{arm}:{step}")
            ax_div.plot(temps, div, color=colors[arm], ls=ls, lw=2.2, label=f"{label} for {step} steps",
                        gid=f"probe_diversity:{arm}:{step}")
            drawn += 1
    return drawn


@register("temperature", needs_metrics(M.TEST_ACCURACY, M.TRAIN_RESPONSE_DIVERSITY, any_of=True), LAYOUT, auto=False)
def draw_temperature(sweep: Sweep, opts: DrawOptions):
    constant, staged, parents = split_arms(sweep)
    colors = staged_colors(sweep, constant, staged)
    fig = new_figure(2, 3)
    axes = fig.subplots(2, 3, squeeze=False)
    if draw_probe_panels(axes[0, 0], axes[1, 0], sweep, colors):
        labels(axes[0, 0], "Temperature", ACCURACY)
        labels(axes[1, 0], "Temperature", DIVERSITY)
    else:
        why = _probe_needs(sweep) or "no temperature probe rows"
        no_data(axes[0, 0], why)
        no_data(axes[1, 0], why)
    max_arms = [a for a in constant if a not in parents]
    maxes = [(a, f"{sweep.label(a)} max", colors[a]) for a in max_arms]
    curves = [row.panels[1] for row in LAYOUT.figure_rows]  # accuracy, diversity
    for i, curve in enumerate(curves):
        curve_panel(axes[i, 1], sweep, curve, constant, colors, opts, maxes=maxes)
    if staged:
        right = parents + staged
        for i, curve in enumerate(curves):
            curve_panel(axes[i, 2], sweep, curve, right, colors, opts, maxes=maxes)
    else:
        no_data(axes[0, 2], "no staged arms (branch runs or temperature schedules)")
        no_data(axes[1, 2], "no staged arms")
    return fig


# the probe panels alone are worth drawing for any sweep that has probes (e.g. the demo): a small figure
@register("temperature_probe", _probe_needs, PROBE_LAYOUT, auto=True)
def draw_temperature_probe(sweep: Sweep, opts: DrawOptions):
    colors = arm_colors(sweep.arms)
    fig = new_figure(1, 2)
    ax_acc, ax_div = fig.subplots(1, 2)
    if draw_probe_panels(ax_acc, ax_div, sweep, colors):
        labels(ax_acc, "Temperature", ACCURACY)
        labels(ax_div, "Temperature", DIVERSITY)
    return fig
