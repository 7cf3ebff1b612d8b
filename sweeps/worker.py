"""`python -m sweeps.worker SWEEP_DIR RUN`: one run of a planned sweep, in its own process.

Started by the trial supervisor (sweeps.supervisor), never by hand (`microcoder train` is the hand-run form). It
reads the run's full config from `SWEEP_DIR/sweep.json` and calls the sweep's backend (`run_training`) with the
run's W&B names (group = sweep, job_type = arm, name = run, tags = the values that differ) and, for a branch, the
parent's checkpoint. The backend resumes from the run's latest checkpoint by itself.

It dies with its supervisor (PR_SET_PDEATHSIG, Linux) and turns SIGTERM into SystemExit, so that the run records
`killed` in status.json when the supervisor stops it (a stop rule, Tune stopping the trial, the driver's Ctrl-C).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _die_with_supervisor() -> None:
    """Ask the kernel for SIGTERM when the supervisor (the thread that started us) exits; if it already has,
    exit now."""
    expected = os.environ.get("MICROCODER_SUPERVISOR_PID")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if expected and os.getppid() != int(expected):
        sys.exit(143)


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m sweeps.worker SWEEP_DIR RUN", file=sys.stderr)
        return 2
    _die_with_supervisor()
    signal.signal(signal.SIGTERM, _terminated)
    sweep_dir, name = Path(argv[0]), argv[1]

    from microcoder.backends import run_training
    from microcoder.config import from_dict
    from microcoder.run_store import RunStore

    from .plan import keep_policy, load_plan

    plan = load_plan(sweep_dir)
    run = plan.run(name)
    out = sweep_dir.parent
    kwargs: dict = dict(sweep=plan.name, run=run.name, arm=run.arm, tags=tuple(run.tags),
                        log=lambda s: print(s, flush=True))
    if run.parent is not None:
        parent = RunStore(out, plan.name, run.parent)
        kwargs.update(init_from=parent.checkpoint_path(run.at_step), parent=(parent.name, run.at_step))
    if plan.backend == "verl":
        res = plan.spec.resources
        kwargs.update(gpus_per_run=res.gpus_per_run, nodes_per_run=res.nodes_per_run,
                      checkpoints=keep_policy(plan, run.name), runtime_env=plan.spec.raw.get("runtime_env"))
    print(f"run {plan.name}/{run.name} (arm {run.arm}, backend {plan.backend}) in pid {os.getpid()}", flush=True)
    run_training(plan.backend, from_dict(run.config), out, **kwargs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
