"""Terminal output through rich (microcoder.console): plain lines off a terminal, colours and whole cells on one."""

import io
import re

from rich.table import Table
from rich.text import Text

from microcoder.console import console, progress_bar, render

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_progress_bar_off_a_terminal_prints_one_plain_line_with_label_and_count():
    log = io.StringIO()
    with progress_bar(200, "judging", stream=log) as update:
        for done in range(0, 201, 10):
            update(done)
    lines = log.getvalue().splitlines()
    assert len(lines) == 1 and not ANSI.search(log.getvalue())
    assert lines[0].startswith("judging ") and "200/200" in lines[0] and "/s" in lines[0] and "eta" in lines[0]


def test_a_progress_bar_on_a_terminal_redraws_in_place_and_ends_complete():
    screen = Terminal()
    with progress_bar(3, "prepare lcb test", stream=screen) as update:
        for done in range(4):
            update(done)
    plain = ANSI.sub("", screen.getvalue())
    assert "prepare lcb test" in plain and "3/3" in plain.splitlines()[-1]


def test_render_is_plain_off_a_terminal_and_coloured_on_one_without_cutting_cells():
    table = Table(box=None, pad_edge=False)
    name = "[t0.6]-a-long-run-name-wider-than-the-terminal"
    table.add_column("run", no_wrap=True, min_width=len(name))
    table.add_column("state", no_wrap=True, min_width=len("finished"))
    table.add_row(name, Text("finished", style="green"))
    plain = render(table)
    assert plain.splitlines()[1].split() == [name, "finished"]  # no markup, no ANSI
    assert render(table, console(io.StringIO())) == plain
    narrow = console(Terminal())
    narrow.width = 30
    shown = render(table, narrow)
    assert "\x1b[32m" in shown and ANSI.sub("", shown).splitlines()[1].split() == plain.splitlines()[1].split()
