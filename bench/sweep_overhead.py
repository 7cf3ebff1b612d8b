"""Benchmark: what the sweep layer (Ray Tune, trial supervisors, metric streaming) adds to the runs themselves.

A sweep of 8 very short local runs (micro model, 4 training steps each: a grid of 4 temperatures × 2 seeds) is
dispatched with `sweeps.dispatch` on a local Ray. Printed:
  * Ray start time (excluded from the ratio: paid once per sweep);
  * the sweep's wall time (Tuner.fit: first trial scheduled → last trial done);
  * the sum of the runs' own wall times — each run's process lifetime as its supervisor measured it (spawn to
    exit: what `microcoder train` would take for it), and, for reference, the run store's started_at → ended_at;
  * the overhead ratio  sweep wall / (Σ run wall / concurrency);  target <= 1.3;
  * a reference measured in the same run: the same 8 runs as plain processes (`python -m sweeps.worker`), the
    same number at a time, with no Ray; and the ratio of the sweep's wall time to it.

    python bench/sweep_overhead.py [--runs 8] [--steps 4] [--concurrency 2] [--skip-reference]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from microcoder.run_store import RunStore
from sweeps.dispatch import dispatch
from sweeps.expand import expand
from sweeps.plan import Plan, save_plan
from sweeps.spec import parse_spec


def bench_spec(runs: int, steps: int) -> dict:
    temps = [round(0.8 + 0.2 * i, 1) for i in range(max(1, runs // 2))]
    return {
        "name": "overhead",
        "backend": "local",
        "base": "dapo",
        "set": {"data.train_batch_size": 8, "actor.ppo_mini_batch_size": 4, "rollout.n": 4,
                "data.max_response_length": 48, "data.test_size": 16, "rollout.val_n": 1,
                "trainer.total_steps": steps, "trainer.test_freq": 0, "trainer.save_freq": 0,
                "tracking.mode": "disabled"},
        "grid": {"rollout.temperature": temps},
        "seeds": [0, 1] if runs > 1 else [0],
        "resources": {"cpus_per_run": 1},
        "max_failures": 0,
    }


def run_walls(out: Path, plan: Plan) -> tuple[list[float], list[float]]:
    proc, store_walls = [], []
    for r in plan.runs:
        store = RunStore(out, plan.name, r.name)
        trial = json.loads((store.dir / "trial.json").read_text())
        proc.append(float(trial["child_wall_s"]))
        st = store.read_status()
        store_walls.append((datetime.fromisoformat(st["ended_at"]) - datetime.fromisoformat(st["started_at"]))
                           .total_seconds())
    return proc, store_walls


def plain_processes(plan: Plan, root: Path, concurrency: int) -> float:
    """The same runs as bare worker processes, `concurrency` at a time; returns the wall time."""
    sweep_dir = root / plan.name
    save_plan(plan, sweep_dir)
    env = dict(os.environ, MICROCODER_TORCH_THREADS="1", OMP_NUM_THREADS="1",
               MICROCODER_SUPERVISOR_PID=str(os.getpid()))
    pending = [r.name for r in plan.runs]
    live: list[subprocess.Popen] = []
    t0 = time.perf_counter()
    while pending or live:
        while pending and len(live) < concurrency:
            live.append(subprocess.Popen([sys.executable, "-m", "sweeps.worker", str(sweep_dir), pending.pop(0)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        for p in list(live):
            if p.poll() is not None:
                if p.returncode:
                    raise RuntimeError(f"reference run failed with exit code {p.returncode}")
                live.remove(p)
        time.sleep(0.05)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=8, help="runs in the sweep (even: temperatures × 2 seeds)")
    ap.add_argument("--steps", type=int, default=4, help="training steps per run")
    ap.add_argument("--concurrency", type=int, default=2, help="runs at once (default 2: one per core here)")
    ap.add_argument("--skip-reference", action="store_true", help="do not run the plain-process reference")
    args = ap.parse_args()

    spec = parse_spec(bench_spec(args.runs, args.steps))
    plan = Plan(spec, expand(spec))
    with tempfile.TemporaryDirectory(prefix="sweep-bench-") as tmp:
        ref = None
        if not args.skip_reference:  # first, so that the sweep gets no warmer caches than the reference
            ref = plain_processes(plan, Path(tmp) / "reference", args.concurrency)
        out = Path(tmp) / "sweep"
        sweep_dir = out / plan.name
        save_plan(plan, sweep_dir)
        timings: dict = {}
        t0 = time.perf_counter()
        rc = dispatch(sweep_dir, max_concurrent=args.concurrency, progress_s=1e9, log=lambda s: None,
                      timings=timings)
        total = time.perf_counter() - t0
        if rc != 0:
            print("the benchmark sweep did not finish every run", file=sys.stderr)
            return 1
        proc, store_walls = run_walls(out, plan)
        ray_s, fit_s = timings["ray_start_s"], timings["tune_fit_s"]
        ideal = sum(proc) / args.concurrency
        print(f"runs: {len(plan.runs)} × {args.steps} steps (micro model), concurrency {args.concurrency}, "
              f"{os.cpu_count()} CPUs")
        print(f"ray start                       {ray_s:7.1f} s   (excluded below)")
        print(f"sweep wall (Tuner.fit)          {fit_s:7.1f} s   (dispatch in all, with Ray start and shutdown: "
              f"{total:.1f} s)")
        print(f"Σ run wall (process lifetimes)  {sum(proc):7.1f} s   (mean {sum(proc) / len(proc):.1f} s a run)")
        print(f"Σ run wall (run store windows)  {sum(store_walls):7.1f} s   (started_at → ended_at, after imports)")
        print(f"overhead ratio  sweep wall / (Σ run wall / concurrency) = {fit_s:.1f} / {ideal:.1f} = "
              f"{fit_s / ideal:.2f}   (target <= 1.3)")
        if ref is not None:
            print(f"reference: the same runs as plain processes, {args.concurrency} at a time, no Ray: "
                  f"{ref:.1f} s;  sweep wall / reference = {fit_s / ref:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
