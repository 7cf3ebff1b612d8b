"""`microcoder sweep status DIR --watch`: a live view of a running sweep from another terminal, from the run store.

What: `watch(plan, out, interval_s)` shows, every `interval_s` seconds, the sweep's status table (sweeps/status.py:
state, step, train accuracy, test accuracy, diversity, response length, seconds a step, note) with a short trend
of each run's test accuracy and response diversity:

    sweep demo: 4 runs — 2 finished, 2 running, 0 pending, 0 failed
    run      state     step   acc    test   div    len   s/step  test trend  div trend        note
    t0.6-s0  finished  12/12  0.312  0.290  0.655  24.1  1.3     ▁▃▅█▇       █▇▇▆▅▅▄▄▃▃▃▂▂▁
    ...

A trend is a sparkline (`sparkline`) of the run's whole logged series, squeezed to at most `TREND_WIDTH` marks
(the mean of each stretch) and scaled to the run's own range; ASCII marks where the output cannot encode the bars.
On a terminal (rich's detection, microcoder.console) the screen is redrawn in place with coloured states;
otherwise (a pipe, a log file) each refresh prints a new plain table after a time stamp. It ends when no run is
pending or running any more (exit 0 when every run finished or was stopped by a rule, else 1), or on Ctrl-C
(exit 0: watching never stops the sweep).

Why: a sweep that stays offline (the default) has no W&B page to look at; the run store is what every run writes
first (design.md §1), so this view needs neither W&B nor the sweep driver.

How: `microcoder sweep status runs/demo --watch --interval 5` beside `microcoder sweep run sweeps/specs/demo.yaml`.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Callable, Optional, Sequence, TextIO

from rich.console import Console

from microcoder import metrics as M
from microcoder.console import console

from .status import RunView, format_status, run_views

__all__ = ["TRENDS", "TREND_WIDTH", "ended", "format_watch", "sparkline", "watch"]

TRENDS = ((M.TEST_ACCURACY, "test trend"), (M.TRAIN_RESPONSE_DIVERSITY, "div trend"))
"""The metrics drawn as trends, with their column headers."""
TREND_WIDTH = 16
BARS = "▁▂▃▄▅▆▇█"
ASCII_BARS = "_.-:=+*#"
CLEAR = "\x1b[H\x1b[2J"  # cursor home, clear the screen
ACTIVE = ("pending", "running")


def sparkline(values: Sequence[float], width: int = TREND_WIDTH, bars: str = BARS) -> str:
    """The series as at most `width` marks: equal stretches averaged, scaled from its min (first mark) to its
    max (last mark); a flat series is all middle marks, a NaN stretch a space; '' for no values."""
    vals = [float(v) for v in values]
    if len(vals) > width:
        edges = [round(i * len(vals) / width) for i in range(width + 1)]
        chunks = [[v for v in vals[a:b] if not math.isnan(v)] for a, b in zip(edges, edges[1:])]
        vals = [sum(c) / len(c) if c else math.nan for c in chunks]
    finite = [v for v in vals if math.isfinite(v)]
    if not finite:
        return " " * len(vals)
    low, high = min(finite), max(finite)
    top = len(bars) - 1
    out = []
    for v in vals:
        if not math.isfinite(v):
            out.append(" ")
        elif high == low:
            out.append(bars[top // 2])
        else:
            out.append(bars[round((v - low) / (high - low) * top)])
    return "".join(out)


def bars_for(stream: TextIO) -> str:
    """Unicode bars when the stream's encoding has them, else ASCII marks."""
    try:
        BARS.encode(getattr(stream, "encoding", None) or "utf-8")
        return BARS
    except (UnicodeEncodeError, LookupError):
        return ASCII_BARS


def format_watch(plan, views: list[RunView], bars: str = BARS, out: Optional[Console] = None) -> str:
    """The status table with one trend column per metric of TRENDS (for the terminal of `out`, else plain)."""
    extra = tuple((header, (lambda v, m=metric: sparkline(v.trends.get(m, []), bars=bars)))
                  for metric, header in TRENDS)
    return format_status(plan, views, extra=extra, console=out)


def ended(views: list[RunView]) -> bool:
    """No run is pending or running any more."""
    return not any(v.state in ACTIVE for v in views)


def watch(plan, out: str | Path, interval_s: float = 5.0, stream: Optional[TextIO] = None,
          sleep: Callable[[float], None] = time.sleep) -> int:
    """Refresh the view every `interval_s` seconds until the sweep ends or Ctrl-C; see the module docstring."""
    stream = stream or sys.stdout
    screen = console(stream)
    tty = screen.is_terminal
    bars = bars_for(stream)
    metrics = tuple(m for m, _ in TRENDS)
    try:
        while True:
            views = run_views(plan, out, trends=metrics)
            table = format_watch(plan, views, bars, screen)
            stamp = time.strftime("%H:%M:%S")
            if tty:
                stream.write(f"{CLEAR}{table}\n\n[{stamp}] every {interval_s:g} s; Ctrl-C stops watching "
                             f"(not the sweep)\n")
            else:
                stream.write(f"[{stamp}]\n{table}\n\n")
            stream.flush()
            if ended(views):
                return 0 if all(v.state in ("finished", "stopped") for v in views) else 1
            sleep(interval_s)
    except KeyboardInterrupt:
        stream.write("\n")
        stream.flush()
        return 0
