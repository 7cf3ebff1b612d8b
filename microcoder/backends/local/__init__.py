"""The local backend's entry point: one run, from a config to a finished run-store folder.

`run_local(cfg, out_dir, sweep=..., run=...)` creates (or reopens) `out_dir/<sweep>/<run>/`, writes the resolved
config, tracks status (running → finished | failed | killed) and W&B, and trains with `LocalTrainer`. A run folder
with checkpoints resumes from the latest one; a finished run is not trained again.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from pathlib import Path
from typing import Callable

from microcoder.config import RunConfig, to_dict


def run_local(cfg: RunConfig, out_dir: str | Path = "runs", *, sweep: str = "adhoc", run: str = "run",
              arm: str | None = None, init_from: str | Path | None = None, parent: tuple[str, int] | None = None,
              tags: tuple[str, ...] = (), cache_dir: str | Path | None = None, device: str | None = None,
              log: Callable[[str], None] = print, progress: Callable[[int, dict], None] | None = None) -> dict:
    from microcoder.run_store import RunStore
    from microcoder.tracking import Tracker

    from .trainer import LocalTrainer

    store = RunStore(out_dir, sweep, run)
    status = store.read_status() or {}
    if status.get("state") == "finished":
        log(f"{store.dir}: already finished, not rerun")
        metrics = store.read_metrics()
        rows = metrics[0] if isinstance(metrics, tuple) else metrics
        return rows[-1] if rows else {}
    config = to_dict(cfg)
    store.write_config(config)
    fields = {"pid": os.getpid(), "host": socket.gethostname(), "backend": "local"}
    if parent is not None:
        fields.update(parent_run=parent[0], parent_step=int(parent[1]))
    if not status.get("started_at"):
        fields["started_at"] = time.time()
    store.set_status("running", **fields)
    tracker = Tracker(store, project=cfg.tracking.project, sweep=sweep, arm=arm or run, run_name=run,
                      config=config, mode=cfg.tracking.mode, tags=tags)
    trainer = LocalTrainer(cfg, store, tracker, cache_dir=cache_dir, init_from=init_from, device=device, log=log,
                           progress=progress)
    try:
        final = trainer.run()
    except KeyboardInterrupt:
        tracker.finish("killed", error="interrupted")
        raise
    except BaseException as e:
        tracker.finish("failed", error="".join(traceback.format_exception(e))[-4000:])
        raise
    finally:
        pool = getattr(trainer, "pool", None)
        if pool is not None:
            pool.close()
    tracker.finish("finished")
    return final
