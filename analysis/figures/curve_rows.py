"""Figures that are one row of curve panels, one line per arm: data (8_2), kl_clip (9_2), batch_size (11_2), and
the generic `overview` drawn for sweeps that map to no study figure (e.g. the demo sweep).

    data        test accuracy | critic reward | response length             (DeepCoder vs MicroCoder data)
    kl_clip     test accuracy | response length | response diversity        (KL loss vs no KL + clip-high)
    batch_size  the same three against "Relative Data" = prompts seen / the smallest train batch
    overview    test accuracy | critic reward | response length | response diversity (2 × 2)

Training metrics are drawn raw (faint) + EMA (bold); test accuracy unsmoothed at its test steps (design.md §4).
"""

from __future__ import annotations

from analysis.figures.panels import needs_metrics, test_panel, train_panel
from analysis.figures.registry import DrawOptions, register
from analysis.runs import Sweep
from analysis.style import arm_colors, new_figure
from microcoder import metrics as M


def _row(sweep: Sweep, opts: DrawOptions, metrics: list[str], x: str = "step", rows: int = 1):
    cols = (len(metrics) + rows - 1) // rows
    fig = new_figure(rows, cols)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    colors = arm_colors(sweep.arms)
    for ax, metric in zip(axes, metrics):
        if metric == M.TEST_ACCURACY:
            test_panel(ax, sweep, sweep.arms, colors, opts, x=x)
        else:
            train_panel(ax, sweep, metric, sweep.arms, colors, opts, x=x)
    return fig


@register("data", "8_2", "Data quality: DeepCoder vs MicroCoder dataset",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD, M.TRAIN_RESPONSE_LENGTH, any_of=True))
def draw_data(sweep: Sweep, opts: DrawOptions):
    return _row(sweep, opts, [M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD, M.TRAIN_RESPONSE_LENGTH])


@register("kl_clip", "9_2", "KL loss and clip ratio",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY, any_of=True))
def draw_kl_clip(sweep: Sweep, opts: DrawOptions):
    return _row(sweep, opts, [M.TEST_ACCURACY, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY])


@register("batch_size", "11_2", "Batch size and on-policy training (x: prompts seen / smallest batch)",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY, any_of=True))
def draw_batch_size(sweep: Sweep, opts: DrawOptions):
    return _row(sweep, opts, [M.TEST_ACCURACY, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY],
                x="relative_data")


@register("overview", "", "Overview: accuracy, reward, length and diversity per arm",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY,
                        any_of=True), table=True)
def draw_overview(sweep: Sweep, opts: DrawOptions):
    return _row(sweep, opts, [M.TEST_ACCURACY, M.TRAIN_CRITIC_REWARD, M.TRAIN_RESPONSE_LENGTH,
                              M.TRAIN_RESPONSE_DIVERSITY], rows=2)
