"""The results table (the study's `algorithm_table_results.png`): test accuracy by platform × difficulty.

What: `results_table(sweep)` → `ResultsTable`: one block per group of runs (e.g. per model, as the algorithms
figure groups them), each with
    a "Not trained" row   the step-0 evaluation (before any update), when logged
    one row per arm       pass@1 (%) at each run's last test step, mean over seeds
    a Δ row               the `ours` arm (sweep.json `ours`; for the algorithms figure, else the last arm) minus
                          the best other arm
Columns: for each platform its difficulties and "All" (their unweighted mean; the study weights by problem
count, which the metrics do not carry), then "Overall" = `test/accuracy` (every test problem). The best arm of
each column is bold (ties: all of them). `to_markdown(table)` and `draw_table(table)` (a matplotlib Figure)
render it; Δ is green when positive and red when negative, as in the study.

Why: the study's headline numbers; `test/accuracy/<platform>/<difficulty>` are logged for it (design.md §4).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Optional

import numpy as np

from analysis.runs import Sweep
from microcoder import metrics as M

__all__ = ["ResultsTable", "draw_table", "results_table", "to_markdown"]

_BY_RE = re.compile(r"^test/accuracy/(?P<p>[^/]+)/(?P<d>[^/]+)$")
_PLATFORM_NAMES = {"atcoder": "AtCoder", "leetcode": "LeetCode", "codeforces": "Codeforces"}
OVERALL = ("Overall", "")


@dataclasses.dataclass
class Row:
    label: str
    values: dict[tuple[str, str], float]
    kind: str = "arm"  # base | arm | delta
    bold: set = dataclasses.field(default_factory=set)


@dataclasses.dataclass
class Block:
    title: str
    rows: list[Row]


@dataclasses.dataclass
class ResultsTable:
    columns: list[tuple[str, str]]  # (platform, difficulty | "All"), then OVERALL
    blocks: list[Block]
    step: str

    def platform_label(self, p: str) -> str:
        return _PLATFORM_NAMES.get(p, p) if p != OVERALL[0] else p


def _order(values: list[str], known: tuple[str, ...]) -> list[str]:
    return [v for v in known if v in values] + sorted(v for v in values if v not in known)


def _value_at(sweep: Sweep, run: str, metric: str, which: str) -> float:
    steps, vals = sweep.run_series(run, metric, from_branch=False)
    if not len(steps):
        return np.nan
    if which == "initial":
        return float(vals[0]) if steps[0] == 0 else np.nan
    return float(vals[-1])


def _row(sweep: Sweep, runs: list[str], columns, pairs, which: str) -> dict:
    out = {}
    for p, d in columns:
        if (p, d) == OVERALL:
            metric = M.TEST_ACCURACY
        elif d == "All":
            parts = [_row(sweep, runs, [(p, dd)], pairs, which).get((p, dd), np.nan) for pp, dd in pairs if pp == p]
            out[(p, d)] = float(np.nanmean(parts)) if np.isfinite(parts).any() else np.nan
            continue
        else:
            metric = M.test_accuracy_by(p, d)
        vals = [_value_at(sweep, r, metric, which) for r in runs]
        vals = [v for v in vals if np.isfinite(v)]
        out[(p, d)] = 100 * float(np.mean(vals)) if vals else np.nan
    return out


def results_table(sweep: Sweep, last_is_ours: bool = False) -> Optional[ResultsTable]:
    """The table of a sweep, or None when no run logged `test/accuracy/<platform>/<difficulty>`. The Δ row is
    about sweep.json's `ours` arm, else (with `last_is_ours`, as for the algorithms figure) the last arm; a sweep
    with neither gets no Δ row."""
    from analysis.figures.algorithms import groups

    pairs = [(m.group("p"), m.group("d")) for name in sweep.metrics if (m := _BY_RE.match(name))]
    if not pairs:
        return None
    platforms = _order(list(dict.fromkeys(p for p, _ in pairs)), M.PLATFORMS)
    columns: list[tuple[str, str]] = []
    for p in platforms:
        diffs = _order([d for pp, d in pairs if pp == p], M.DIFFICULTIES)
        columns += [(p, d) for d in diffs] + [(p, "All")]
    columns.append(OVERALL)
    blocks = []
    for title, view in groups(sweep):
        rows = []
        base = _row(view, list(view.table["run"]), columns, pairs, "initial")
        if any(np.isfinite(v) for v in base.values()):
            rows.append(Row("Not trained", base, "base"))
        arm_rows = [Row(view.label(a), _row(view, view.runs_of(a), columns, pairs, "last")) for a in view.arms]
        for c in columns:
            vals = [r.values.get(c, np.nan) for r in arm_rows]
            if np.isfinite(vals).any():
                best = np.nanmax(vals)
                for r in arm_rows:
                    if np.isfinite(r.values.get(c, np.nan)) and _fmt(r.values[c], "arm") == _fmt(best, "arm"):
                        r.bold.add(c)
        rows += arm_rows
        ours = sweep.meta.ours if sweep.meta.ours in view.arms else (view.arms[-1] if last_is_ours else None)
        if len(arm_rows) > 1 and ours is not None:
            i = view.arms.index(ours)
            others = [r for j, r in enumerate(arm_rows) if j != i]
            delta = {}
            for c in columns:
                best_other = [r.values.get(c, np.nan) for r in others]
                delta[c] = (arm_rows[i].values.get(c, np.nan) - np.nanmax(best_other)
                            if np.isfinite(best_other).any() else np.nan)
            rows.append(Row(f"Δ ({view.label(ours)} − best other)", delta, "delta"))
        blocks.append(Block(title or sweep.name, rows))
    return ResultsTable(columns, blocks, "last test step, mean over seeds")


def _fmt(v: float, kind: str) -> str:
    if not np.isfinite(v):
        return "–"
    return f"{v:+.1f}" if kind == "delta" else f"{v:.1f}"


def to_markdown(table: ResultsTable) -> str:
    head = [""] + [f"{table.platform_label(p)} {d.capitalize()}".strip() for p, d in table.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for block in table.blocks:
        lines.append(f"| ***{block.title}*** |" + " |" * (len(head) - 1))
        for row in block.rows:
            cells = []
            for c in table.columns:
                text = _fmt(row.values.get(c, np.nan), row.kind)
                cells.append(f"**{text}**" if c in row.bold else text)
            label = f"**{row.label}**" if row.kind == "arm" and len(row.bold) == len(table.columns) else row.label
            lines.append("| " + " | ".join([label] + cells) + " |")
    return "\n".join(lines) + "\n"


def draw_table(table: ResultsTable):
    """The table as a matplotlib Figure (bold best, green/red Δ, grey "All" columns)."""
    from analysis.style import new_figure

    n_rows = 2 + sum(1 + len(b.rows) for b in table.blocks)
    n_cols = 1 + len(table.columns)
    fig = new_figure(1, 1, panel=(1.2 + 0.72 * n_cols, 0.3 * n_rows + 0.3))
    ax = fig.add_subplot(1, 1, 1)
    ax.axis("off")
    top = [""] + [table.platform_label(p) if i == 0 or table.columns[i - 1][0] != p else ""
                  for i, (p, _) in enumerate(table.columns)]
    sub = [""] + [d.capitalize() for _, d in table.columns]
    text = [top, sub]
    kinds = ["head", "head"]
    bolds: list[set] = [set(), set()]
    for block in table.blocks:
        text.append([block.title] + [""] * len(table.columns))
        kinds.append("title")
        bolds.append(set())
        for row in block.rows:
            text.append([row.label] + [_fmt(row.values.get(c, np.nan), row.kind) for c in table.columns])
            kinds.append(row.kind)
            bolds.append({i + 1 for i, c in enumerate(table.columns) if c in row.bold})
    t = ax.table(cellText=text, loc="center", cellLoc="center", edges="closed")
    t.auto_set_font_size(False)
    t.set_fontsize(9)
    t.auto_set_column_width(list(range(n_cols)))
    for (r, c), cell in t.get_celld().items():
        kind = kinds[r]
        label = text[r][c]
        cell.set_height(1.0 / n_rows)
        cell.set_edgecolor("white")
        if c > 0 and table.columns[c - 1][1] in ("All", ""):
            cell.set_facecolor("#e8e8e8")
        if kind == "head" or (c in bolds[r]):
            cell.get_text().set_fontweight("bold")
        if kind == "title":
            cell.get_text().set_fontstyle("italic")
            cell.get_text().set_fontweight("bold")
            cell.set_text_props(ha="left")
        if c == 0:
            cell.set_text_props(ha="left")
        if kind == "delta" and c > 0 and label not in ("–", ""):
            cell.get_text().set_color("#2e8b2e" if not label.startswith("-") else "#c0392b")
    return fig
