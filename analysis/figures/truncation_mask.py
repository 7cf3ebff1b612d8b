"""Figure 12_2, truncation mask (2 × 3).

    top:    test accuracy vs Relative Data | response length | response diversity
            for No Mask (light grey), the conditional mask (blue), Mask All / complete (dark grey)
    bottom: the same panels for every conditional-mask arm by ratio ρ (10 %, 20 %, 30 %), with solid grey
            horizontal lines at the best test accuracy of Mask All and of No Mask ("Mask All Max", "No Mask Max")

The dashboard-only row of its layout adds the masked and truncated fractions (what the mask does, step by step).

Arms are sorted into roles by their `mask.mode` (none / complete / conditional) and `mask.ratio`; without those
values (no config), by name (`no mask`/`none`, `all`/`complete`, the rest conditional). The top row's
conditional arm is the spec's `ours` arm when it is one, else the smallest ratio.
"""

from __future__ import annotations

from analysis.figures.layout import ACCURACY_BY_DATA_PANEL, DIVERSITY_PANEL, LENGTH_PANEL, LinePanel, Layout, Row
from analysis.figures.panels import arm_role, curve_panel, needs_metrics, numeric
from analysis.figures.registry import DrawOptions, register
from analysis.runs import Sweep
from analysis.style import GREYS, PALETTE, new_figure, no_data
from microcoder import metrics as M

LAYOUT = Layout(
    Row("Accuracy by data seen, response length and diversity",  # drawn twice: the three modes, then the ratios
        (ACCURACY_BY_DATA_PANEL, LENGTH_PANEL, DIVERSITY_PANEL)),
    Row("Masked and truncated responses", (LinePanel(M.TRAIN_MASKED_FRACTION), LinePanel(M.TRAIN_TRUNCATED_FRACTION)),
        figure=False))


def mask_roles(sweep: Sweep) -> tuple[list[str], list[str], list[str]]:
    """(no-mask arms, complete-mask arms, conditional arms by ratio)."""
    none = arm_role(sweep, "mask.mode", lambda v: v == "none", r"no.?mask|^none")
    complete = arm_role(sweep, "mask.mode", lambda v: v == "complete", r"mask.?all|complete|^all")
    if any(sweep.value(a, "mask.mode") is not None for a in sweep.arms):
        cond = arm_role(sweep, "mask.mode", lambda v: v == "conditional")
    else:
        cond = [a for a in sweep.arms if a not in none and a not in complete]
    cond.sort(key=lambda a: (numeric(sweep.value(a, "mask.ratio")) or 0.0, sweep.arms.index(a)))
    return none, complete, cond


@register("truncation_mask",
          needs_metrics(M.TEST_ACCURACY, M.TRAIN_RESPONSE_LENGTH, M.TRAIN_RESPONSE_DIVERSITY, any_of=True), LAYOUT)
def draw_truncation_mask(sweep: Sweep, opts: DrawOptions):
    none, complete, cond = mask_roles(sweep)
    main = sweep.meta.ours if sweep.meta.ours in cond else (cond[0] if cond else None)
    top = [*none[:1], *([main] if main else []), *complete[:1]]
    top += [a for a in sweep.arms if a not in none and a not in complete and a not in cond]  # unclassified
    colors = {a: PALETTE[(i + 1) % len(PALETTE)] for i, a in enumerate(sweep.arms)}
    colors.update({a: GREYS["light"] for a in none})
    colors.update({a: GREYS["dark"] for a in complete})
    if main:
        colors[main] = PALETTE[0]
    bottom_colors = dict(colors)
    bottom_colors.update({a: PALETTE[i % len(PALETTE)] for i, a in enumerate(cond)})

    fig = new_figure(2, 3)
    axes = fig.subplots(2, 3, squeeze=False)
    row = LAYOUT.figure_rows[0].panels
    for j, curve in enumerate(row):
        curve_panel(axes[0, j], sweep, curve, top, colors, opts)
    if cond:
        maxes = [(a, f"{sweep.label(a)} Max", GREYS["dark"]) for a in complete[:1]]
        maxes += [(a, f"{sweep.label(a)} Max", GREYS["light"]) for a in none[:1]]
        for j, curve in enumerate(row):
            curve_panel(axes[1, j], sweep, curve, cond, bottom_colors, opts, maxes=maxes, max_style="-")
    else:
        for ax in axes[1]:
            no_data(ax, "no conditional-mask arms")
    return fig
