"""`sweep status --watch`: the live view of a sweep that another thread writes step by step through the real
RunStore, refreshed until the runs end; its trends (sparklines); plain tables (no ANSI codes) when not on a
terminal."""

import io
import math
import os
import re
import socket
import threading
from pathlib import Path

import pytest

from microcoder import metrics as M
from microcoder.cli import main
from microcoder.run_store import RunStore
from sweeps.plan import make_plan, save_plan
from sweeps.watch import ASCII_BARS, BARS, CLEAR, sparkline, watch

DEMO = Path(__file__).resolve().parents[2] / "sweeps" / "specs" / "demo.yaml"
WAIT_S = 60  # bounds every wait; no assertion depends on timing


def test_sparkline_scales_a_series_from_its_min_to_its_max():
    assert sparkline([0, 1, 2, 3]) == "▁▃▆█"
    assert sparkline([3, 2, 1, 0]) == "█▆▃▁"
    assert sparkline([0.5, 0.5, 0.5]) == BARS[3] * 3  # flat: middle marks
    assert sparkline([0, math.nan, 1]) == "▁ █"
    assert sparkline([]) == ""
    assert sparkline([0, 1], bars=ASCII_BARS) == ASCII_BARS[0] + ASCII_BARS[-1]


def test_a_long_series_is_squeezed_to_the_width_by_averaging_stretches():
    line = sparkline(list(range(100)), width=10)
    assert len(line) == 10 and line[0] == BARS[0] and line[-1] == BARS[-1]
    assert list(line) == sorted(line, key=BARS.index)  # still rising
    assert sparkline([0] * 50 + [1] * 50, width=2) == BARS[0] + BARS[-1]


class Screen(io.StringIO):
    """A watch output that counts the tables shown, for the writer thread to wait on."""

    def __init__(self, tty=False):
        super().__init__()
        self.tty = tty
        self.shown = 0
        self.changed = threading.Condition()

    def isatty(self):
        return self.tty

    def flush(self):
        super().flush()
        with self.changed:
            self.shown += 1
            self.changed.notify_all()

    def wait_for(self, count):
        with self.changed:
            return self.changed.wait_for(lambda: self.shown >= count, WAIT_S)


def write_sweep(plan, out, screen, halfway_seen):
    """Every run of the plan, step by step through RunStore: the first half, then (once the watch has shown a
    table read after that half) the rest, then finished."""
    stores = {r.name: RunStore(out, plan.name, r.name) for r in plan.runs}
    for half in (0, 1):
        for r in plan.runs:
            store = stores[r.name]
            store.set_status("running", pid=os.getpid(), host=socket.gethostname())
            steps = list(range(r.first_step, r.total_steps + 1))
            mid = len(steps) // 2
            for step in steps[:mid] if half == 0 else steps[mid:]:
                row = {M.TRAIN_ACCURACY: 0.1 + step / 100, M.TRAIN_RESPONSE_DIVERSITY: 0.8 - step / 50,
                       M.TRAIN_RESPONSE_LENGTH: 20.0 + step, M.TIME_STEP_S: 1.5}
                if step % 3 == 0:
                    row[M.TEST_ACCURACY] = 0.2 + step / 60
                store.log(step, row)
        if half == 0 and screen.wait_for(screen.shown + 2):  # the second table shown from now was read after
            halfway_seen.set()
    for store in stores.values():
        store.set_status("finished")


def rows(frame):
    """run → (state, step) of the table rows of one shown frame."""
    return {line.split()[0]: tuple(line.split()[1:3]) for line in frame.splitlines() if line.startswith("t")}


@pytest.mark.parametrize("tty", [False, True], ids=["pipe", "terminal"])
def test_watch_follows_a_sweep_being_written_and_ends_when_its_runs_finish(tmp_path, tty):
    plan = make_plan(DEMO)
    save_plan(plan, tmp_path / plan.name)
    screen, halfway_seen, result = Screen(tty), threading.Event(), {}
    writer = threading.Thread(target=write_sweep, args=(plan, tmp_path, screen, halfway_seen), daemon=True)
    watcher = threading.Thread(target=lambda: result.setdefault("rc", watch(plan, tmp_path, 0.02, screen)),
                               daemon=True)
    watcher.start()
    writer.start()
    writer.join(WAIT_S)
    watcher.join(WAIT_S)
    assert not writer.is_alive() and not watcher.is_alive() and halfway_seen.is_set()
    assert result["rc"] == 0  # every run finished
    coloured = screen.getvalue()
    text = re.sub(r"\x1b\[[0-9;]*m", "", coloured)  # rich's colours (a terminal only); the content is the same
    assert (text != coloured) == tty
    frames = text.split(CLEAR)[1:] if tty else text.split("\n\n[")
    assert len(frames) >= 2
    halfway = [rows(f) for f in frames[:-1]]
    assert any(state == "running" and step != "-" for r in halfway for state, step in r.values())  # shown halfway
    last = frames[-1]
    assert "4 finished, 0 running, 0 pending" in last
    assert rows(last) == {r.name: ("finished", "12/12") for r in plan.runs}
    header = next(line for line in last.splitlines() if line.startswith("run "))
    assert "test trend" in header and "div trend" in header
    row = next(line for line in last.splitlines() if line.startswith("t0.6-s0 "))
    assert "12/12" in row and "▁" in row and "█" in row  # test accuracy rises and diversity falls: full range
    assert (CLEAR in text) == tty


def test_watch_of_a_finished_sweep_prints_once_and_exits_with_the_sweep_status(tmp_path, capsys):
    plan = make_plan(DEMO)
    save_plan(plan, tmp_path / plan.name)
    for r in plan.runs:
        store = RunStore(tmp_path, plan.name, r.name)
        store.log(r.first_step, {M.TEST_ACCURACY: 0.3})
        store.set_status("failed" if r.name == "t1.8-s0" else "finished", error="boom")
    assert main(["sweep", "status", str(tmp_path / plan.name), "--watch", "--interval", "0.01"]) == 1
    out = capsys.readouterr().out
    assert out.count("sweep demo: 4 runs") == 1 and "1 failed" in out


def test_ctrl_c_stops_watching_not_the_sweep(tmp_path):
    plan = make_plan(DEMO)
    save_plan(plan, tmp_path / plan.name)
    screen = Screen()

    def interrupt(_seconds):
        raise KeyboardInterrupt

    assert watch(plan, tmp_path, 5.0, screen, sleep=interrupt) == 0
    assert screen.getvalue().count("sweep demo: 4 runs — 0 finished, 0 running, 4 pending") == 1
