"""Training backends: where one RL run executes. Both write the same run store and metric names.

    local   GRPO in this process on a CPU or one GPU (transformers + verl's core_algos); `microcoder train`'s default
    verl    a verl `main_ppo` job on a Ray cluster (vLLM rollouts); see `microcoder.backends.verl`

A backend is a contract (`Backend`) registered in `BACKENDS` under the name a sweep spec's `backend` gives:
`check(cfg)` lists every problem with a run config that can be found before anything is submitted (the key, and
what is allowed), and `run(cfg, out_dir, ...)` runs it. `sweep plan` calls `check_run` for every run of a sweep; the
sweep worker runs each through `run_training(backend, cfg, ...)`. `microcoder train` checks with the local backend
and calls `run_local` itself (with `--backend verl` it builds the verl job, whose translation refuses what verl
cannot run). Checking a config imports neither torch nor verl; a backend's module is imported when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from microcoder.registry import Registry


@dataclass(frozen=True)
class Backend:
    """One training backend: its checks before submission and its run."""

    check: Callable[..., "list[str]"]
    """cfg → problems (each names its key and what is allowed); empty when the backend can run cfg as given."""
    run: Callable[..., dict]
    """(cfg, out_dir, *, sweep, run, ...) → the last metrics row."""
    about: str = ""
    """One line for `microcoder ls backends`."""


BACKENDS: Registry[Backend] = Registry("backend", describe=lambda b: b.about)


def _check_local(cfg) -> list[str]:
    """The local backend runs here, so everything it loads can be checked here: the model (an existing HF
    directory, or a local preset) and both datasets (micro names, prepared folders or names, JSONL files)."""
    from pathlib import Path

    from microcoder.data.resolve import dataset_problem
    from microcoder.models import PRESETS

    problems = []
    if cfg.model.path:
        if not Path(cfg.model.path).expanduser().is_dir():
            problems.append(f"model.path: {cfg.model.path} is not a directory (the local backend loads a local "
                            f"Hugging Face model directory)")
    elif cfg.model.preset not in PRESETS:
        problems.append(f"model.preset: {PRESETS.unknown_message(str(cfg.model.preset))} (the local backend's "
                        f"presets; a verl-only preset needs backend verl, or set model.path)")
    for key, name, split in (("data.train", cfg.data.train, "train"), ("data.test", cfg.data.test, "test")):
        problem = dataset_problem(name, split)
        if problem:
            problems.append(f"{key}: {problem}")
    return problems


def _run_local(*args, **kwargs) -> dict:
    from .local import run_local

    return run_local(*args, **kwargs)


def _check_verl(cfg) -> list[str]:
    """What verl cannot run as configured (the translation's refusals; microcoder.backends.verl.translate)."""
    from .verl.translate import VerlTranslationError, verl_overrides

    try:
        verl_overrides(cfg, checkpoints_dir="/checkpoints", run_name="check")
    except VerlTranslationError as e:
        return list(e.problems)
    return []


def _run_verl(*args, **kwargs) -> dict:
    from .verl import run_verl  # the GPU path: see its module docstring

    return run_verl(*args, **kwargs)


BACKENDS.add("local", Backend(check=_check_local, run=_run_local,
                              about="GRPO in this process on a CPU or one GPU (transformers + verl's core_algos)"))
BACKENDS.add("verl", Backend(check=_check_verl, run=_run_verl,
                             about="a verl 0.9.1 main_ppo job on a Ray GPU cluster (vLLM rollouts, our plug-in)"))


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


def check_run(backend: str, cfg) -> list[str]:
    """Problems `backend` finds with `cfg` before anything is submitted (Backend.check)."""
    return BACKENDS.get(backend).check(cfg)


def run_training(backend: str, *args, **kwargs) -> dict:
    return BACKENDS.get(backend).run(*args, **kwargs)
