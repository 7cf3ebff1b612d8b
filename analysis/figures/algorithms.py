"""Figure 13, algorithms (GRPO, DAPO, MicroCoder-GRPO): a grid of training/test panels, one row per group.

    one row per group of runs (e.g. per model: "1.7B", "4B"):
      test accuracy "Train on <L>, Test on <L>" | any other test-accuracy variant logged (`test/accuracy@<tag>`,
      e.g. "Test on 8K") | response length "Train on <L>" | response diversity "Train on <L>"

A group is a setting the sweep varies besides the arm: the first config value that differs between runs of one
arm (not the seed), e.g. `model.preset`, in natural order of its values (1.7b before 4b); a sweep without one is
a single row. <L> is the group's
`data.max_response_length`. The results table (`analysis.table`) goes with this figure. Its layout's first row is
one row of the grid (drawn once per group; the variants panel once per variant logged); a dashboard-only row adds
the masked and truncated fractions (MicroCoder-GRPO's conditional mask against DAPO's overlong handling).
"""

from __future__ import annotations

import re
from typing import Optional

from analysis.figures.layout import ACCURACY_PANEL, DIVERSITY_PANEL, LENGTH_PANEL, LinePanel, Layout, Row
from analysis.figures.panels import curve_panel, needs_metrics
from analysis.figures.registry import DrawOptions, register
from analysis.runs import Sweep, natural_key
from analysis.style import arm_colors, new_figure
from microcoder import metrics as M

VARIANTS = LinePanel(pattern=r"^test/accuracy@(?P<tag>[^/]+)$", smooth=False, title="Accuracy on other test settings")
LAYOUT = Layout(
    Row("Accuracy, response length and diversity", (ACCURACY_PANEL, VARIANTS, LENGTH_PANEL, DIVERSITY_PANEL)),
    Row("Masked and truncated responses", (LinePanel(M.TRAIN_MASKED_FRACTION), LinePanel(M.TRAIN_TRUNCATED_FRACTION)),
        figure=False))
_VARIANT_RE = re.compile(VARIANTS.pattern)


def group_key(sweep: Sweep) -> Optional[str]:
    """The first config key whose value differs between the runs of one arm (None: no such key)."""
    for key in sweep.value_keys:
        if key.startswith("trainer.seed"):
            continue
        for arm in sweep.arms:
            if len({repr(sweep.run_value(r, key)) for r in sweep.runs_of(arm)}) > 1:
                return key
    return None


def groups(sweep: Sweep) -> list[tuple[str, Sweep]]:
    """[(group title, the group's runs as a sweep view)]; one untitled group when nothing varies."""
    key = group_key(sweep)
    if key is None:
        return [("", sweep)]
    values: dict[str, list[str]] = {}
    for run in sweep.table["run"]:
        values.setdefault(str(sweep.run_value(run, key)), []).append(run)
    return [(v, sweep.subset(values[v], f"{sweep.name}[{v}]")) for v in sorted(values, key=natural_key)]


def _length(sweep: Sweep) -> str:
    v = sweep.run_value(next(iter(sweep.table["run"])), "data.max_response_length") if len(sweep.table) else None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{v / 1024:g}K" if v >= 1024 and v % 1024 == 0 else f"{v:g}"
    return "?"


def test_variants(sweep: Sweep) -> list[tuple[str, str]]:
    """[(metric, tag)] of the test-accuracy variants beside test/accuracy (`test/accuracy@8k` → "8k")."""
    return [(m, mt.group("tag")) for m in sweep.metrics if (mt := _VARIANT_RE.match(m))]


@register("algorithms",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY, any_of=True),
          LAYOUT, table=True)
def draw_algorithms(sweep: Sweep, opts: DrawOptions):
    colors = arm_colors(sweep.arms)
    grid = groups(sweep)
    variants = test_variants(sweep)
    cols = 3 + len(variants)
    fig = new_figure(len(grid), cols, panel=(4.6, 3.6))
    axes = fig.subplots(len(grid), cols, squeeze=False)
    for i, (title, view) in enumerate(grid):
        head = f"{title}, " if title else ""
        length = _length(view)
        accuracy, variant, length_curve, diversity = LAYOUT.figure_rows[0].panels
        curve_panel(axes[i, 0], view, accuracy, view.arms, colors, opts,
                    title=f"{head}Train on {length}, Test on {length}")
        for j, (metric, tag) in enumerate(variants, start=1):
            curve_panel(axes[i, j], view, variant, view.arms, colors, opts, metric=metric,
                        title=f"{head}Train on {length}, Test on {tag}")
            axes[i, j].set_ylabel("Accuracy")
        curve_panel(axes[i, cols - 2], view, length_curve, view.arms, colors, opts, title=f"{head}Train on {length}")
        curve_panel(axes[i, cols - 1], view, diversity, view.arms, colors, opts, title=f"{head}Train on {length}")
    return fig
