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


def run_training(backend: str, *args, **kwargs) -> dict:
    return BACKENDS.get(backend)(*args, **kwargs)
