"""The study's figures, one function per figure, in the `FIGURES` registry (see `registry.py`: `FIGURE_TABLE`
declares every figure with its study number and the module that draws it; `figures_for` maps a sweep to its figures;
each module's docstring describes the panels it draws).

    evaluator (6_4)        evaluator.py         temperature (7_2)     temperature.py
    data (8_2)             curve_rows.py        kl_clip (9_2)         curve_rows.py
    context_length (10_2)  context_length.py    batch_size (11_2)     curve_rows.py
    truncation_mask (12_2) truncation_mask.py   generations (1_0)     generations.py
    algorithms (13)        algorithms.py        overview (any sweep)  curve_rows.py
    temperature_probe, length_density: the probe panels alone, drawn for sweeps that map to no study figure

Importing this package imports no plotting library: `FIGURES.get(name)` imports the figure's module on first use.
Each figure's panels are data (`FIGURES.get(name).layout`, see layout.py): the figure draws them, and the sweep's
W&B dashboard (sweeps/dashboard.py) is built from the same definitions.

How: `fig = FIGURES.get("kl_clip").draw(runs.sweep("kl_clip"), DrawOptions(smoothing=0.9))`.
"""

from analysis.figures.registry import FIGURES, STUDY_IDS, DrawOptions, FigureSpec, figure_name, figures_for

__all__ = ["DrawOptions", "FIGURES", "FigureSpec", "STUDY_IDS", "figure_name", "figures_for"]
