"""Figure 1_0, model generations: accuracy (twin axes), critic reward, response length, response-length density.

    test accuracy: with exactly two arms, one y-axis each (left in the first arm's colour, right in the second's),
                   as the study does for Qwen2.5 vs Qwen3 whose accuracies sit far apart; otherwise one axis
    critic reward | response length: raw + EMA per arm
    density: a Gaussian kernel density of the response lengths of each arm's last probed checkpoint
             (`microcoder probe lengths RUN`, probes/lengths.jsonl), pooled over seeds; runs without a probe
             fall back to the lengths in their last samples/ file (training rollouts, noted in the legend)
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from analysis.figures.layout import ACCURACY_PANEL, LENGTH_PANEL, REWARD_PANEL, Layout, Row, SpecialPanel
from analysis.figures.panels import ACCURACY, STEPS, curve_panel, needs_metrics
from analysis.figures.registry import DrawOptions, register
from analysis.curves import arm_curves
from analysis.runs import Sweep
from analysis.smoothing import kde
from analysis.style import BOLD_LW, arm_colors, k_axis, labels, new_figure, no_data, plot_test
from microcoder import metrics as M

GRID_POINTS = 256
DENSITY = SpecialPanel("length_density", "Response-length density",
                  "probes/lengths.jsonl (`microcoder probe lengths RUN_DIR`) or the run's samples/ files")
LAYOUT = Layout(Row("Accuracy, critic reward, response length and its density",
                    (ACCURACY_PANEL, REWARD_PANEL, LENGTH_PANEL, DENSITY)))
DENSITY_LAYOUT = Layout(Row("Response-length density", (DENSITY,)))


def arm_lengths(sweep: Sweep, arm: str) -> tuple[list[int], str]:
    """(response lengths pooled over the arm's seeds, where from: "probe" or "samples" or "")."""
    pooled, source = [], ""
    for run in sweep.runs_of(arm):
        rows = [r for r in sweep.probe(run, "lengths") if isinstance(r.get("lengths"), list)]
        if rows:
            last = max(int(r.get("step", 0)) for r in rows)
            for r in rows:
                if int(r.get("step", 0)) == last:
                    pooled += [int(v) for v in r["lengths"] if isinstance(v, (int, float))]
            source = source or "probe"
            continue
        _, lengths = sweep.sample_lengths(run)
        if lengths:
            pooled += lengths
            source = source or "samples"
    return pooled, source


def _lengths_needs(sweep: Sweep) -> Optional[str]:
    for arm in sweep.arms:
        if arm_lengths(sweep, arm)[0]:
            return None
    return "no response lengths (run `microcoder probe lengths RUN_DIR`, or keep samples/)"


def draw_density(ax, sweep: Sweep, colors: dict) -> int:
    data = {a: arm_lengths(sweep, a) for a in sweep.arms}
    data = {a: v for a, v in data.items() if v[0]}
    if not data:
        no_data(ax, _lengths_needs(sweep) or "no response lengths")
        return 0
    top = max(max(v[0]) for v in data.values())
    grid = np.linspace(0, max(top * 1.1, 1), GRID_POINTS)
    for arm, (lengths, source) in data.items():
        suffix = " (train samples)" if source == "samples" else ""
        ax.plot(grid, kde(lengths, grid), color=colors[arm], lw=BOLD_LW, label=sweep.label(arm) + suffix,
                gid=f"density:{arm}")
    k_axis(ax, "x")
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
    labels(ax, "Response Length", "Density")
    return len(data)


def draw_accuracy(ax, sweep: Sweep, colors: dict, opts: DrawOptions) -> None:
    curves = arm_curves(sweep, ACCURACY_PANEL.metric, x=ACCURACY_PANEL.x)
    if not curves:
        no_data(ax, f"no {ACCURACY_PANEL.metric} logged")
        return
    if len(curves) != 2:
        plot_test(ax, curves, colors, opts.max_points)
        labels(ax, STEPS, ACCURACY)
        return
    right = ax.twinx()
    for axis, c in ((ax, curves[0]), (right, curves[1])):
        plot_test(axis, [c], colors, opts.max_points)
        axis.set_ylabel(f"{c.label} {ACCURACY}", color=colors[c.arm])
        axis.tick_params(axis="y", colors=colors[c.arm])
    ax.set_xlabel(STEPS)
    handles = ax.get_lines() + right.get_lines()
    ax.legend(handles, [h.get_label() for h in handles], loc="lower right")


@register("generations",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD, M.TRAIN_RESPONSE_LENGTH, any_of=True), LAYOUT)
def draw_generations(sweep: Sweep, opts: DrawOptions):
    colors = arm_colors(sweep.arms)
    fig = new_figure(1, 4, panel=(4.6, 3.6))
    axes = fig.subplots(1, 4)
    _, reward, length, _ = LAYOUT.rows[0].panels
    draw_accuracy(axes[0], sweep, colors, opts)  # the layout's accuracy curve, one y-axis per arm for two arms
    curve_panel(axes[1], sweep, reward, sweep.arms, colors, opts)
    curve_panel(axes[2], sweep, length, sweep.arms, colors, opts)
    draw_density(axes[3], sweep, colors)
    return fig


@register("length_density", _lengths_needs, DENSITY_LAYOUT, auto=True)
def draw_length_density(sweep: Sweep, opts: DrawOptions):
    fig = new_figure(1, 1)
    draw_density(fig.subplots(1, 1), sweep, arm_colors(sweep.arms))
    return fig
