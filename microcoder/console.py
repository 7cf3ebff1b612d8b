"""Terminal output through rich: a console that is plain off a terminal, text renders, and progress bars.

    with progress_bar(len(pairs), "judging") as update:   # on stderr
        for ...: update(done)
    print(render(table, console()))                        # colours on a terminal, plain lines otherwise

What: `console(stream)` is a rich Console that detects a terminal the rich way (`isatty`, and the FORCE_COLOR,
NO_COLOR and TERM=dumb variables). On a terminal it has colours, redraws progress bars in place and wraps at the
terminal's width; anywhere else (a pipe, a log file, CI logs) it writes plain lines: no ANSI codes and no
wrapping. `render(renderable, console)` is a rich table (or any renderable) as text for that console, plain
without one. `progress_bar(total, label)` shows label, bar, done/total, items per second and time left; off a
terminal it prints one plain line when its block ends.

Why: the sweep's live table, `sweep status` and the long data and judging jobs share one look, and their logs
stay readable in CI.
"""

from __future__ import annotations

import io
import sys
from contextlib import contextmanager
from typing import Callable, Iterator, Optional, TextIO

from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn,
                           TimeRemainingColumn)
from rich.text import Text

__all__ = ["PLAIN_WIDTH", "console", "progress_bar", "render"]

PLAIN_WIDTH = 1000
"""Width of a console that is not a terminal: wide enough that no table line wraps in a log."""


def console(stream: Optional[TextIO] = None) -> Console:
    """A rich Console on `stream` (default: sys.stdout at the time of writing); plain when not a terminal.
    Strings print as they are (no markup, no highlighting, no emoji codes)."""
    out = Console(file=stream, highlight=False, markup=False, emoji=False)
    if not out.is_terminal:
        out.width = PLAIN_WIDTH
    return out


def render(renderable: RenderableType, out: Optional[Console] = None) -> str:
    """`renderable` as text, without a final newline: for the terminal of `out` (its colours, its width unless
    the renderable needs more: rich would cut cells short), or plain lines without trailing spaces when `out` is
    None or not a terminal."""
    plain = out is None or not out.is_terminal
    width = PLAIN_WIDTH
    if not plain:
        needed = Measurement.get(out, out.options.update_width(PLAIN_WIDTH), renderable).minimum
        width = max(out.width, needed)
    target = Console(file=io.StringIO(), width=width, force_terminal=not plain,
                     color_system=None if plain else out.color_system, no_color=not plain and out.no_color,
                     highlight=False, markup=False, emoji=False)
    with target.capture() as captured:
        target.print(renderable)
    text = captured.get().rstrip("\n")
    return "\n".join(line.rstrip() for line in text.split("\n")) if plain else text


class _RateColumn(ProgressColumn):
    """Items per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f}/s" if speed else "?/s")


@contextmanager
def progress_bar(total: Optional[int], label: str, stream: Optional[TextIO] = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on `stream` (default: stderr) while the block runs; yields `update(done)`. A `total` of 0 or
    None is unknown (a streamed dataset): the bar pulses and counts."""
    bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), _RateColumn(),
                   TextColumn("eta"), TimeRemainingColumn(), console=console(stream or sys.stderr))
    task = bar.add_task(label, total=total or None)
    with bar:
        yield lambda done: bar.update(task, completed=done)
