"""The FIGURES registry: one entry per study figure, and which figures a sweep draws.

What: `FIGURES` (a `microcoder.registry.Registry`) maps a figure name to a `FigureSpec`: the study figure it redraws
(`6_4`, ...), its title, `draw(sweep, options) -> Figure`, `needs(sweep)` (None when the sweep has what the figure
draws, else the reason it cannot) and `layout`: its panels as data (`layout.py`), which the figure draws and the
sweep's W&B dashboard (`sweeps/dashboard.py`) shows. `FIGURE_TABLE` below declares every figure (name, study
number, title, the module that draws it) as a lazy entry, so names, study numbers and titles are known without
importing matplotlib; the module's `@register(name, needs, layout)` completes the entry when `FIGURES.get(name)`
first imports it. `figure_name(text)` accepts a name or a study number.
`figures_for(sweep)` decides what to draw for a sweep:
  1. sweep.json's `figure` (a name, or the study's number like `7_2`): that figure;
  2. else the sweep folder's name, exactly a figure name or one followed by `-`/`_` and a suffix
     (`temperature-micro` → temperature);
  3. else (e.g. the `demo` sweep): `overview`, plus every figure marked `auto` whose `needs` holds (the phase
     timeline when timings were logged, the temperature probe, the length density).

Why: one registry per ablation axis (design.md §7): a typo in a sweep spec's `figure` fails with the valid names,
and checking a spec's `figure` imports no plotting library.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable, Optional

from microcoder.registry import Registry

if TYPE_CHECKING:  # annotations only: this module stays light (no matplotlib, no numpy)
    from matplotlib.figure import Figure

    from analysis.figures.layout import Layout
    from analysis.runs import Sweep

__all__ = ["DrawOptions", "FIGURES", "FIGURE_TABLE", "FigureSpec", "STUDY_IDS", "figure_name", "figures_for",
           "register"]


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


FIGURE_TABLE: tuple[tuple[str, str, str, str], ...] = (  # name, study figure, module (analysis.figures.*), title
    ("generations", "1_0", "generations",
     "Model generations: accuracy, critic reward, response length and its density"),
    ("evaluator", "6_4", "evaluator",
     "Code evaluator robustness: accuracy, critic reward, step phase timeline"),
    ("temperature", "7_2", "temperature",
     "Temperature dynamics: probe by evaluation temperature; constant vs staged runs"),
    ("data", "8_2", "curve_rows",
     "Data quality: DeepCoder vs MicroCoder dataset"),
    ("kl_clip", "9_2", "curve_rows",
     "KL loss and clip ratio"),
    ("context_length", "10_2", "context_length",
     "Context length and extension: constant lengths, then extended branches"),
    ("batch_size", "11_2", "curve_rows",
     "Batch size and on-policy training (x: prompts seen / smallest batch)"),
    ("truncation_mask", "12_2", "truncation_mask",
     "Truncation mask: none vs conditional vs complete; conditional ratios"),
    ("algorithms", "13", "algorithms",
     "Algorithms: GRPO vs DAPO vs MicroCoder-GRPO, train/test length grid"),
    ("overview", "", "curve_rows",
     "Overview: accuracy, reward, length and diversity per arm"),
    ("temperature_probe", "", "temperature",
     "Temperature probe: accuracy and diversity by evaluation temperature"),
    ("length_density", "", "generations",
     "Response-length density per arm"),
)
"""Every figure: (name, the study figure it redraws or "", the module that draws it, title)."""

FIGURES: Registry[FigureSpec] = Registry("figure")
STUDY_IDS: dict[str, str] = {}
"""Study figure number → figure name."""
_DECLARED: dict[str, tuple[str, str]] = {}  # name → (study, title)

for _name, _study, _module, _title in FIGURE_TABLE:
    FIGURES.add_lazy(_name, f"analysis.figures.{_module}", _title + (f" (study figure {_study})" if _study else ""))
    _DECLARED[_name] = (_study, _title)
    if _study:
        STUDY_IDS[_study] = _name


def register(name: str, needs: Callable[[Sweep], Optional[str]], layout: Layout, auto: bool = False,
             table: bool = False):
    """Decorator for the draw function of a figure declared in FIGURE_TABLE; `layout`: the panels it draws (see
    layout.py); `auto`: drawn for sweeps that map to no study figure when `needs` holds."""
    if name not in _DECLARED:
        raise KeyError(f"figure {name!r} is not declared in FIGURE_TABLE (analysis/figures/registry.py)")

    def deco(draw):
        study, title = _DECLARED[name]
        FIGURES.add(name, FigureSpec(name, study, title, draw, needs, layout, auto, table))
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
