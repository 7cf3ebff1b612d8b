"""The panels of each study figure as data: which metric against which x-axis, smoothed or not, row by row.

What: a figure's `Layout` is a tuple of `Row`s, each a title and its panels:
    LinePanel(metric, x="step"|"relative_data", smooth=True)
        one metric's history, one line per arm: a training metric (faint raw + bold EMA at the figure's
        `DrawOptions.smoothing`) or, with smooth=False, a metric drawn as logged (test accuracy at its test steps)
    LinePanel((m1, m2, ...), title=...)         several metrics in one plot (dashboards only)
    LinePanel(pattern=r"^test/accuracy@.+$")    every logged metric whose name matches (one figure panel each)
    SpecialPanel(kind, title, source, stand_in=(LinePanel, ...))
        a panel drawn from other data than one metric's history (the temperature probe, the phase timeline, the
        length density), with the line plots a dashboard shows in its place
A `Row(..., figure=False)` is drawn by no figure: it is what someone watching the sweep needs beside the study's
panels (e.g. the masked and truncated fractions beside 12_2). Each figure module declares its `LAYOUT` and
registers it with the figure (`FigureSpec.layout`); the figure draws its axes from it (a figure may draw one row
several times, once per group of arms), and `sweeps/dashboard.py` builds the W&B sections from the same object.

Why: a sweep's W&B dashboard must show the same metric names, x-axes and smoothing as its analysis figure; one
definition read by both cannot drift.

How: `FIGURES.get("truncation_mask").layout.rows[0].panels[0]` is `LinePanel(y=('test/accuracy',),
x='relative_data', smooth=False)`; `.x_metric` is the logged key of its x-axis (`step` or `data/prompts_seen`).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Union

from microcoder import metrics as M

__all__ = ["ACCURACY_BY_DATA_PANEL", "ACCURACY_PANEL", "DIVERSITY_PANEL", "LENGTH_PANEL", "Layout", "LinePanel",
           "REWARD_PANEL", "Row", "SpecialPanel", "X_AXES", "YLABELS"]

X_AXES: dict[str, tuple[str, str]] = {"step": (M.STEP, "Training Steps"),
                                      "relative_data": (M.PROMPTS_SEEN, "Relative Data")}
"""x name → (the logged metric it is read from, the study's axis label). Figures divide prompts seen by the sweep's
smallest train batch ("Relative Data"); a dashboard plots the logged `data/prompts_seen` itself."""

YLABELS = {M.TEST_ACCURACY: "Accuracy", M.TRAIN_CRITIC_REWARD: "Critic Reward",
           M.TRAIN_RESPONSE_LENGTH: "Response Length", M.TRAIN_RESPONSE_DIVERSITY: "Response Diversity",
           M.TRAIN_ACCURACY: "Train Accuracy"}


@dataclasses.dataclass(frozen=True)
class LinePanel:
    """A line-plot panel: one line per arm of each metric in `y` (or of each metric matching `pattern`) against
    `x`; `smooth`: a training metric drawn raw + EMA (W&B: exponential smoothing at the same weight), else as
    logged; `title`: the y label when not the study's name for the metric."""

    y: Union[str, tuple[str, ...]] = ()
    x: str = "step"
    smooth: bool = True
    title: str = ""
    pattern: str = ""

    def __post_init__(self):
        y = (self.y,) if isinstance(self.y, str) else tuple(self.y)
        object.__setattr__(self, "y", y)
        if self.x not in X_AXES:
            raise ValueError(f"x must be one of {', '.join(X_AXES)}, got {self.x!r}")
        if bool(y) == bool(self.pattern):
            raise ValueError("a LinePanel names its metrics (y) or a pattern, not both or neither")
        if self.pattern:
            re.compile(self.pattern)

    @property
    def metric(self) -> str:
        """The one metric a figure draws in this panel."""
        if len(self.y) != 1:
            raise ValueError(f"a figure panel draws one metric; this one has {self.y or self.pattern!r}")
        return self.y[0]

    @property
    def x_metric(self) -> str:
        return X_AXES[self.x][0]

    @property
    def xlabel(self) -> str:
        return X_AXES[self.x][1]

    @property
    def ylabel(self) -> str:
        if self.title:
            return self.title
        return YLABELS.get(self.y[0], self.y[0]) if self.y else self.pattern

    def matches(self, name: str) -> bool:
        return name in self.y if self.y else re.match(self.pattern, name) is not None


@dataclasses.dataclass(frozen=True)
class SpecialPanel:
    """A panel drawn from other data than one metric's history; `stand_in`: what a dashboard shows instead."""

    kind: str
    title: str
    source: str
    stand_in: tuple[LinePanel, ...] = ()


Panel = Union[LinePanel, SpecialPanel]


@dataclasses.dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]
    figure: bool = True
    """False: a dashboard-only row (what a watcher of the sweep needs that the study's figure leaves out)."""


@dataclasses.dataclass(frozen=True)
class Layout:
    rows: tuple[Row, ...]

    def __init__(self, *rows: Row):
        object.__setattr__(self, "rows", tuple(rows))

    @property
    def figure_rows(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.figure)

    def curves(self, figure_only: bool = False) -> list[LinePanel]:
        """Every curve of the layout (stand-ins of special panels included), in order."""
        out: list[LinePanel] = []
        for r in self.rows:
            if figure_only and not r.figure:
                continue
            for p in r.panels:
                out += list(p.stand_in) if isinstance(p, SpecialPanel) else [p]
        return out


# the curves most figures share (design.md §4 names)
ACCURACY_PANEL = LinePanel(M.TEST_ACCURACY, smooth=False)
ACCURACY_BY_DATA_PANEL = LinePanel(M.TEST_ACCURACY, x="relative_data", smooth=False)
REWARD_PANEL = LinePanel(M.TRAIN_CRITIC_REWARD)
LENGTH_PANEL = LinePanel(M.TRAIN_RESPONSE_LENGTH)
DIVERSITY_PANEL = LinePanel(M.TRAIN_RESPONSE_DIVERSITY)
