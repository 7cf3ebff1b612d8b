"""Benchmark of the analysis: load 200 runs × 1000 steps × 15 metrics from the run store and draw every figure.

    .venv/bin/python bench/analysis.py [--steps 1000] [--out /tmp/mc-bench-analysis] [--keep] [--report]

What it does: writes ten sweeps of study-shaped synthetic runs (one per study figure plus a `demo`, 200 runs in
all; branch runs, several seeds, temperature and length probes) into a fresh run-store root, then times
  * the reference: a bare `pandas.read_json(path, lines=True)` of every metrics.jsonl (nothing else),
  * our load: `analysis.loading.load_run_store` (metrics, status.json, config.yaml, sweep.json → tidy frame),
  * drawing every figure of every sweep and the results table to PNG (what `microcoder figures` draws),
and prints the times and the ratio load / bare read. Targets (issue #5): load ≤ 1.5× the bare read; all figures
≤ 15 s on 2 cores. `--report` also writes report.md/html (findings included) under OUT/figures.

The runs: config.yaml and status.json are written by `RunStore` itself, sweep.json by `sweeps.plan.save_plan` (the
writer `sweep run` uses; each sweep's spec is parsed and checked); metrics.jsonl holds the same lines that
`RunStore.log` writes (Python's json, NaN allowed) but in one write per run, because 200,000 fsync'd appends
(~3 ms each here) would take ten minutes and measure the disk, not the analysis.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from microcoder.run_store import RunStore  # noqa: E402
from sweeps.expand import PlannedRun  # noqa: E402
from sweeps.plan import Plan, save_plan  # noqa: E402
from sweeps.spec import parse_spec  # noqa: E402

TEST_EVERY = 20

# sweep → (figure, [(arm, label, {config overrides}, {curve effects}, parent arm, at_step)], seeds)
# effects: acc (final gain of test accuracy), fall (late drop), len (length growth, fraction of the max length),
# div (diversity trend), rew (reward level), time_reward (seconds of the reward phase)
STUDY = {
    "generations": ("1_0", [
        ("qwen2.5", "Qwen2.5-3B-Instruct", {"model.preset": "qwen2.5"}, dict(acc=0.08, base=0.1, len=-0.05, rew=0.2,
                                                                          len0=0.1), None, None),
        ("qwen3", "Qwen3-4B-Instruct", {"model.preset": "qwen3"}, dict(acc=0.03, base=0.34, len=0.25, rew=0.5,
                                                                      len0=0.45), None, None)], 10),
    "evaluator": ("6_4", [
        ("microcoder", "MicroCoder-Evaluator", {"reward.evaluator": "microcoder"},
         dict(acc=0.08, rew=0.45, time_reward=30.0), None, None),
        ("strict", "LiveCodeBench Evaluator", {"reward.evaluator": "strict"},
         dict(acc=0.05, rew=0.37, time_reward=8.0), None, None)], 10),
    "temperature": ("7_2", [
        ("t0.6", "t=0.6", {"rollout.temperature": 0.6}, dict(acc=0.15, fall=0.08, div=-0.15, div0=0.58), None, None),
        ("t1.2", "t=1.2", {"rollout.temperature": 1.2}, dict(acc=0.27, div=0.0, div0=0.72), None, None),
        ("t1.8", "t=1.8", {"rollout.temperature": 1.8}, dict(acc=0.25, div=-0.3, div0=0.97), None, None),
        ("t0.6-1.2", "t=0.6->1.2", {"rollout.temperature": 1.2}, dict(acc=0.3, div=0.1, div0=0.58), "t0.6", 140),
        ("t0.6-1.8", "t=0.6->1.8", {"rollout.temperature": 1.8}, dict(acc=0.32, div=0.05, div0=0.6), "t0.6", 140)],
        4),
    "data": ("8_2", [
        ("deepcoder", "DeepCoderDataset", {"data.train": "deepcoder"}, dict(acc=0.0, rew=0.55, len=0.2), None, None),
        ("microcoder", "MicroCoderDataset", {"data.train": "microcoder"}, dict(acc=0.06, rew=0.37, len=0.35),
         None, None)], 10),
    "kl_clip": ("9_2", [
        ("kl", "KL Loss", {"actor.use_kl_loss": True, "actor.clip_ratio_high": 0.2},
         dict(acc=0.02, fall=0.07, len=0.05, div=-0.45), None, None),
        ("nokl-cliphigh", "No KL Loss Clip High", {"actor.use_kl_loss": False, "actor.clip_ratio_high": 0.28},
         dict(acc=0.06, len=0.35, div=0.08), None, None)], 10),
    "context_length": ("10_2", [
        ("4k", "4K", {"data.max_response_length": 4096}, dict(acc=0.02, fall=0.04, len=-0.05, div=-0.05), None, None),
        ("6k", "6K", {"data.max_response_length": 6144}, dict(acc=0.05, len=0.15, div=0.0), None, None),
        ("8k", "8K", {"data.max_response_length": 8192}, dict(acc=0.07, len=0.35, div=0.15), None, None),
        ("6-8k", "6->8k", {"data.max_response_length": 8192}, dict(acc=0.04, len=0.25, div=0.05), "6k", 260),
        ("4-8k", "4->8k", {"data.max_response_length": 8192}, dict(acc=0.04, len=0.3, div=0.1), "4k", 260)], 4),
    "batch_size": ("11_2", [
        ("32", "32", {"data.train_batch_size": 32}, dict(acc=0.03, len=0.15, div=0.15), None, None),
        ("64", "64", {"data.train_batch_size": 64}, dict(acc=0.06, len=0.35, div=0.15), None, None),
        ("128", "128", {"data.train_batch_size": 128}, dict(acc=0.04, len=0.25, div=0.12), None, None)], 6),
    "truncation_mask": ("12_2", [
        ("none", "No Mask", {"mask.mode": "none", "mask.ratio": 0.0}, dict(acc=0.0, len=0.0, div=-0.03), None, None),
        ("cond-0.1", "Mask 10%", {"mask.mode": "conditional", "mask.ratio": 0.1}, dict(acc=0.03, len=0.2, div=0.07),
         None, None),
        ("cond-0.2", "Mask 20%", {"mask.mode": "conditional", "mask.ratio": 0.2}, dict(acc=0.03, len=0.3, div=-0.1),
         None, None),
        ("cond-0.3", "Mask 30%", {"mask.mode": "conditional", "mask.ratio": 0.3}, dict(acc=0.02, len=0.36, div=-0.2),
         None, None),
        ("complete", "Mask All (DeepCoder)", {"mask.mode": "complete", "mask.ratio": 1.0},
         dict(acc=0.01, fall=0.06, len=0.37, div=-0.55), None, None)], 4),
    "algorithms": ("13", [
        ("grpo", "GRPO", {"preset": "grpo"}, dict(acc=0.03, len=0.0, div=-0.25), None, None),
        ("dapo", "DAPO", {"preset": "dapo"}, dict(acc=0.04, fall=0.03, len=0.05, div=-0.05), None, None),
        ("microcoder-grpo", "MicroCoder-GRPO", {"preset": "microcoder-grpo"}, dict(acc=0.07, len=0.3, div=0.05),
         None, None)], 3),
    "demo": (None, [
        ("grpo", "grpo", {}, dict(acc=0.05, div=-0.1), None, None),
        ("dapo", "dapo", {"actor.clip_ratio_high": 0.28}, dict(acc=0.06), None, None)], 12),
}
MODELS = {"algorithms": ["1.7b", "4b"]}  # a second grid axis: one row per model
PLATFORMS = ("atcoder", "leetcode", "codeforces")
DIFFICULTIES = ("easy", "medium", "hard")


def _curve(rng, steps, start, gain, fall=0.0, noise=0.02, total=1000):
    """start → start+gain (saturating), minus a late fall, plus noise; steps: int array."""
    t = steps / total
    y = start + gain * (1 - np.exp(-4 * t)) - fall * np.clip((t - 0.5) * 2, 0, None) ** 2
    return y + rng.normal(0, noise, size=len(steps))


def _run_rows(rng, steps, eff, max_len, batch, temperature, total, with_platforms):
    n = len(steps)
    base = eff.get("base", 0.35)
    acc = _curve(rng, steps, base, eff.get("acc", 0.05), eff.get("fall", 0.0), 0.008, total)
    rew = _curve(rng, steps, eff.get("rew", 0.45) - 0.05, 0.08, eff.get("fall", 0.0), 0.06, total)
    len_frac = np.clip(_curve(rng, steps, eff.get("len0", 0.38), eff.get("len", 0.1), 0, 0.04, total), 0.02, 1.0)
    div = np.clip(_curve(rng, steps, eff.get("div0", 0.68), eff.get("div", 0.0), 0, 0.015, total), 0.05, 1.0)
    cols = {
        "data/prompts_seen": steps * batch,
        "train/critic_reward": np.clip(rew, 0, 1),
        "train/accuracy": np.clip(rew - 0.02, 0, 1),
        "train/response_length": len_frac * max_len,
        "train/truncated_fraction": np.clip(len_frac - 0.6, 0, 1),
        "train/response_diversity": div,
        "train/entropy": 0.5 * div + rng.normal(0, 0.01, n),
        "train/kl": np.abs(rng.normal(0.01, 0.003, n)),
        "time/rollout_s": rng.normal(60, 3, n),
        "time/reward_s": np.abs(rng.normal(eff.get("time_reward", 12.0), 1.0, n)),
        "time/update_s": rng.normal(25, 1.5, n),
        "mem/rollout_gb": rng.normal(70, 1, n),
        "mem/reward_gb": rng.normal(8, 0.5, n),
        "mem/update_gb": rng.normal(55, 1, n),
    }
    rows = []
    keys = list(cols)
    table = np.column_stack([np.asarray(cols[k], dtype=float) for k in keys])
    for i, s in enumerate(steps):
        row = {"step": int(s)}
        row.update(zip(keys, table[i].tolist()))
        row["data/prompts_seen"] = int(row["data/prompts_seen"])
        row["train/temperature"] = temperature
        if s % TEST_EVERY == 0:
            row["test/accuracy"] = float(np.clip(acc[i], 0, 1))
            if with_platforms:
                for p in PLATFORMS:
                    for j, d in enumerate(DIFFICULTIES):
                        row[f"test/accuracy/{p}/{d}"] = float(np.clip(acc[i] * (1.8 - 0.7 * j) + rng.normal(0, .01),
                                                                      0, 1))
        rows.append(row)
    return rows


def _nested(flat: dict) -> dict:
    out: dict = {}
    for k, v in flat.items():
        node = out
        parts = k.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    return out


def _spec(sweep: str, figure, arms, seeds: int) -> dict:
    """The sweep spec of one synthetic sweep: its arms and branches, labels, `ours`, the model grid."""
    spec = {"name": sweep, "seeds": list(range(seeds)),
            "arms": {a: over for a, _, over, _, parent, _ in arms if parent is None},
            "labels": {a: label for a, label, *_ in arms}}
    branches = {a: {"from": parent, "at_step": at, "set": over} for a, _, over, _, parent, at in arms if parent}
    if branches:
        spec["branches"] = branches
    if figure is not None:
        spec["figure"] = figure
    if sweep in MODELS:
        spec["grid"] = {"model.preset": MODELS[sweep]}
    if any(a[0] == "microcoder-grpo" for a in arms):
        spec["ours"] = "microcoder-grpo"
    return spec


def write_study(root: Path, steps: int = 1000, only: list[str] | None = None) -> int:
    """Write the synthetic study under `root`; returns the number of runs."""
    n_runs = 0
    for sweep, (figure, arms, seeds) in STUDY.items():
        if only and sweep not in only:
            continue
        models = MODELS.get(sweep, [None])
        plan, effects = [], {}
        rng_sweep = np.random.default_rng(zlib.crc32(sweep.encode()))
        for model in models:
            for seed in range(seeds):
                for arm, label, over, eff, parent, at in arms:
                    name = f"{arm}{'-' + model if model else ''}-s{seed}"
                    parent_run = f"{parent}{'-' + model if model else ''}-s{seed}" if parent else None
                    values = dict(over)
                    if model:
                        values["model.preset"] = model
                    cfg = {"data": {"max_response_length": 8192, "train_batch_size": 64},
                           "rollout": {"temperature": 1.2}, "trainer": {"seed": seed, "total_steps": steps}}
                    for k, v in _nested(values).items():
                        cfg[k] = {**cfg.get(k, {}), **v} if isinstance(v, dict) else v
                    plan.append(PlannedRun(name=name, arm=arm, seed=seed, config=cfg, overrides=[],
                                           grid={"model.preset": model} if model else {}, parent=parent_run,
                                           at_step=at, differ=values))
                    effects[name] = eff
        save_plan(Plan(parse_spec(_spec(sweep, figure, arms, seeds)), plan), root / sweep)
        for p in plan:
            rng = np.random.default_rng(rng_sweep.integers(2**32))
            store = RunStore(root, sweep, p.name)
            cfg = p.config
            store.write_config(cfg)
            start = (p.at_step or -1) + 1
            step_arr = np.arange(start, start + steps)
            max_len = cfg["data"]["max_response_length"]
            rows = _run_rows(rng, step_arr, effects[p.name], max_len, cfg["data"]["train_batch_size"],
                             cfg["rollout"]["temperature"], steps, sweep in ("algorithms", "demo"))
            store.dir.mkdir(parents=True, exist_ok=True)
            with open(store.metrics_path, "w") as f:  # RunStore.log's lines, written at once (see docstring)
                f.write("".join(json.dumps(r, allow_nan=True) + "\n" for r in rows))
            status = {"last_step": int(step_arr[-1])}
            if p.parent:
                status.update(parent_run=f"{sweep}/{p.parent}", parent_step=int(p.at_step))
            store.set_status("finished", **status)
            _write_probes(store.dir, sweep, p, rng, step_arr)
            n_runs += 1
    return n_runs


def _write_probes(run_dir: Path, sweep: str, p: PlannedRun, rng, steps) -> None:
    probes = run_dir / "probes"
    if sweep == "temperature" and p.seed == 0 and p.arm in ("t0.6", "t0.6-1.8"):
        probes.mkdir(exist_ok=True)
        with open(probes / "temperature.jsonl", "w") as f:
            ckpts = [0, 140] if p.arm == "t0.6" else [160]
            for c in ckpts:
                for t in np.round(np.arange(0.0, 3.7, 0.2), 1):
                    acc = (0.38 if c == 0 else 0.52 if c == 140 else 0.63) - 0.3 * max(0, t - (1.8 + c / 100)) ** 2
                    div = 0.3 + 0.6 * (1 - np.exp(-1.5 * t)) * (1.0 - c / 1000)
                    f.write(json.dumps({"step": c, "temperature": float(t), "accuracy": float(max(acc, 0)),
                                        "diversity": float(min(div, 1)), "prompts": 64, "n": 8}) + "\n")
    if sweep == "generations":
        probes.mkdir(exist_ok=True)
        mean = 600 if p.arm == "qwen2.5" else 3000
        lengths = np.clip(rng.gamma(2.0, mean / 2.0, size=512), 1, 8192).astype(int).tolist()
        (probes / "lengths.jsonl").write_text(json.dumps({"step": int(steps[-1]), "temperature": 1.0,
                                                          "max_response_length": 8192, "lengths": lengths}) + "\n")


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its (finished) children, e.g. the drawing processes."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=1000, help="steps per run (default 1000)")
    ap.add_argument("--out", default="/tmp/mc-bench-analysis", help="scratch folder (recreated)")
    ap.add_argument("--keep", action="store_true", help="keep the runs written by a previous call")
    ap.add_argument("--report", action="store_true", help="also write report.md/html with the findings")
    args = ap.parse_args(argv)

    import pandas as pd

    from analysis.cli import draw_all
    from analysis.loading import load_run_store

    root = Path(args.out) / "runs"
    if not (args.keep and root.exists()):
        shutil.rmtree(args.out, ignore_errors=True)
        t = time.perf_counter()
        n = write_study(root, args.steps)
        print(f"wrote {n} runs × {args.steps} steps to {root} in {time.perf_counter() - t:.1f} s")
    files = sorted(root.glob("*/*/metrics.jsonl"))
    per_row = sorted({len(json.loads(f.open().readline())) - 1 for f in files} |
                     {len(json.loads(f.read_text().splitlines()[1])) - 1 for f in files})
    size = sum(f.stat().st_size for f in files) / 1e6
    rows = sum(1 for f in files for _ in f.open())
    print(f"{len(files)} metrics.jsonl files, {rows:,} rows, {size:.0f} MB, {per_row[0]}-{per_row[-1]} metrics a row "
          f"(test rows add test/accuracy, and per-platform accuracies in two sweeps), {os.cpu_count()} CPUs")

    def bare():
        return [pd.read_json(f, lines=True) for f in files]

    def ours():
        return load_run_store([root])

    # each measured twice, interleaved, the best kept (the first read also warms the page cache)
    bare_t, load_t = [], []
    for _ in range(2):
        t = time.perf_counter()
        bare()
        bare_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        runs = ours()
        load_t.append(time.perf_counter() - t)
    print(f"bare pandas.read_json(lines=True): {min(bare_t):.2f} s")
    print(f"analysis load (tidy frame, {len(runs.frame):,} rows): {min(load_t):.2f} s")
    ratio = min(load_t) / min(bare_t)
    print(f"load / bare read = {ratio:.2f}  (target <= 1.5)")

    out = Path(args.out) / "figures"
    cpu0 = _cpu_seconds()
    t = time.perf_counter()
    drawn = draw_all(runs, out, formats=("png",), report=args.report, log=lambda *_: None)
    draw_s = time.perf_counter() - t
    cpu = _cpu_seconds() - cpu0
    print(f"drew {len(drawn)} figures/tables for {len(runs.sweeps)} sweeps in {draw_s:.2f} s wall, {cpu:.1f} s CPU "
          f"over {os.cpu_count()} processes  (target <= 15 s){' (with report and findings)' if args.report else ''}")
    print(f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other work on the machine slows "
          f"every timing above)")
    print(f"figures: {out}")
    ok = ratio <= 1.5 and draw_s <= 15
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
