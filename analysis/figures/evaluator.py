"""Figure 6_4, code evaluator robustness: test accuracy, critic reward, and each arm's step phase timeline.

    test accuracy | critic reward (raw + EMA) | one timeline per arm, stacked:
                                                 shaded spans inference (rollout) → reward → model update,
                                                 width = the phase's median wall time over the arm's steps,
                                                 a line = the phase's median peak memory (GB)

The study's right-hand panels trace GPU memory against time through one step, with the reward phase much longer
for one evaluator. We log per phase its wall time (`time/rollout_s`, `time/reward_s`, `time/update_s`) and its
peak memory (`mem/*_gb`, design.md §4), so a step is drawn as three spans with a step line of peak memory; the
median over steps (and seeds) makes it a typical step rather than one picked by chance. Panels share their time
axis, so a slower evaluator shows as a wider green span. A dashboard shows the timeline's data as it streams in:
the phase times and the phase peak memory against steps (the layout's stand-ins for the timeline).
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

from analysis.figures.layout import ACCURACY_PANEL, REWARD_PANEL, LinePanel, Layout, Row, SpecialPanel
from analysis.figures.panels import curve_panel, needs_metrics
from analysis.figures.registry import DrawOptions, register
from analysis.runs import Sweep
from analysis.style import PHASE_COLORS, arm_colors, new_figure, no_data
from microcoder import metrics as M

PHASES = (("rollout", "Inference", M.TIME_ROLLOUT_S, M.MEM_ROLLOUT_GB),
          ("reward", "Reward", M.TIME_REWARD_S, M.MEM_REWARD_GB),
          ("update", "Model Update", M.TIME_UPDATE_S, M.MEM_UPDATE_GB))
MAX_TIMELINES = 4
TIMELINE = SpecialPanel("phase_timeline", "Step phase timeline (median seconds and peak memory of each phase)",
                   "the medians over steps of time/*_s and mem/*_gb",
                   stand_in=(LinePanel(tuple(p[2] for p in PHASES), title="Phase time (s)"),
                             LinePanel(tuple(p[3] for p in PHASES), title="Peak memory (GB)")))
LAYOUT = Layout(Row("Accuracy, critic reward and the step's phases", (ACCURACY_PANEL, REWARD_PANEL, TIMELINE)))


def phase_medians(sweep: Sweep, arm: str) -> dict[str, tuple[float, float]]:
    """phase → (median seconds, median peak GB) over every step of every seed of the arm (NaN when not logged)."""
    out = {}
    for phase, _, t_metric, m_metric in PHASES:
        t = np.concatenate([sweep.run_series(r, t_metric, from_branch=False)[1] for r in sweep.runs_of(arm)] or
                           [np.empty(0)])
        m = np.concatenate([sweep.run_series(r, m_metric, from_branch=False)[1] for r in sweep.runs_of(arm)] or
                           [np.empty(0)])
        out[phase] = (float(np.median(t)) if t.size else np.nan, float(np.median(m)) if m.size else np.nan)
    return out


def draw_timeline(ax, sweep: Sweep, arm: str, color: str) -> float:
    """Spans and memory line of the arm's median step; returns its total seconds."""
    med = phase_medians(sweep, arm)
    start, xs, ys = 0.0, [], []
    for phase, name, _, _ in PHASES:
        secs, gb = med[phase]
        if not np.isfinite(secs):
            continue
        ax.axvspan(start, start + secs, color=PHASE_COLORS[phase], alpha=0.6, lw=0, gid=f"phase:{phase}:{arm}")
        if np.isfinite(gb):
            xs += [start, start + secs]
            ys += [gb, gb]
        start += secs
    if xs:
        ax.plot(xs, ys, color=color, lw=2.0, gid=f"memory:{arm}", label=f"_memory {arm}")
        ax.set_ylim(0, max(ys) * 1.25)
    else:
        ax.set_yticks([])
    ax.set_title(f"{sweep.label(arm)}: {start:.3g} s a step (median)", fontsize=10, loc="right")
    return start


@register("evaluator", needs_metrics(M.TIME_ROLLOUT_S, M.TIME_REWARD_S, M.TIME_UPDATE_S), LAYOUT, auto=True)
def draw_evaluator(sweep: Sweep, opts: DrawOptions):
    arms = sweep.arms
    colors = arm_colors(arms)
    timeline_arms = [a for a in arms if any(sweep.run_series(r, M.TIME_ROLLOUT_S)[0].size for r in sweep.runs_of(a))]
    timeline_arms = timeline_arms[:MAX_TIMELINES]
    rows = max(1, len(timeline_arms))
    fig = new_figure(1, 3, panel=(5.0, max(3.8, 1.5 * rows)))
    grid = fig.add_gridspec(rows, 3)
    ax_acc = fig.add_subplot(grid[:, 0])
    ax_rew = fig.add_subplot(grid[:, 1])
    accuracy, reward, _ = LAYOUT.rows[0].panels
    curve_panel(ax_acc, sweep, accuracy, arms, colors, opts)
    curve_panel(ax_rew, sweep, reward, arms, colors, opts)
    first = None
    for i, arm in enumerate(timeline_arms):
        ax = fig.add_subplot(grid[i, 2], sharex=first)
        first = first or ax
        draw_timeline(ax, sweep, arm, colors[arm])
        if i == (rows - 1) // 2:
            ax.set_ylabel("Memory (GB)")
        if i < rows - 1:
            ax.tick_params(labelbottom=False)
        else:
            ax.set_xlabel("Relative Time (s)")
    if not timeline_arms:
        no_data(fig.add_subplot(grid[:, 2]), "no phase timings logged (time/rollout_s, time/reward_s, time/update_s)")
    else:
        handles = [Patch(color=PHASE_COLORS[p], alpha=0.6, label=name) for p, name, _, _ in PHASES]
        fig.legend(handles=handles, loc="outside lower right", ncols=3, fontsize=10)
    return fig
