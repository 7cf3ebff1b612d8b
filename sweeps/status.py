"""The state of a sweep's runs, read from the run store alone: `sweep status DIR` and the live progress display.

What: `run_views(plan, out)` gives one `RunView` per planned run — state, last step, key metrics, a note, and with
`trends=(metric, ...)` each named metric's logged values in step order — and `format_status(plan, views)` the table
with its counts line (`extra`: more columns, as `sweep status --watch` adds its trends, sweeps/watch.py), drawn
by rich (`status_table`): states in colour on a terminal, plain lines elsewhere (a pipe, CI logs):

    sweep temperature-micro: 5 runs — 2 finished, 1 running, 2 pending, 0 failed
    run          state     step   acc    test   div    len   s/step  note
    t0.6-s0      finished  12/12  0.312  0.290  0.655  24.1  1.3
    ...

States: pending (not started, or a branch waiting for its parent's checkpoint), running, finished, stopped (ended
by a `stop` rule: state `killed` plus `stopped.json` saying which rule), failed, killed (interrupted by a signal,
e.g. the driver's Ctrl-C; resumable), interrupted (status says running but its process is gone from this host:
the driver or the machine died; resumable).

Why from the run store: it is the source of truth (design.md §1) and survives the driver; Tune's own state does
not. `is_done(store)` is what resume uses to leave finished and stopped runs alone.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from microcoder.console import render
from microcoder.run_store import STOP_FILE, RunStore

__all__ = ["STOP_FILE", "RunView", "counts", "format_status", "is_done", "pid_alive", "read_stop", "run_views",
           "status_table"]

"""Written in a run folder when a stop rule ended the run: {"rule", "metric", "value", "step"}."""
DISPLAY = (("acc", "train/accuracy", "{:.3f}"), ("test", "test/accuracy", "{:.3f}"),
           ("div", "train/response_diversity", "{:.3f}"), ("len", "train/response_length", "{:.1f}"),
           ("s/step", "time/step_s", "{:.1f}"))
"""Columns of the table: header, metric, format (the last logged value; test/accuracy: the last evaluation)."""
STATE_STYLES = {"finished": "green", "stopped": "cyan", "running": "yellow", "failed": "bold red",
                "killed": "magenta", "interrupted": "magenta", "pending": "dim"}
"""Colour of each state on a terminal (plain text elsewhere)."""


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_stop(store: RunStore) -> Optional[dict]:
    try:
        return json.loads(store.stop_path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def is_done(store: RunStore) -> bool:
    """Finished, or ended by a stop rule: a resumed sweep does not run it again."""
    status = store.read_status() or {}
    return status.get("state") == "finished" or (status.get("state") == "killed" and read_stop(store) is not None)


@dataclass
class RunView:
    name: str
    arm: str
    state: str
    step: Optional[int]
    total: int
    first: int
    metrics: dict = field(default_factory=dict)
    note: str = ""
    trends: dict = field(default_factory=dict)
    """metric → its logged values in step order (only the metrics `run_views` was asked for)."""


def _state(store: RunStore, status: Optional[dict]) -> tuple[str, str]:
    if not status:
        return "pending", ""
    state = status.get("state", "pending")
    if state == "running":
        pid, host = status.get("pid"), status.get("host")
        if isinstance(pid, int) and host == socket.gethostname() and not pid_alive(pid):
            return "interrupted", "its process is gone; `sweep resume` continues it"
        return "running", ""
    if state == "killed":
        stop = read_stop(store)
        if stop is not None:
            return "stopped", f"stop rule at step {stop.get('step')}: {stop.get('rule')}"
        return "killed", "interrupted; `sweep resume` continues it"
    if state == "failed":
        err = (status.get("error") or "").strip().splitlines()
        return "failed", (err[-1] if err else "")[:100]
    return state, ""


def run_views(plan, out: str | Path, trends: tuple[str, ...] = ()) -> list[RunView]:
    """One view per planned run, in plan order; `trends`: metrics whose whole logged series each view keeps."""
    views = []
    for r in plan.runs:
        store = RunStore(out, plan.name, r.name)
        status = store.read_status()
        state, note = _state(store, status)
        rows = store.read_metrics()
        metrics: dict = {}
        for row in rows:
            metrics.update({k: v for k, v in row.items() if isinstance(v, (int, float))})
        if r.parent and state == "pending":
            note = f"waits for {r.parent} at step {r.at_step}"
        series = {m: [float(row[m]) for row in rows if isinstance(row.get(m), (int, float))] for m in trends}
        views.append(RunView(r.name, r.arm, state, rows[-1]["step"] if rows else None, r.total_steps, r.first_step,
                             metrics, note, series))
    return views


def counts(views: list[RunView]) -> dict[str, int]:
    out = {s: 0 for s in ("pending", "running", "finished", "stopped", "failed", "killed", "interrupted")}
    for v in views:
        out[v.state] = out.get(v.state, 0) + 1
    return out


def _counts_line(name: str, views: list[RunView]) -> str:
    c = counts(views)
    main = f"{c['finished']} finished, {c['running']} running, {c['pending']} pending, {c['failed']} failed"
    extra = ", ".join(f"{c[s]} {s}" for s in ("stopped", "killed", "interrupted") if c[s])
    return f"sweep {name}: {len(views)} runs — {main}" + (f", {extra}" if extra else "")


def status_table(plan, views: list[RunView], only_active: bool = False,
                 extra: tuple[tuple[str, Callable[[RunView], str]], ...] = ()) -> RenderableType:
    """The counts line and the run table as a rich renderable (arguments as for `format_status`)."""
    head = Text(_counts_line(plan.name, views), style="bold")
    shown = [v for v in views if v.state == "running"] if only_active else views
    if not shown:
        return head
    rows = []
    for v in shown:
        step = "-" if v.step is None else f"{v.step}/{v.total}"
        cells = [v.name, v.state, step]
        for _, key, fmt in DISPLAY:
            val = v.metrics.get(key)
            cells.append(fmt.format(val) if isinstance(val, (int, float)) else "-")
        rows.append(cells + [cell(v) for _, cell in extra])
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    headers = ["run", "state", "step"] + [h for h, _, _ in DISPLAY] + [h for h, _ in extra]
    for i, header in enumerate(headers):  # never cut short: only the note wraps
        table.add_column(header, no_wrap=True, min_width=max(cell_len(c) for c in [header] + [r[i] for r in rows]))
    table.add_column("note", overflow="fold", min_width=min(30, max(cell_len(v.note) for v in shown)))
    for v, cells in zip(shown, rows):
        table.add_row(*(Text(c, style=STATE_STYLES.get(v.state, "") if i == 1 else "") for i, c in enumerate(cells)),
                      Text(v.note))
    return Group(head, table)


def format_status(plan, views: list[RunView], only_active: bool = False,
                  extra: tuple[tuple[str, Callable[[RunView], str]], ...] = (),
                  console: Optional[Console] = None) -> str:
    """The counts line and the run table (`only_active`: rows of running runs only, for the live display;
    `extra`: (header, cell of a view) columns put before the note), rendered by rich: plain lines, or with
    colours for `console` when it is a terminal (microcoder.console.render)."""
    return render(status_table(plan, views, only_active, extra), console)
