"""Load runs from run-store folders into `Runs` (a tidy DataFrame plus per-sweep views; see `runs.py`).

What: `load_run_store(paths)` accepts run-store roots (`runs/`), sweep folders (`runs/kl_clip/`) and run folders
(`runs/kl_clip/grpo-s0/`) in any mix, and reads for every run:

    metrics.jsonl   the logged steps (fast path: pyarrow's JSON reader; a torn last line or an odd file falls back
                    to a line-by-line parse that keeps every readable row and counts the rest)
    status.json     state, parent_run ("<sweep>/<run>") and parent_step of a branch run
    config.yaml     the resolved run config (its values that differ between runs become columns)
    sweep.json      in the sweep folder, when present: the spec name, `figure`, arm order, labels and `ours`, and
                    per run its arm, seed, parent, branch step and differing values (these win over what is derived)

The W&B offline files beside them (`wandb/offline-run-*`) are not read: they hold the same steps, in a format
only wandb reads (`wandb sync` uploads them).

`load(paths, wandb=..., group=...)` is the entry point of `microcoder figures`: run-store paths and W&B online
runs (`wandb_loading`), merged into one `Runs`.

Why: the run store is the source of truth of every run (design.md §1). Sweeps may be partial, killed or still
running: bad input never stops the load; each problem becomes one sentence in `Runs.skipped` (and in the report).

sweep.json is the sweep's plan, one versioned record that `sweeps.plan.save_plan` writes and `sweeps.plan.load_plan`
reads (its shape is in sweeps/plan.py); from it: the spec's `figure`, arms then branches (the legend order),
`labels` and `ours` (the arm the Δ row of the results table is about), and each planned run's arm, seed, parent,
`at_step`, `differ` (flat key → value) and `config`. A sweep.json that `load_plan` refuses (another format version,
none, not JSON) becomes a note naming the file, and the arms are derived from the run names.

How: `runs = load_run_store(["runs/kl_clip"]); runs.frame.head(); runs.sweep("kl_clip").metric("test/accuracy")`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import yaml

from analysis.runs import RunRecord, Runs, SweepMeta, build_runs
from microcoder.run_store import RunStore
from sweeps.expand import PlannedRun
from sweeps.plan import PLAN_FILE, load_plan
from sweeps.spec import SpecError

__all__ = ["discover", "load", "load_run_store", "read_metrics_columns", "read_sweep_meta"]

_RUN_FILES = ("metrics.jsonl", "status.json", "config.yaml")


def _is_run_dir(p: Path) -> bool:
    return p.is_dir() and any((p / f).exists() for f in _RUN_FILES)


def discover(paths: Iterable[Union[str, Path]]) -> tuple[list[tuple[Path, list[Path]]], list[str]]:
    """[(sweep folder, [run folders])] for every path (a root, a sweep or a run folder), and notes on paths that
    hold no runs. A sweep listed twice is read once."""
    found: dict[Path, list[Path]] = {}
    notes = []
    for raw in paths:
        p = Path(raw)
        if not p.is_dir():
            notes.append(f"{raw}: not a folder, skipped")
            continue
        if _is_run_dir(p):
            found.setdefault(p.parent.resolve(), [])
            if p.resolve() not in found[p.parent.resolve()]:
                found[p.parent.resolve()].append(p.resolve())
            continue
        children = sorted(c for c in p.iterdir() if c.is_dir() and not c.name.startswith("."))
        runs = [c for c in children if _is_run_dir(c)]
        if runs or (p / "sweep.json").exists():
            found[p.resolve()] = sorted(set(found.get(p.resolve(), [])) | {r.resolve() for r in runs})
            continue
        sweeps = [c for c in children if (c / "sweep.json").exists() or any(_is_run_dir(g) for g in c.iterdir()
                                                                            if g.is_dir())]
        if not sweeps:
            notes.append(f"{raw}: no runs found (expected run folders with metrics.jsonl/status.json)")
        for s in sweeps:
            found[s.resolve()] = sorted(c.resolve() for c in s.iterdir() if _is_run_dir(c))
    return [(s, sorted(r)) for s, r in found.items()], notes


# ---------------------------------------------------------------------------------------------- metrics.jsonl

def _columns_from_rows(rows: list[dict]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    names: list[str] = []
    for r in rows:
        for k in r:
            if k != "step" and k not in names:
                names.append(k)
    steps = np.array([r["step"] for r in rows], dtype=np.int64)
    cols = {}
    for k in names:
        col = np.full(len(rows), np.nan)
        for i, r in enumerate(rows):
            v = r.get(k)
            if isinstance(v, (int, float)):
                col[i] = float(v)
        cols[k] = col
    return steps, cols


def _parse_lines(data: bytes) -> tuple[list[dict], int]:
    rows, bad = [], 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            bad += 1
            continue
        step = row.get("step") if isinstance(row, dict) else None
        if isinstance(step, bool) or not isinstance(step, int):
            bad += 1
            continue
        rows.append(row)
    return rows, bad


def _arrow_columns(data: bytes) -> Optional[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """The fast path: pyarrow parses the whole file (NaN/Infinity accepted); None when it cannot."""
    try:
        import pyarrow as pa
        import pyarrow.json as pj
    except ImportError:  # pragma: no cover - pyarrow comes with pandas' parquet support here
        return None
    try:
        table = pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(block_size=max(len(data) + 1, 1 << 20)))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if "step" not in table.column_names:
        return None
    step = table.column("step")
    if not pa.types.is_integer(step.type) or step.null_count:
        return None
    cols = {}
    for name in table.column_names:
        if name == "step":
            continue
        col = table.column(name)
        t = col.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
            cols[name] = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
        elif pa.types.is_null(t):
            continue
        else:
            return None  # strings or nested values: the careful path decides per row
    return step.to_numpy(), cols


def read_metrics_columns(path: Union[str, Path]) -> tuple[np.ndarray, dict[str, np.ndarray], int]:
    """(steps, {metric: values}, skipped lines) of a metrics.jsonl; steps ascending and unique (the last row of a
    repeated step wins). Non-numeric values are dropped; a missing file raises FileNotFoundError."""
    data = Path(path).read_bytes()
    skipped = 0
    cut = data.rfind(b"\n") + 1
    if data[cut:].strip():  # an unterminated tail: torn mid-write
        skipped += 1
    data = data[:cut]
    got = _arrow_columns(data) if data.strip() else (np.empty(0, dtype=np.int64), {})
    if got is None:
        rows, bad = _parse_lines(data)
        skipped += bad
        got = _columns_from_rows(rows)
    steps, cols = got
    if len(steps) > 1 and not np.all(np.diff(steps) > 0):
        order = np.argsort(steps, kind="stable")
        s_sorted = steps[order]
        last = np.r_[s_sorted[1:] != s_sorted[:-1], True]  # keep the last row of each step
        order = order[last]
        steps = steps[order]
        cols = {k: v[order] for k, v in cols.items()}
    return steps, cols, skipped


# ---------------------------------------------------------------------------------------------- sweep.json

def read_sweep_meta(sweep_dir: Path) -> tuple[SweepMeta, dict[str, PlannedRun], Optional[str]]:
    """(meta, planned runs by run name, a note when sweep.json cannot be read) of one sweep folder; sweep.json is
    read by `sweeps.plan.load_plan`, the one reader of that file."""
    meta = SweepMeta(name=sweep_dir.name, dir=sweep_dir)
    path = sweep_dir / PLAN_FILE
    if not path.exists():
        return meta, {}, None
    try:
        plan = load_plan(sweep_dir)
    except (SpecError, OSError) as e:
        why = "; ".join(e.problems) if isinstance(e, SpecError) else str(e)
        return meta, {}, f"{sweep_dir.name}: {path} unreadable ({why}); arms derived from run names"
    spec = plan.spec
    meta.spec = dict(spec.raw)
    meta.figure = spec.figure or None
    meta.arms = list(spec.arms) + [b.name for b in spec.branches]
    meta.labels = dict(spec.labels)
    meta.ours = spec.ours
    runs = {}
    for r in plan.runs:
        runs[r.name] = r
        if r.arm not in meta.arms:  # a grid without arms: the arms are the runs' grid labels
            meta.arms.append(r.arm)
    return meta, runs, None


# ---------------------------------------------------------------------------------------------- one run

def _read_run(sweep: str, run_dir: Path, entry: Optional[PlannedRun]) -> tuple[Optional[RunRecord], list[str]]:
    notes = []
    name = run_dir.name
    where = f"{sweep}/{name}"
    store = RunStore.at(run_dir)
    try:
        status = store.read_status()
        if status is None:
            status = {}
            notes.append(f"{where}: no status.json (state unknown; loaded what is there)")
    except ValueError as e:
        status = {}
        notes.append(f"{where}: status.json unreadable ({e})")
    try:
        config = store.read_config()
    except yaml.YAMLError as e:
        config = None
        notes.append(f"{where}: config.yaml unreadable ({type(e).__name__})")
    if config is None and entry is not None and entry.config:
        config = dict(entry.config)  # the planned config (sweep.json) of a run that wrote none yet
    metrics_path = store.metrics_path
    if metrics_path.exists():
        steps, cols, skipped = read_metrics_columns(metrics_path)
        if skipped:
            notes.append(f"{where}: {skipped} unreadable line(s) in metrics.jsonl skipped (torn write?)")
    else:
        notes.append(f"{where}: no metrics.jsonl (state {status.get('state', 'unknown')}); run skipped")
        return None, notes
    if len(steps) == 0:
        notes.append(f"{where}: no logged steps yet")
    parent = (entry.parent if entry is not None else None) or status.get("parent_run")
    branch = entry.at_step if entry is not None and entry.at_step is not None else status.get("parent_step")
    rec = RunRecord(
        sweep=sweep, run=name, steps=steps, metrics=cols, arm=entry.arm if entry is not None else None,
        seed=entry.seed if entry is not None else None,
        parent=str(parent) if parent else None, branch_step=int(branch) if branch is not None else None,
        state=status.get("state"), config=config, values=(dict(entry.differ) or None) if entry is not None else None,
        dir=run_dir, source="runstore")
    return rec, notes


def load_run_store(paths: Iterable[Union[str, Path]], workers: int = 4) -> Runs:
    """Every run under `paths` (roots, sweep or run folders) as `Runs`."""
    sweeps, notes = discover(paths)
    metas, jobs = {}, []
    for sweep_dir, run_dirs in sweeps:
        meta, entries, note = read_sweep_meta(sweep_dir)
        if note:
            notes.append(note)
        if meta.name in metas:
            notes.append(f"{meta.name}: two sweep folders share this name; the second ({sweep_dir}) is skipped")
            continue
        metas[meta.name] = meta
        listed = set(entries)
        on_disk = {d.name for d in run_dirs}
        for missing in sorted(listed - on_disk):
            notes.append(f"{meta.name}/{missing}: planned in sweep.json but has no run folder yet")
        jobs += [(meta.name, d, entries.get(d.name)) for d in run_dirs]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(lambda j: _read_run(j[0], j[1], j[2]), jobs))
    records = []
    for rec, run_notes in results:
        notes += run_notes
        if rec is not None:
            records.append(rec)
    return build_runs(records, metas, notes)


def _records(runs: Runs) -> tuple[list[RunRecord], dict[str, SweepMeta]]:
    return ([rec for sw in runs.sweeps.values() for rec in sw.records.values()],
            {name: sw.meta for name, sw in runs.sweeps.items()})


def load(paths: Iterable[Union[str, Path]] = (), wandb: Optional[str] = None, group: Optional[str] = None,
         cache_dir: Union[str, Path, None] = None, refresh: bool = False, api: Any = None) -> Runs:
    """Runs from any mix of sources, as one `Runs`:
      * run-store roots, sweep folders and run folders (`load_run_store`);
      * with `wandb="entity/project"`, the W&B runs of `group` (a sweep name; cached as parquet under `cache_dir`,
        so a second load does not reach the network).
    A sweep found in both is drawn from the run store."""
    paths = [Path(p) for p in paths]
    if not paths and wandb is None:
        raise ValueError("nothing to load: give run folders and/or a W&B project")
    local = load_run_store(paths) if paths else None
    if wandb is None:
        return local
    records: list[RunRecord] = []
    metas: dict[str, SweepMeta] = {}
    notes: list[str] = []
    if local is not None:
        records, metas = _records(local)
        notes += local.skipped
    from analysis.wandb_loading import wandb_online_records

    recs, m, more = wandb_online_records(wandb, group, cache_dir=cache_dir, refresh=refresh, api=api)
    notes += more
    clash = sorted(set(m) & set(metas))
    for name in clash:
        notes.append(f"W&B group {name!r} is also a local sweep here: the local copy is drawn")
    records += [r for r in recs if r.sweep not in clash]
    metas.update({k: v for k, v in m.items() if k not in clash})
    return build_runs(records, metas, notes)
