"""The FIGURES registry: one entry per study figure, and which figures a sweep draws.

What: `FIGURES` (a `microcoder.registry.Registry`) maps a figure name (`evaluator`, `temperature`, `data`,
`context_length`, `truncation_mask`, `batch_size`, `kl_clip`, `generations`, `algorithms`, `overview`) to a
`FigureSpec`: the study figure it redraws (`6_4`, ...), its title, `draw(sweep, options) -> Figure`,
`needs(sweep)` (None when the sweep has what the figure draws, else the reason it cannot) and `layout`: its panels
as data (`layout.py`), which the figure draws and the sweep's W&B dashboard (`sweeps/dashboard.py`) shows.
`figures_for(sweep)` decides what to draw for a sweep:
  1. sweep.json's `figure` (a name, or the study's number like `7_2`): that figure;
  2. else the sweep folder's name, exactly a figure name or one followed by `-`/`_` and a suffix
     (`temperature-micro` → temperature);
  3. else (e.g. the `demo` sweep): `overview`, plus every figure marked `auto` whose `needs` holds (the phase
     timeline when timings were logged, the temperature probe, the length density).

Why: one registry per ablation axis (design.md §7): a typo in a sweep spec's `figure` fails with the valid names.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from matplotlib.figure import Figure

from analysis.figures.layout import Layout
from analysis.runs import Sweep
from microcoder.registry import Registry

__all__ = ["DrawOptions", "FIGURES", "FigureSpec", "STUDY_IDS", "figure_name", "figures_for", "register"]


@dataclasses.dataclass(frozen=True)
class DrawOptions:
    """How curves are drawn: EMA smoothing weight of training metrics, and the most points a line keeps."""

    smoothing: float = 0.9
    max_points: int = 2000


@dataclasses.dataclass(frozen=True)
class FigureSpec:
    name: str
    study: str
    title: str
    draw: Callable[[Sweep, DrawOptions], Figure]
    needs: Callable[[Sweep], Optional[str]]
    layout: Layout
    auto: bool = False
    table: bool = False  # the results table goes with this figure's sweeps


FIGURES: Registry[FigureSpec] = Registry("figure")
STUDY_IDS: dict[str, str] = {}


def register(name: str, study: str, title: str, needs: Callable[[Sweep], Optional[str]], layout: Layout,
             auto: bool = False, table: bool = False):
    """Decorator for a figure's draw function; `layout`: the panels it draws (see layout.py)."""

    def deco(draw):
        FIGURES.add(name, FigureSpec(name, study, title, draw, needs, layout, auto, table))
        if study:
            STUDY_IDS[study] = name
        return draw

    return deco


def figure_name(text: str) -> str:
    """A figure name from a name or a study number ("7_2", "7.2", "fig7_2"); raises with the valid names."""
    key = str(text).strip()
    if key in FIGURES:
        return key
    norm = key.lower().removeprefix("fig").removeprefix("figure").strip("_ -").replace(".", "_")
    if norm in STUDY_IDS:
        return STUDY_IDS[norm]
    if norm in FIGURES:
        return norm
    FIGURES.get(key)  # raises RegistryError listing the valid names
    raise AssertionError("unreachable")


def figures_for(sweep: Sweep) -> tuple[list[str], list[str]]:
    """(figure names to draw for the sweep, notes on why others are not drawn); see the module docstring."""
    notes = []
    if sweep.figure:
        try:
            return [figure_name(sweep.figure)], notes
        except KeyError as e:
            notes.append(f"sweep.json figure {sweep.figure!r}: {e}; drawing the overview instead")
    else:
        for name in FIGURES:
            if sweep.name == name or sweep.name.startswith((name + "-", name + "_")):
                return [name], notes
    chosen = ["overview"]
    for name in FIGURES:
        spec = FIGURES.get(name)
        if spec.auto and name != "overview":
            why = spec.needs(sweep)
            if why is None:
                chosen.append(name)
    return chosen, notes
