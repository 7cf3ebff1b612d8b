"""Figure 10_2, context length and extension (3 rows × 1 + one column per extended arm).

    rows: test accuracy | response length | response diversity
    column 1: the constant-length arms (4k, 6k, 8k)
    then one column per parent arm that has branch runs: the parent and each of its branches (6k → 8k at step
    260, again at step 520), every branch drawn from its branch step, with a dashed "<target> Max" line: the
    best test accuracy of the constant arm the branch extends to (the arm whose settings equal the branch's
    overrides; else the best constant arm other than the parent).

Its layout's rows are the figure's rows; a dashboard-only row adds the truncated fraction and the length limit in
force (an extended branch's limit steps up at its branch step).

Colours follow the study: each constant arm keeps its colour; a parent's first branch takes its target's colour,
later ones dark red.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from analysis.figures.layout import ACCURACY_PANEL, DIVERSITY_PANEL, LENGTH_PANEL, LinePanel, Layout, Row
from analysis.figures.panels import curve_panel, max_of, needs_metrics
from analysis.figures.registry import DrawOptions, register
from analysis.runs import Sweep
from analysis.style import PALETTE, arm_colors, new_figure
from microcoder import metrics as M

BRANCH_COLORS = ["#8b0000", "#e69f00", "#6a3d9a", "#1b9e77"]
LAYOUT = Layout(
    Row("Test accuracy", (ACCURACY_PANEL,)),
    Row("Response length", (LENGTH_PANEL,)),
    Row("Response diversity", (DIVERSITY_PANEL,)),
    Row("Truncation and the length limit",
        (LinePanel(M.TRAIN_TRUNCATED_FRACTION), LinePanel(M.TRAIN_MAX_RESPONSE_LENGTH)), figure=False))


def families(sweep: Sweep) -> list[tuple[str, list[str]]]:
    """[(parent arm, [its branch arms by branch step])] in spec order of the parents."""
    out: dict[str, list[str]] = {}
    for arm in sweep.arms:
        parent = sweep.parent_arm(arm)
        if parent is not None:
            out.setdefault(parent, []).append(arm)
    order = [a for a in sweep.arms if a in out]
    return [(p, sorted(out[p], key=lambda a: (sweep.branch_step(a) or 0, sweep.arms.index(a)))) for p in order]


def target_arm(sweep: Sweep, branch: str, parent: str, constant: list[str]) -> Optional[str]:
    """The constant arm whose settings equal the branch's overrides (what the branch extends to)."""
    changed = [k for k in sweep.value_keys if repr(sweep.value(branch, k)) != repr(sweep.value(parent, k))
               and not k.startswith("trainer.")]
    if changed:
        for arm in constant:
            if arm != parent and all(repr(sweep.value(arm, k)) == repr(sweep.value(branch, k)) for k in changed):
                return arm
    others = [a for a in constant if a != parent]
    if not others:
        return None
    peaks = [max_of(sweep, a) for a in others]
    if all(np.isnan(p) for p in peaks):
        return None
    return others[int(np.nanargmax(peaks))]


@register("context_length",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY, any_of=True), LAYOUT)
def draw_context_length(sweep: Sweep, opts: DrawOptions):
    fams = families(sweep)
    branched = {b for _, bs in fams for b in bs}
    constant = [a for a in sweep.arms if a not in branched]
    colors = arm_colors(constant)
    for parent, branches in fams:
        target = target_arm(sweep, branches[0], parent, constant)
        for i, b in enumerate(branches):
            if i == 0 and target is not None and target in colors:
                colors[b] = colors[target]
            else:
                colors[b] = BRANCH_COLORS[(i - 1) % len(BRANCH_COLORS)] if i else PALETTE[2]
    cols = 1 + len(fams)
    rows = LAYOUT.figure_rows
    fig = new_figure(len(rows), cols)
    axes = fig.subplots(len(rows), cols, squeeze=False, sharey="row")
    columns = [(constant, [])] + [
        ([p, *bs], [(t, f"{sweep.label(t)} Max", colors.get(t, "#999999"))]
         if (t := target_arm(sweep, bs[0], p, constant)) is not None else [])
        for p, bs in fams]
    for j, (arms, maxes) in enumerate(columns):
        for i, row in enumerate(rows):
            curve_panel(axes[i, j], sweep, row.panels[0], arms, colors, opts, maxes=maxes)
    return fig
