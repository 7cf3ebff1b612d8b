"""`microcoder train CONFIG.yaml [key=value ...]`: one RL run on the local backend, with a progress display.

`--backend verl` runs it as a verl `main_ppo` Ray job instead (`run_train_verl`); with `--dry-run` it prints the
job's environment and command (microcoder.backends.verl.launch.verl_job, the same job `run_verl` submits) and
submits nothing; what verl cannot run is refused there, naming the key.

Each step prints one line: step, critic reward, train accuracy, mean response length, response diversity, the
temperature in force, step time, and test accuracy on evaluation steps. The run folder is `OUT/SWEEP/NAME`; run
the same command again to resume an interrupted run from its latest checkpoint. A flag that only the other
backend reads (BACKEND_FLAGS) is refused, not silently dropped.
"""

from __future__ import annotations

import argparse
import sys
import time

from microcoder.cli_types import positive_int

BACKEND_FLAGS = {
    "local": {"--cache-dir": "cache_dir", "--device": "device"},
    "verl": {"--dry-run": "dry_run", "--jobs-address": "jobs_address", "--gpus": "gpus", "--nodes": "nodes"},
}
"""`microcoder train` flags that only one backend reads (backend → flag → argparse dest)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Train one run from a run-config YAML plus dotted overrides (e.g. actor.clip_ratio_high=0.28 "
        "rollout.temperature=1.2). Writes OUT/SWEEP/NAME/{config.yaml, metrics.jsonl, status.json, samples/, "
        "checkpoints/} and a W&B run (offline unless tracking.mode=online). Running the same command again "
        "resumes from the latest checkpoint.")
    parser.add_argument("config", nargs="?", default=None,
                        help="run-config YAML (may say `preset: grpo|dapo|microcoder-grpo`); omitted: the defaults")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="dotted overrides, values parsed as YAML")
    parser.add_argument("--out", default="runs", help="run-store root (default: runs/)")
    parser.add_argument("--sweep", default="adhoc", help="sweep (W&B group) the run belongs to (default: adhoc)")
    parser.add_argument("--name", default=None, help="run name (default: run-<date>-<time>)")
    parser.add_argument("--init-from", default=None, metavar="CKPT",
                        help="start a branch from a parent's checkpoint folder (…/checkpoints/global_step_K)")
    parser.add_argument("--cache-dir", default=None, help="where built model presets are cached "
                                                          "(default: $MICROCODER_CACHE or ~/.cache/microcoder)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--backend", choices=("local", "verl"), default="local",
                        help="local (this process) or verl (a main_ppo Ray job on a GPU cluster; see --dry-run)")
    parser.add_argument("--dry-run", action="store_true",
                        help="verl: print the job's environment and main_ppo command, submit nothing")
    parser.add_argument("--jobs-address", default=None, metavar="URL",
                        help="verl: Ray Jobs API address (default: $MICROCODER_RAY_JOBS_ADDRESS, else "
                             "http://127.0.0.1:8265)")
    parser.add_argument("--gpus", type=positive_int, default=None, help="verl: GPUs of the run in all (default: 8)")
    parser.add_argument("--nodes", type=positive_int, default=None, help="verl: nodes of the run (default: 1)")


def run(args: argparse.Namespace) -> int:
    overrides = list(args.overrides)
    config = args.config
    if config is not None and "=" in config and not config.endswith((".yaml", ".yml")):
        overrides.insert(0, config)  # `microcoder train key=value ...` without a file
        config = None
    other = "local" if args.backend == "verl" else "verl"
    ignored = [flag for flag, value in BACKEND_FLAGS[other].items() if getattr(args, value) not in (None, False)]
    if ignored:  # a flag the chosen backend would ignore is refused, not silently dropped
        print(f"error: {', '.join(ignored)} appl{'y' if len(ignored) > 1 else 'ies'} to --backend {other} only "
              f"(this run: --backend {args.backend})", file=sys.stderr)
        return 2
    if args.backend == "verl":
        return run_train_verl(config, overrides, args.out, args.sweep, args.name, args.init_from,
                              dry_run=args.dry_run, jobs_address=args.jobs_address, gpus=args.gpus or 8,
                              nodes=args.nodes or 1)
    return run_train(config, overrides, args.out, args.sweep, args.name, args.init_from, args.cache_dir, args.device)


def format_step(step: int, total: int, m: dict) -> str:
    def g(key, fmt="{:.3f}"):
        v = m.get(key)
        return fmt.format(v) if isinstance(v, (int, float)) else "  -  "

    parts = [f"step {step:>4}/{total}", f"reward {g('train/critic_reward')}", f"acc {g('train/accuracy')}",
             f"len {g('train/response_length', '{:5.1f}')}", f"div {g('train/response_diversity')}",
             f"T {g('train/temperature', '{:.2f}')}", f"{g('time/step_s', '{:4.1f}')}s"]
    if "test/accuracy" in m:
        parts.append(f"| test {m['test/accuracy']:.3f}")
    return "  ".join(parts)


def run_train(config_path: str | None, overrides: list[str], out: str, sweep: str, name: str | None,
              init_from: str | None, cache_dir: str | None, device: str | None) -> int:
    from microcoder.config import ConfigError, load_config
    from microcoder.run_store import RunStore

    try:
        cfg = load_config(config_path, overrides)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from microcoder.backends import check_run

    problems = check_run("local", cfg)
    if problems:
        print("error: the local backend cannot run this config:" + "".join(f"\n  - {p}" for p in problems),
              file=sys.stderr)
        return 2
    from microcoder.backends.local import run_local

    run = name or time.strftime("run-%Y%m%d-%H%M%S")
    total = cfg.trainer.total_steps

    def progress(step: int, metrics: dict) -> None:
        print(format_step(step, total, metrics), flush=True)

    parent = None
    if init_from:
        from microcoder.backends.local.checkpoint import read_state
        from pathlib import Path

        ckpt = Path(init_from).resolve()
        try:
            step = int(read_state(ckpt)["step"])
            parent_store, _ = RunStore.of_checkpoint(ckpt)
        except (OSError, KeyError, ValueError) as e:
            print(f"error: --init-from {init_from}: not a checkpoint folder ({e})", file=sys.stderr)
            return 2
        parent = (parent_store.name, step)  # status.json records the branch's parent and step
    run_local(cfg, out, sweep=sweep, run=run, init_from=init_from, parent=parent, cache_dir=cache_dir,
              device=device, progress=progress, log=lambda s: print(s, flush=True))
    print(f"run folder: {out}/{sweep}/{run}")
    return 0


def run_train_verl(config_path: str | None, overrides: list[str], out: str, sweep: str, name: str | None,
                   init_from: str | None, *, dry_run: bool = False, jobs_address: str | None = None, gpus: int = 8,
                   nodes: int = 1) -> int:
    """`microcoder train --backend verl`: print (--dry-run) or run the run's verl job."""
    from pathlib import Path

    from microcoder.backends.verl.launch import verl_job
    from microcoder.backends.verl.translate import VerlTranslationError
    from microcoder.config import ConfigError, load_config
    from microcoder.run_store import RunStore

    try:
        cfg = load_config(config_path, overrides)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    run = name or time.strftime("run-%Y%m%d-%H%M%S")
    parent = None
    if init_from:
        try:
            parent_store, step = RunStore.of_checkpoint(init_from)
        except ValueError as e:
            print(f"error: --init-from {e}", file=sys.stderr)
            return 2
        parent = (parent_store.name, step)
    try:
        job = verl_job(cfg, run_dir=Path(out) / sweep / run, run=run, sweep=sweep, gpus_per_run=gpus,
                       nodes_per_run=nodes, resume_from=init_from)
    except VerlTranslationError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if dry_run:
        print(f"# verl job of run {sweep}/{run}; runtime_env keys: {', '.join(sorted(job.runtime_env))}")
        print(job.shell())
        return 0
    from microcoder.backends.verl import run_verl
    from microcoder.backends.verl.launch import AddressError

    total = cfg.trainer.total_steps
    try:
        run_verl(cfg, out, sweep=sweep, run=run, init_from=init_from, parent=parent, jobs_address=jobs_address,
                 gpus_per_run=gpus, nodes_per_run=nodes, log=lambda s: print(s, flush=True),
                 progress=lambda step, m: print(format_step(step, total, m), flush=True))
    except (AddressError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # the Jobs API could not be reached (requests' ConnectionError is an OSError)
        print(f"error: could not submit to the Ray Jobs API ({type(e).__name__}: {str(e)[:300]}); is the cluster's "
              f"dashboard reachable? (--jobs-address, $MICROCODER_RAY_JOBS_ADDRESS)", file=sys.stderr)
        return 2
    except RuntimeError as e:  # the job ended other than SUCCEEDED: its log tail is in the message
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"run folder: {out}/{sweep}/{run}")
    return 0
