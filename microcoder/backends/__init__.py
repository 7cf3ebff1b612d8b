"""Training backends: where one RL run executes. Both write the same run store and metric names.

    local   GRPO in this process on a CPU or one GPU (transformers + verl's core_algos); the embedded default
    verl    a verl `main_ppo` job on a Ray cluster (vLLM rollouts); see `microcoder.backends.verl`

`run_training(backend, cfg, ...)` is what `microcoder train` and the sweep layer call.
"""

from __future__ import annotations

from typing import Callable

from microcoder.registry import Registry

BACKENDS: Registry[Callable[..., dict]] = Registry("backend")


@BACKENDS.register("local")
def _local(*args, **kwargs) -> dict:
    from .local import run_local

    return run_local(*args, **kwargs)


@BACKENDS.register("verl")
def _verl(*args, **kwargs) -> dict:
    from .verl import run_verl  # unverified without a GPU: see its module docstring

    return run_verl(*args, **kwargs)


def open_run_store(out_dir, sweep: str, run: str, parent: tuple[str, int] | None, log: Callable[[str], None]):
    """The run's store and, when the run already finished, its last metrics row (then it is not rerun).

    A branch's parent ("sweep/run", step) is recorded in status.json before the Tracker opens the run (the
    Tracker keeps existing fields)."""
    from microcoder.run_store import RunStore

    store = RunStore(out_dir, sweep, run)
    if (store.read_status() or {}).get("state") == "finished":
        log(f"{store.dir}: already finished, not rerun")
        rows = store.read_metrics()
        return store, (rows[-1] if rows else {})
    if parent is not None:
        store.set_status("pending", parent_run=parent[0], parent_step=int(parent[1]))
    return store, None


def run_training(backend: str, *args, **kwargs) -> dict:
    return BACKENDS.get(backend)(*args, **kwargs)
