"""The study's drawing style: palette, panel sizes, and the few line kinds every figure is made of.

What:
  * `new_figure(rows, cols)`: a matplotlib `Figure` on the Agg canvas (no pyplot, no global state, no display),
    panels about the study's proportions, constrained layout.
  * `plot_training(ax, curves)`: per-step training metrics — a faint raw line plus a bold smoothed line per arm,
    and a shaded 95 % band when the arm has several seeds.
  * `plot_test(ax, curves)`: test accuracy — unsmoothed, one line per arm at its test steps.
  * `max_line(ax, y, ...)`: the study's dashed horizontal "<arm> max" lines.
  * `k_axis(ax, "y")`: "4K" tick labels for token lengths; `no_data(ax, text)`: an empty panel that says why.
  * `save(fig, stem, formats)`: PNG/PDF/SVG files, returns their paths.

Lines carry their arm in `gid` ("<kind>:<arm>") and legend labels as the spec names arms; raw lines are labelled
"_raw <arm>" so they stay out of legends. Tests read these back from the matplotlib objects.

Why: the reference figures (shared/reference/figures) share one look: dark blue, teal and pink lines, a light copy
of each training curve beneath its EMA, large fonts. Thinning lines to at most `max_points` points keeps drawing
200 runs × 1000 steps fast without changing what is seen.
"""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path
from typing import Iterable, Optional, Sequence

import matplotlib

matplotlib.use("Agg", force=False)
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

import numpy as np  # noqa: E402

from analysis.curves import Curve  # noqa: E402
from analysis.smoothing import stride  # noqa: E402

__all__ = ["GREYS", "PALETTE", "PHASE_COLORS", "RC", "arm_colors", "k_axis", "labels", "max_line", "new_figure",
           "no_data", "plot_test", "plot_training", "save", "style"]

PALETTE = ["#2b4c9b", "#2fa2b4", "#d45b7a", "#8b0000", "#e69f00", "#6a3d9a", "#1b9e77", "#7f7f7f", "#a6761d"]
"""Dark blue, teal, pink (the study's three), then dark red (its second branch colour), and more for larger sweeps."""
GREYS = {"light": "#a0a0a0", "dark": "#4d4d4d"}
PHASE_COLORS = {"rollout": "#f4a6a6", "reward": "#a8d5a2", "update": "#aab4f0"}

RC = {"font.size": 13, "axes.titlesize": 14, "axes.labelsize": 15, "legend.fontsize": 11, "xtick.labelsize": 12,
      "ytick.labelsize": 12, "axes.spines.top": True, "axes.spines.right": True, "legend.framealpha": 0.8,
      "svg.fonttype": "none", "pdf.fonttype": 42}
PANEL = (5.0, 3.6)  # inches per panel
RAW_ALPHA, RAW_LW, BOLD_LW, BAND_ALPHA = 0.3, 1.0, 2.2, 0.18


@contextlib.contextmanager
def style():
    """The figures' rcParams, scoped (drawing never leaves global matplotlib state changed)."""
    with matplotlib.rc_context(RC):
        yield


def new_figure(rows: int, cols: int, panel: tuple[float, float] = PANEL) -> Figure:
    fig = Figure(figsize=(panel[0] * cols, panel[1] * rows), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def arm_colors(arms: Sequence[str], overrides: Optional[dict] = None) -> dict[str, str]:
    """A colour per arm in order (the palette cycles), with per-arm overrides."""
    colors = {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(arms)}
    colors.update(overrides or {})
    return colors


def _thin(c: Curve, max_points: int):
    s = stride(len(c.x), max_points)
    return c.x[s], c.raw[s], c.smooth[s], c.low[s], c.high[s]


def plot_training(ax, curves: Iterable[Curve], colors: dict, max_points: int = 2000, raw: bool = True,
                  label_suffix: str = "") -> None:
    """Faint raw + bold smoothed line per arm, and a band over seeds where there are several."""
    for c in curves:
        if c.empty:
            continue
        color = colors.get(c.arm, PALETTE[0])
        x, r, s, lo, hi = _thin(c, max_points)
        if raw:
            ax.plot(x, r, color=color, alpha=RAW_ALPHA, lw=RAW_LW, label=f"_raw {c.label}", gid=f"raw:{c.arm}")
        ax.plot(x, s, color=color, lw=BOLD_LW, label=c.label + label_suffix, gid=f"smooth:{c.arm}")
        if c.seeds > 1 and np.isfinite(lo).any():
            ax.fill_between(x, lo, hi, color=color, alpha=BAND_ALPHA, lw=0, gid=f"band:{c.arm}")


def plot_test(ax, curves: Iterable[Curve], colors: dict, max_points: int = 2000, label_suffix: str = "",
              linestyle: str = "-") -> None:
    """Unsmoothed lines at the test steps (mean over seeds, band when several)."""
    for c in curves:
        if c.empty:
            continue
        color = colors.get(c.arm, PALETTE[0])
        x, r, _, lo, hi = _thin(c, max_points)
        ax.plot(x, r, color=color, lw=BOLD_LW, ls=linestyle, label=c.label + label_suffix, gid=f"test:{c.arm}")
        if c.seeds > 1 and np.isfinite(lo).any():  # test curves are built unsmoothed: the band is the raw one
            ax.fill_between(x, lo, hi, color=color, alpha=BAND_ALPHA, lw=0, gid=f"band:{c.arm}")


def max_line(ax, y: float, color: str, label: str, ls: str = "--", alpha: float = 0.75) -> None:
    """A horizontal line at `y` across the panel (the study's "t=1.2 max", "8k Max")."""
    if y is None or not np.isfinite(y):
        return
    ax.axhline(y, color=color, ls=ls, lw=BOLD_LW, alpha=alpha, label=label, gid=f"max:{label}")


def _k(v, _pos=None) -> str:
    if abs(v) >= 1000:
        s = f"{v / 1000:.1f}".rstrip("0").rstrip(".")
        return f"{s}K"
    return f"{v:g}"


def k_axis(ax, which: str = "y") -> None:
    """Token lengths as 1K, 2K, ... once the axis passes 1000 (small models keep plain numbers)."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_formatter(FuncFormatter(_k))


def no_data(ax, text: str) -> None:
    """An empty panel that says why it is empty (wrapped to stay inside the panel)."""
    ax.text(0.5, 0.5, textwrap.fill(text, 34), ha="center", va="center", transform=ax.transAxes, fontsize=10,
            color="#666666", gid="no_data")
    ax.set_xticks([])
    ax.set_yticks([])


def labels(ax, xlabel: str, ylabel: str, title: Optional[str] = None, legend: bool = True,
           loc: str = "best") -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend and any(not h.get_label().startswith("_") for h in ax.get_lines()):
        ax.legend(loc=loc)


def save(fig: Figure, stem: Path, formats: Sequence[str] = ("png",), dpi: int = 110) -> list[Path]:
    """Write `stem.<fmt>` for each format; returns the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, format=fmt, dpi=dpi)
        out.append(path)
    return out
