"""Figures that are rows of curve panels, one line per arm: data (8_2), kl_clip (9_2), batch_size (11_2), and the
generic `overview` drawn for sweeps that map to no study figure (e.g. the demo sweep).

    data        test accuracy | critic reward | response length             (DeepCoder vs MicroCoder data)
    kl_clip     test accuracy | response length | response diversity        (KL loss vs no KL + clip-high)
    batch_size  the same three against "Relative Data" = prompts seen / the smallest train batch
    overview    test accuracy | critic reward, then response length | response diversity (2 × 2)

Each figure is its layout (layout.py) drawn as it is: one axes per panel, every arm on each. Training metrics are
drawn raw (faint) + EMA (bold); test accuracy unsmoothed at its test steps (design.md §4). The layouts' rows that
no figure draws are for the sweep's W&B dashboard (KL, clipping and entropy beside kl_clip).
"""

from __future__ import annotations

from analysis.figures.layout import (ACCURACY_BY_DATA_PANEL, ACCURACY_PANEL, DIVERSITY_PANEL, LENGTH_PANEL,
                                     REWARD_PANEL, LinePanel, Layout, Row)
from analysis.figures.panels import curve_panel, needs_metrics
from analysis.figures.registry import DrawOptions, register
from analysis.runs import Sweep
from analysis.style import arm_colors, new_figure
from microcoder import metrics as M

DATA_LAYOUT = Layout(Row("Accuracy, reward and response length", (ACCURACY_PANEL, REWARD_PANEL, LENGTH_PANEL)))
KL_CLIP_LAYOUT = Layout(
    Row("Accuracy, response length and diversity", (ACCURACY_PANEL, LENGTH_PANEL, DIVERSITY_PANEL)),
    Row("KL, clipping and entropy",
        (LinePanel(M.TRAIN_KL), LinePanel(M.TRAIN_CLIP_FRACTION), LinePanel(M.TRAIN_ENTROPY)), figure=False))
BATCH_SIZE_LAYOUT = Layout(Row("Accuracy, response length and diversity by data seen",
                               (ACCURACY_BY_DATA_PANEL, LinePanel(M.TRAIN_RESPONSE_LENGTH, x="relative_data"),
                                LinePanel(M.TRAIN_RESPONSE_DIVERSITY, x="relative_data"))))
OVERVIEW_LAYOUT = Layout(Row("Accuracy and reward", (ACCURACY_PANEL, REWARD_PANEL)),
                         Row("Response length and diversity", (LENGTH_PANEL, DIVERSITY_PANEL)))


def draw_layout(sweep: Sweep, opts: DrawOptions, layout: Layout):
    """One axes per panel of the layout's figure rows (row by row), every arm in each."""
    rows = layout.figure_rows
    cols = max(len(r.panels) for r in rows)
    fig = new_figure(len(rows), cols)
    axes = fig.subplots(len(rows), cols, squeeze=False)
    colors = arm_colors(sweep.arms)
    for i, row in enumerate(rows):
        for j, curve in enumerate(row.panels):
            curve_panel(axes[i, j], sweep, curve, sweep.arms, colors, opts)
    return fig


@register("data",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD, M.TRAIN_RESPONSE_LENGTH, any_of=True), DATA_LAYOUT)
def draw_data(sweep: Sweep, opts: DrawOptions):
    return draw_layout(sweep, opts, DATA_LAYOUT)


@register("kl_clip", needs_metrics(M.TEST_ACCURACY, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY, any_of=True),
          KL_CLIP_LAYOUT)
def draw_kl_clip(sweep: Sweep, opts: DrawOptions):
    return draw_layout(sweep, opts, KL_CLIP_LAYOUT)


@register("batch_size",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY, any_of=True),
          BATCH_SIZE_LAYOUT)
def draw_batch_size(sweep: Sweep, opts: DrawOptions):
    return draw_layout(sweep, opts, BATCH_SIZE_LAYOUT)


@register("overview",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY,
                        any_of=True), OVERVIEW_LAYOUT, table=True)
def draw_overview(sweep: Sweep, opts: DrawOptions):
    return draw_layout(sweep, opts, OVERVIEW_LAYOUT)
