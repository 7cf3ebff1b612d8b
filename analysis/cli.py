"""`microcoder figures`: redraw the study's figures, the results table and a report from runs.

    microcoder figures runs/                          # every sweep under the run-store root
    microcoder figures runs/kl_clip runs/demo --out figures/ --format png,pdf,svg
    microcoder figures --wandb me/microcoder --sweep kl_clip       # W&B online (cached as parquet)

For each sweep found, draws the figures it maps to (`analysis.figures.registry.figures_for`), the results table
where the figure has one, measures the study's claims (`analysis.findings`), and writes
OUT/<sweep>/<figure>.<fmt> plus OUT/report.md and OUT/report.html. What could not be read or drawn is listed in
the report, never fatal. Exit status: 0 when at least one figure was drawn, 1 otherwise.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Optional, Sequence

from microcoder.cli_types import fraction, positive_int

__all__ = ["add_arguments", "draw_all", "draw_sweep", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs_dirs", nargs="*", metavar="RUNS_DIR",
                        help="run-store roots, sweep folders or run folders (any mix)")
    parser.add_argument("--wandb", default=None, metavar="ENTITY/PROJECT",
                        help="also load the W&B runs of this project (online; cached, see --cache-dir)")
    parser.add_argument("--sweep", default=None, metavar="NAME", help="the W&B group (= sweep) to load with --wandb")
    parser.add_argument("--refresh", action="store_true", help="fetch W&B runs again instead of reading the cache")
    parser.add_argument("--cache-dir", default=None,
                        help="W&B parquet cache (default: $MICROCODER_WANDB_CACHE or ~/.cache/microcoder/wandb)")
    parser.add_argument("--out", default="figures", help="output folder (default: figures/)")
    parser.add_argument("--format", default="png", help="comma list of png, pdf, svg (default: png)")
    parser.add_argument("--figure", action="append", default=None, metavar="NAME",
                        help="draw only this figure for every sweep (a name or study number like 9_2; repeatable)")
    parser.add_argument("--smoothing", type=fraction, default=0.9,
                        help="EMA weight of the bold training curves, in [0, 1) (default: 0.9; 0 = raw)")
    parser.add_argument("--max-points", type=positive_int, default=2000,
                        help="thin drawn lines to about this many points (default: 2000)")
    parser.add_argument("--no-report", action="store_true", help="draw figures only (no findings, no report)")
    parser.add_argument("--note", action="append", default=None, metavar="TEXT",
                        help="a line listed under the report's title, e.g. how the runs were made (repeatable)")
    parser.add_argument("--jobs", type=positive_int, default=None,
                        help="processes drawing sweeps in parallel (default: one per CPU; 1 = serial)")


def draw_sweep(sweep, out: Path, formats: Sequence[str], options=None, only: Optional[Sequence[str]] = None,
               report: bool = True, log=print):
    """Draw one sweep's figures (and table, findings when `report`); returns its `SweepSection`."""
    from analysis.figures import FIGURES, DrawOptions, figure_name, figures_for
    from analysis.findings import findings
    from analysis.report import SweepSection
    from analysis.style import save, style
    from analysis.table import draw_table, results_table

    options = options or DrawOptions()
    section = SweepSection(sweep)
    if only:
        names = [figure_name(n) for n in only]
        claimed = set(names)
    else:
        names, notes = figures_for(sweep)
        section.notes += notes
        claimed = set(names[:1])  # the study's claims go with the sweep's own figure, not the extra panels
    with style():
        for name in names:
            spec = FIGURES.get(name)
            why = spec.needs(sweep)
            if why is not None:
                section.notes.append(f"figure {name}: not drawn ({why})")
                continue
            try:
                fig = spec.draw(sweep, options)
                paths = save(fig, out / sweep.name / name, formats)
            except Exception as e:  # noqa: BLE001 - one broken figure never stops the others
                section.notes.append(f"figure {name}: failed ({type(e).__name__}: {e})")
                traceback.print_exc(file=sys.stderr)
                continue
            section.figures.append((name, spec.study, spec.title, paths))
            log(f"  {sweep.name}: {name}" + (f" ({spec.study})" if spec.study else "") + f" → {paths[0]}")
            if report and name in claimed:
                try:
                    section.findings += findings(sweep, name)
                except Exception as e:  # noqa: BLE001
                    section.notes.append(f"findings of {name}: failed ({type(e).__name__}: {e})")
                    traceback.print_exc(file=sys.stderr)
        if any(FIGURES.get(n).table for n in names):
            try:
                table = results_table(sweep, last_is_ours="algorithms" in names)
                if table is not None:
                    section.table = table
                    section.table_image = save(draw_table(table), out / sweep.name / "results_table", formats)[0]
                    log(f"  {sweep.name}: results table → {section.table_image}")
            except Exception as e:  # noqa: BLE001
                section.notes.append(f"results table: failed ({type(e).__name__}: {e})")
                traceback.print_exc(file=sys.stderr)
    return section


_FORKED_RUNS = None  # the loaded runs, inherited by forked drawing processes (never pickled)


def _draw_in_child(job):
    name, out, formats, options, only, report = job
    lines: list[str] = []
    section = draw_sweep(_FORKED_RUNS.sweeps[name], out, formats, options, only, report, log=lines.append)
    section.sweep = None  # the parent has it; only the small results travel back
    return section, lines


def draw_all(runs, out, formats: Sequence[str] = ("png",), options=None, only: Optional[Sequence[str]] = None,
             report: bool = True, log=print, jobs: Optional[int] = None,
             notes: Optional[Sequence[str]] = None) -> list[Path]:
    """Draw every sweep of `runs` into `out`; write the report when `report` (with `notes` under its title).
    Returns the files written.

    `jobs` > 1 draws sweeps in that many forked processes (default: one per CPU, at most one per sweep; serial
    where fork is not available). matplotlib is single-threaded, so this is what uses a second core.
    """
    global _FORKED_RUNS
    from analysis.report import write_report

    out = Path(out)
    names = list(runs.sweeps)
    jobs = min(len(names), jobs if jobs is not None else (os.cpu_count() or 1))
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        _FORKED_RUNS = runs
        try:
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                results = list(pool.map(_draw_in_child, [(n, out, formats, options, only, report) for n in names]))
        finally:
            _FORKED_RUNS = None
        sections = []
        for name, (section, lines) in zip(names, results):
            section.sweep = runs.sweeps[name]
            sections.append(section)
            for line in lines:
                log(line)
    else:
        sections = [draw_sweep(runs.sweeps[n], out, formats, options, only, report, log) for n in names]
    files = [p for s in sections for f in s.figures for p in f[3]]
    files += [s.table_image for s in sections if s.table_image is not None]
    if report:
        md, page = write_report(sections, out, runs.skipped, notes=list(notes or []))
        files += [md, page]
        log(f"report: {md} and {page}")
    return files


def run(args: argparse.Namespace) -> int:
    from analysis.figures import DrawOptions
    from analysis.loading import load

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in ("png", "pdf", "svg")]
    if bad or not formats:
        print(f"--format: unknown {', '.join(bad) or '(none)'}; valid: png, pdf, svg", file=sys.stderr)
        return 2
    if not 0 <= args.smoothing < 1:
        print(f"--smoothing must be in [0, 1), got {args.smoothing}", file=sys.stderr)
        return 2
    if args.figure:
        from analysis.figures import figure_name

        try:
            args.figure = [figure_name(n) for n in args.figure]
        except KeyError as e:
            print(f"--figure: {e}", file=sys.stderr)
            return 2
    if not args.runs_dirs and not args.wandb:
        print("give run folders (RUNS_DIR...) and/or --wandb ENTITY/PROJECT --sweep NAME", file=sys.stderr)
        return 2
    try:
        runs = load(args.runs_dirs, wandb=args.wandb, group=args.sweep, cache_dir=args.cache_dir,
                    refresh=args.refresh)
    except ValueError as e:
        print(f"figures: {e}", file=sys.stderr)
        return 2
    for note in runs.skipped:
        print(f"  note: {note}", file=sys.stderr)
    if not runs.sweeps:
        print("figures: no runs found", file=sys.stderr)
        return 1
    print(f"loaded {len(runs.table)} runs in {len(runs.sweeps)} sweep(s): {', '.join(runs.sweeps)}")
    options = DrawOptions(smoothing=args.smoothing, max_points=args.max_points)
    files = draw_all(runs, Path(args.out), formats, options, args.figure, report=not args.no_report, jobs=args.jobs,
                     notes=args.note)
    drawn = [f for f in files if f.suffix[1:] in formats]
    return 0 if drawn else 1
