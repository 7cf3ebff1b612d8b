"""Load runs from run-store folders into `Runs` (a tidy DataFrame plus per-sweep views; see `runs.py`).

What: `load_run_store(paths)` accepts run-store roots (`runs/`), sweep folders (`runs/kl_clip/`) and run folders
(`runs/kl_clip/grpo-s0/`) in any mix, and reads for every run:

    metrics.jsonl   the logged steps (fast path: pyarrow's JSON reader; a torn last line or an odd file falls back
                    to a line-by-line parse that keeps every readable row and counts the rest)
    status.json     state, parent_run ("<sweep>/<run>") and parent_step of a branch run
    config.yaml     the resolved run config (its values that differ between runs become columns)
    sweep.json      in the sweep folder, when present: the spec name, `figure`, arm order and labels, and per run
                    its arm, seed, parent, branch step and override values (these win over what is derived)
    wandb/          when metrics.jsonl is missing (or `prefer="wandb-offline"`), the W&B offline files instead

`load(paths, wandb=..., group=...)` is the entry point of `microcoder figures`: run-store paths, bare W&B offline
folders (`wandb/` holding `offline-run-*`) and W&B online runs (`wandb_loading`), merged into one `Runs`.

Why: the run store is the source of truth of every run (design.md §1). Sweeps may be partial, killed or still
running: bad input never stops the load; each problem becomes one sentence in `Runs.skipped` (and in the report).

sweep.json keys read (all optional), as `sweeps.plan.save_plan` writes them: `figure`, `arms` and `branches` (top
level or under `spec`; a list of names or of {name, label, ours}, or a mapping name → {...}; their order is the
legend order), `ours` (the arm the Δ row of the results table is about), `runs` (list of, or mapping name →
{name|run, arm, seed, parent|from, at_step|branch_step|parent_step, differ|values (flat key → value), config}).

How: `runs = load_run_store(["runs/kl_clip"]); runs.frame.head(); runs.sweep("kl_clip").metric("test/accuracy")`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import yaml

from analysis.runs import RunRecord, Runs, SweepMeta, build_runs

__all__ = ["discover", "load", "load_run_store", "read_metrics_columns", "read_sweep_meta"]

_RUN_FILES = ("metrics.jsonl", "status.json", "config.yaml")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _is_run_dir(p: Path) -> bool:
    return p.is_dir() and (any((p / f).exists() for f in _RUN_FILES) or any((p / "wandb").glob("offline-run-*")))


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

def _entries(obj: Any, key: str = "name") -> list[dict]:
    """A list of dicts or names, or a mapping name → dict, as a list of dicts with `key` set."""
    if isinstance(obj, Mapping):
        return [{key: k, **(v if isinstance(v, Mapping) else {})} for k, v in obj.items()]
    if isinstance(obj, list):
        return [dict(e) if isinstance(e, Mapping) else {key: e} for e in obj]
    return []


def read_sweep_meta(sweep_dir: Path) -> tuple[SweepMeta, dict[str, dict], Optional[str]]:
    """(meta, per-run spec entries by run name, a note when sweep.json is unreadable) of one sweep folder."""
    meta = SweepMeta(name=sweep_dir.name, dir=sweep_dir)
    path = sweep_dir / "sweep.json"
    if not path.exists():
        return meta, {}, None
    try:
        spec = json.loads(path.read_text())
        if not isinstance(spec, Mapping):
            raise ValueError("not a JSON object")
    except ValueError as e:
        return meta, {}, f"{sweep_dir.name}: sweep.json unreadable ({e}); arms derived from run names"
    meta.spec = dict(spec)
    inner = spec.get("spec") if isinstance(spec.get("spec"), Mapping) else {}  # the sweeps package's layout
    figure = _first(spec, "figure") or _first(inner, "figure")
    meta.figure = str(figure) if figure not in (None, "") else None
    arms = _entries(spec.get("arms")) or (_entries(inner.get("arms")) + _entries(inner.get("branches")))
    for arm in arms:
        if arm.get("name") is None:
            continue
        name = str(arm["name"])
        meta.arms.append(name)
        if arm.get("label"):
            meta.labels[name] = str(arm["label"])
        if arm.get("ours"):
            meta.ours = name
    ours = _first(spec, "ours") or _first(inner, "ours")
    if ours:
        meta.ours = str(ours)
    runs = {}
    for e in _entries(spec.get("runs")):
        name = e.get("name", e.get("run"))
        if name is None:
            continue
        runs[str(name)] = e
        arm = e.get("arm")
        if arm is not None and str(arm) not in meta.arms:
            meta.arms.append(str(arm))
        if arm is not None and e.get("label") and str(arm) not in meta.labels:
            meta.labels[str(arm)] = str(e["label"])
    return meta, runs, None


def _first(d: Mapping, *keys: str) -> Any:
    for k in keys:
        if d.get(k) is not None:
            return d[k]
    return None


def _entry_values(entry: Mapping) -> Optional[dict]:
    """A planned run's config values that differ (`differ`, or `values`, or `overrides` given as a mapping)."""
    for key in ("differ", "values", "overrides"):
        if isinstance(entry.get(key), Mapping) and entry[key]:
            return dict(entry[key])
    return None


# ---------------------------------------------------------------------------------------------- one run

def _read_run(sweep: str, run_dir: Path, entry: Mapping, prefer: str) -> tuple[Optional[RunRecord], list[str]]:
    notes = []
    name = run_dir.name
    where = f"{sweep}/{name}"
    try:
        status = json.loads((run_dir / "status.json").read_text())
        if not isinstance(status, Mapping):
            raise ValueError("not a JSON object")
    except FileNotFoundError:
        status = {}
        notes.append(f"{where}: no status.json (state unknown; loaded what is there)")
    except ValueError as e:
        status = {}
        notes.append(f"{where}: status.json unreadable ({e})")
    try:
        config = yaml.load((run_dir / "config.yaml").read_text(), Loader=_YAML_LOADER) or {}
    except FileNotFoundError:
        config = None
    except yaml.YAMLError as e:
        config = None
        notes.append(f"{where}: config.yaml unreadable ({type(e).__name__})")
    if config is None and isinstance(entry.get("config"), Mapping):
        config = dict(entry["config"])  # the planned config (sweep.json) of a run that wrote none yet
    source, arm = "runstore", None
    metrics_path = run_dir / "metrics.jsonl"
    offline = any((run_dir / "wandb").glob("offline-run-*/run-*.wandb"))
    if (prefer == "wandb-offline" and offline) or (not metrics_path.exists() and offline):
        from analysis.wandb_loading import offline_columns

        try:
            steps, cols, off = offline_columns(run_dir)
        except Exception as e:  # noqa: BLE001 - one unreadable run never stops the load
            notes.append(f"{where}: W&B offline files unreadable ({e}); run skipped")
            return None, notes
        source = "wandb-offline"
        arm = off.get("job_type")
        config = config if config is not None else off.get("config")
        if off.get("skipped"):
            notes.append(f"{where}: {off['skipped']} unreadable W&B records skipped")
    elif metrics_path.exists():
        steps, cols, skipped = read_metrics_columns(metrics_path)
        if skipped:
            notes.append(f"{where}: {skipped} unreadable line(s) in metrics.jsonl skipped (torn write?)")
    else:
        notes.append(f"{where}: no metrics.jsonl (state {status.get('state', 'unknown')}); run skipped")
        return None, notes
    if len(steps) == 0:
        notes.append(f"{where}: no logged steps yet")
    parent = _first(entry, "parent", "from") or status.get("parent_run")
    branch = _first(entry, "branch_step", "at_step", "parent_step")
    if branch is None:
        branch = status.get("parent_step")
    seed = entry.get("seed")
    rec = RunRecord(
        sweep=sweep, run=name, steps=steps, metrics=cols, arm=str(entry["arm"]) if entry.get("arm") else arm,
        label=entry.get("label"), seed=int(seed) if isinstance(seed, (int, float)) else None,
        parent=str(parent) if parent else None, branch_step=int(branch) if branch is not None else None,
        state=status.get("state"), config=config, values=_entry_values(entry),
        dir=run_dir, source=source)
    return rec, notes


def load_run_store(paths: Iterable[Union[str, Path]], prefer: str = "runstore", workers: int = 4) -> Runs:
    """Every run under `paths` (roots, sweep or run folders) as `Runs`. `prefer`: `runstore` (metrics.jsonl; the
    W&B offline files only where it is missing) or `wandb-offline` (the offline files wherever they exist)."""
    if prefer not in ("runstore", "wandb-offline"):
        raise ValueError(f"prefer must be runstore or wandb-offline, got {prefer!r}")
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
        jobs += [(meta.name, d, entries.get(d.name, {})) for d in run_dirs]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(lambda j: _read_run(j[0], j[1], j[2], prefer), jobs))
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
         prefer: str = "runstore", cache_dir: Union[str, Path, None] = None, refresh: bool = False,
         api: Any = None) -> Runs:
    """Runs from any mix of sources, as one `Runs`:
      * run-store roots, sweep folders and run folders (`load_run_store`, with `prefer`);
      * bare W&B folders holding `offline-run-*` directories (`wandb_loading.load_wandb_offline`);
      * with `wandb="entity/project"`, the W&B runs of `group` (a sweep name; cached as parquet under `cache_dir`,
        so a second load does not reach the network).
    A sweep found in two sources is drawn from the first (run store, then offline files, then W&B online)."""
    paths = [Path(p) for p in paths]
    if not paths and wandb is None:
        raise ValueError("nothing to load: give run folders and/or a W&B project")
    offline = [p for p in paths if p.name.startswith("offline-run-") or any(p.glob("offline-run-*"))]
    stores = [p for p in paths if p not in offline]
    parts: list[Runs] = []
    if stores:
        parts.append(load_run_store(stores, prefer))
    if offline:
        from analysis.wandb_loading import load_wandb_offline

        parts.append(load_wandb_offline(offline))
    records: list[RunRecord] = []
    metas: dict[str, SweepMeta] = {}
    notes: list[str] = []
    for part in parts:
        recs, m = _records(part)
        clash = sorted(set(m) & set(metas))
        for name in clash:
            notes.append(f"sweep {name!r} was found in two sources: the first one's runs are drawn")
        records += [r for r in recs if r.sweep not in clash]
        metas.update({k: v for k, v in m.items() if k not in clash})
        notes += part.skipped
    if wandb is not None:
        from analysis.wandb_loading import wandb_online_records

        recs, m, more = wandb_online_records(wandb, group, cache_dir=cache_dir, refresh=refresh, api=api)
        notes += more
        clash = sorted(set(m) & set(metas))
        for name in clash:
            notes.append(f"W&B group {name!r} is also a local sweep here: the local copy is drawn")
        records += [r for r in recs if r.sweep not in clash]
        metas.update({k: v for k, v in m.items() if k not in clash})
    if len(parts) == 1 and wandb is None:
        return parts[0]
    return build_runs(records, metas, notes)
