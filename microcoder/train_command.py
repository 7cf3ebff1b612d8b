"""`microcoder train CONFIG.yaml [key=value ...]`: one RL run on the local backend, with a progress display.

Each step prints one line: step, critic reward, train accuracy, mean response length, response diversity, the
temperature in force, step time, and test accuracy on evaluation steps. The run folder is `OUT/SWEEP/NAME`; run
the same command again to resume an interrupted run from its latest checkpoint.
"""

from __future__ import annotations

import sys
import time

from microcoder.config import ConfigError, load_config


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
    try:
        cfg = load_config(config_path, overrides)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
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
        except (OSError, KeyError, ValueError) as e:
            print(f"error: --init-from {init_from}: not a checkpoint folder ({e})", file=sys.stderr)
            return 2
        # …/<sweep>/<run>/checkpoints/global_step_K → parent "<sweep>/<run>" at step K (status.json records it)
        parent = (f"{ckpt.parent.parent.parent.name}/{ckpt.parent.parent.name}", step)
    run_local(cfg, out, sweep=sweep, run=run, init_from=init_from, parent=parent, cache_dir=cache_dir,
              device=device, progress=progress, log=lambda s: print(s, flush=True))
    print(f"run folder: {out}/{sweep}/{run}")
    return 0
