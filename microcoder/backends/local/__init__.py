"""The local backend's entry point: one run, from a config to a finished run-store folder.

`run_local(cfg, out_dir, sweep=..., run=...)` creates (or reopens) `out_dir/<sweep>/<run>/`, writes the resolved
config, tracks status (running → finished | failed | killed) and W&B, and trains with `LocalTrainer`. A run folder
with checkpoints resumes from the latest one; a finished run is not trained again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from microcoder.config import RunConfig, to_dict


def run_local(cfg: RunConfig, out_dir: str | Path = "runs", *, sweep: str = "adhoc", run: str = "run",
              arm: str | None = None, init_from: str | Path | None = None, parent: tuple[str, int] | None = None,
              tags: tuple[str, ...] = (), cache_dir: str | Path | None = None, device: str | None = None,
              log: Callable[[str], None] = print, progress: Callable[[int, dict], None] | None = None) -> dict:
    from microcoder.backends import open_run_store
    from microcoder.tracking import Tracker

    from .trainer import LocalTrainer

    store, finished = open_run_store(out_dir, sweep, run, parent, log)
    if finished is not None:
        return finished
    with Tracker(store, project=cfg.tracking.project, sweep=sweep, arm=arm or run, run_name=run,
                 config=to_dict(cfg), mode=cfg.tracking.mode, tags=tags) as tracker:
        with LocalTrainer(cfg, store, tracker, cache_dir=cache_dir, init_from=init_from, device=device,
                          log=log, progress=progress) as trainer:  # closes the trainer's sandbox pool
            return trainer.run()
