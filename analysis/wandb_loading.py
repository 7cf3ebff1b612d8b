"""Load runs from W&B online through `wandb.Api`, cached as parquet.

What: `wandb_online_records("entity/project", group)`: the runs of one W&B group (= our sweep, design.md §1) with
their FULL history from `run.scan_history()` (`run.history()` is sampled down to 500 rows), their config, job_type
(= arm) and name (= run). Each run's history is cached as `<cache>/<entity>__<project>/<group>/<run id>.parquet`
and the list of runs as `index.json` beside it; a second load reads the cache and does not reach the network
(`refresh=True` fetches again, e.g. for runs that were still running).

Why: design.md §6 — W&B is a view of the runs that may be the only copy someone has (a cluster's run store is
not always at hand). It produces the same `RunRecord`s as the run store, so every figure reads either source.
W&B offline files (`wandb/offline-run-*`) are not read here: the run store beside them holds the same steps, and
`wandb sync` uploads them, after which they load from here.

Normalisation: `_step` becomes `step`; W&B's own keys (`_runtime`, `_timestamp`, `_wandb`, …) and non-numeric
values (media, strings) are dropped; booleans become 0/1.

How:
    runs = analysis.loading.load(wandb="me/microcoder", group="kl_clip")      # online, cached
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from analysis.runs import RunRecord, SweepMeta
from microcoder.run_store import atomic_write

__all__ = ["DEFAULT_CACHE", "history_columns", "wandb_online_records"]

DEFAULT_CACHE = Path(os.environ.get("MICROCODER_WANDB_CACHE", Path.home() / ".cache" / "microcoder" / "wandb"))


def history_columns(rows: Union[list[dict], pd.DataFrame]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """W&B history rows (dicts with `_step`) → (steps, {metric: float values}), ascending, one row per step
    (a repeated step keeps the values of its last row)."""
    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
    if df.empty:
        return np.empty(0, dtype=np.int64), {}
    step_col = "_step" if "_step" in df.columns else ("step" if "step" in df.columns else None)
    if step_col is None:
        raise ValueError("W&B history rows have no _step")
    df = df[pd.to_numeric(df[step_col], errors="coerce").notna()]
    steps = df[step_col].astype(np.int64).to_numpy()
    cols = {}
    for name in df.columns:
        if name in ("_step", "step") or str(name).startswith("_"):
            continue
        s = df[name]
        if s.dtype == bool or s.dtype == object and s.map(lambda v: isinstance(v, bool)).all():
            s = s.astype(float)
        vals = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        if np.isnan(vals).all():
            continue
        cols[str(name)] = vals
    if len(steps) > 1 and not np.all(np.diff(steps) > 0):
        frame = pd.DataFrame(cols).assign(_s=steps).groupby("_s", sort=True).last()
        steps = frame.index.to_numpy(dtype=np.int64)
        cols = {k: frame[k].to_numpy(dtype=float) for k in frame.columns}
    return steps, cols


def _plain_config(config: Any) -> dict:
    """W&B config → our nested config (W&B's `_wandb` and {"value": v} wrappers removed)."""
    if not isinstance(config, Mapping):
        return {}
    out = {}
    for k, v in config.items():
        if str(k).startswith("_"):
            continue
        if isinstance(v, Mapping) and set(v) <= {"value", "desc"} and "value" in v:
            v = v["value"]
        out[k] = v
    return out


# ---------------------------------------------------------------------------------------------- online

def _cache_dir(cache_dir: Union[str, Path, None], project: str, group: Optional[str]) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", project.replace("/", "__"))
    return Path(cache_dir or DEFAULT_CACHE) / safe / re.sub(r"[^A-Za-z0-9._-]+", "_", group or "_all")


def _fetch(project: str, group: Optional[str], cache: Path, api: Any) -> list[dict]:
    """Fetch every run of the group with its full history into the cache; returns the index entries."""
    if api is None:
        import wandb

        api = wandb.Api()
    filters = {"group": group} if group else {}
    index = []
    for run in api.runs(project, filters=filters):
        rows = list(run.scan_history())  # the full history, not run.history()'s sample
        df = pd.DataFrame.from_records(rows)
        steps, cols = history_columns(df)
        table = pd.DataFrame({"step": steps, **cols})
        path = cache / f"{run.id}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        table.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        index.append({"id": run.id, "name": run.name, "group": run.group, "job_type": run.job_type,
                      "state": getattr(run, "state", None), "config": _plain_config(dict(run.config)),
                      "file": path.name})
    atomic_write(cache / "index.json", json.dumps(index, default=str, indent=1))
    return index


def wandb_online_records(project: str, group: Optional[str], cache_dir: Union[str, Path, None] = None,
                         refresh: bool = False, api: Any = None
                         ) -> tuple[list[RunRecord], dict[str, SweepMeta], list[str]]:
    """(records, sweep metas, notes) of the W&B runs of `project` ("entity/project") in `group`.

    The first call fetches through `api` (default `wandb.Api()`) and writes the parquet cache; later calls read
    the cache only, unless `refresh`. A cached run that was still running is noted as possibly stale.
    """
    cache = _cache_dir(cache_dir, project, group)
    notes = []
    if refresh or not (cache / "index.json").exists():
        index = _fetch(project, group, cache, api)
    else:
        index = json.loads((cache / "index.json").read_text())
        stale = [e["name"] for e in index if e.get("state") not in (None, "finished", "crashed", "failed", "killed")]
        if stale:
            notes.append(f"W&B {project}/{group}: read from the cache; runs {', '.join(map(str, stale))} were still "
                         f"running when cached (use --refresh)")
    records, metas = [], {}
    for e in index:
        table = pd.read_parquet(cache / e["file"])
        steps = table["step"].to_numpy(dtype=np.int64)
        cols = {c: table[c].to_numpy(dtype=float) for c in table.columns if c != "step"}
        sweep = e.get("group") or group or "wandb"
        config = e.get("config") or {}
        metas.setdefault(sweep, SweepMeta(name=sweep))
        records.append(RunRecord(sweep=sweep, run=str(e.get("name") or e["id"]), steps=steps, metrics=cols,
                                 arm=e.get("job_type"), config=config, parent=config.get("parent_run"),
                                 branch_step=config.get("parent_step"), state=e.get("state"), source="wandb"))
    if not records:
        notes.append(f"W&B {project}: no runs in group {group!r}")
    return records, metas, notes
