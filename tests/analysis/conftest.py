"""Real run-store folders with known values, written by `RunStore` itself, for the analysis tests.

`STUDY` below describes small sweeps (one per study figure, plus a `demo` without sweep.json); `known(...)` is
the formula of every logged value, so a test can compute what a line must show. Built once per session
(~1,000 fsync'd `RunStore.log` calls, a few seconds). The sweep.json files are written by the sweeps' own writer
(`save_sweep_json` → `sweeps.plan.save_plan`). Tests reach the helpers through the `fx` fixture.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from microcoder.run_store import RunStore
from sweeps.expand import PlannedRun
from sweeps.plan import Plan, save_plan
from sweeps.spec import parse_spec

STEPS = 30
TEST_EVERY = 10


def known(metric: str, arm_index: int, seed: int, step: int, **arm) -> float:
    """The value a fixture run logs: simple lines in step, offset by arm and seed (critic reward zig-zags so
    smoothing shows)."""
    a, s = arm_index, seed
    if metric == "test/accuracy":
        return 0.3 + arm.get("acc_slope", 0.0) * step + 0.05 * a + 0.01 * s
    if metric == "train/critic_reward":
        return 0.2 + 0.1 * a + 0.01 * s + 0.05 * (-1) ** step
    if metric == "train/response_length":
        return 100.0 + 50 * a + arm.get("len_slope", 2.0) * step + s
    if metric == "train/response_diversity":
        return 0.7 + arm.get("div_slope", 0.0) * step + 0.02 * s
    if metric == "data/prompts_seen":
        return step * arm.get("batch", 8)
    raise KeyError(metric)


TRAIN = ("train/critic_reward", "train/response_length", "train/response_diversity")


def _rows(arm_index: int, seed: int, steps, arm: dict, extra=None) -> list[tuple[int, dict]]:
    out = []
    for step in steps:
        row = {"data/prompts_seen": known("data/prompts_seen", arm_index, seed, step, **arm)}
        if step > 0:
            row.update({m: known(m, arm_index, seed, step, **arm) for m in TRAIN if m not in arm.get("skip", ())})
        if step % TEST_EVERY == 0:
            row["test/accuracy"] = known("test/accuracy", arm_index, seed, step, **arm)
        if extra:
            row.update(extra(step))
        out.append((step, row))
    return out


def write_run(root: Path, sweep: str, name: str, rows, config: dict | None = None, status: dict | None = None,
              state: str = "finished") -> RunStore:
    store = RunStore(root, sweep, name)
    if config is not None:
        store.write_config(config)
    for step, row in rows:
        store.log(step, row)
    if status is not None or state:
        store.set_status(state, **(status or {}))
    return store


def _config(**over) -> dict:
    cfg = {"data": {"max_response_length": 64, "train_batch_size": 8}, "rollout": {"temperature": 1.0},
           "actor": {"use_kl_loss": False, "clip_ratio_high": 0.2}, "mask": {"mode": "none", "ratio": 0.1},
           "reward": {"evaluator": "microcoder"}, "trainer": {"seed": 0}}
    for key, value in over.items():
        section, field = key.split("__")
        cfg[section] = {**cfg[section], field: value}
    return cfg


def save_sweep_json(root: Path, spec: dict, runs: list[dict]) -> Path:
    """`<root>/<spec name>/sweep.json`, written by `sweeps.plan.save_plan` as `sweep run` writes it: `spec` is a
    sweep spec mapping (checked by `parse_spec`), `runs` the planned runs as PlannedRun fields (name, arm, seed,
    config, parent, at_step, differ, ...), given here instead of expanded from the spec."""
    runs = [PlannedRun(**{"overrides": [], "config": {}, **r}) for r in runs]
    return save_plan(Plan(parse_spec(spec), runs), root / spec["name"])


def build_study(root: Path) -> Path:
    steps = range(0, STEPS + 1)

    # kl_clip (9_2): sweep.json with labels; 2 seeds each; KL loses diversity, no-KL keeps it
    arms = [("kl", "KL Loss", dict(div_slope=-0.01, acc_slope=0.0), {"actor__use_kl_loss": True}),
            ("nokl", "No KL Loss Clip High", dict(div_slope=0.002, acc_slope=0.002),
             {"actor__use_kl_loss": False, "actor__clip_ratio_high": 0.28})]
    runs = []
    for i, (arm, label, shape, over) in enumerate(arms):
        for seed in (0, 1):
            name = f"{arm}-s{seed}"
            config = _config(**over, trainer__seed=seed)
            write_run(root, "kl_clip", name, _rows(i, seed, steps, shape), config)
            runs.append({"name": name, "arm": arm, "seed": seed, "config": config})
    save_sweep_json(root, {"name": "kl_clip", "figure": "9_2", "seeds": [0, 1],
                           "arms": {a: {k.replace("__", "."): v for k, v in over.items()} for a, _, _, over in arms},
                           "labels": {a: lab for a, lab, _, _ in arms}}, runs)

    # context_length (10_2): NO sweep.json; the branch is known from status.json only
    write_run(root, "context_length", "4k-s0", _rows(0, 0, steps, {}), _config(data__max_response_length=4096))
    write_run(root, "context_length", "8k-s0", _rows(2, 0, steps, dict(acc_slope=0.001)),
              _config(data__max_response_length=8192))
    write_run(root, "context_length", "4to8k-s0", _rows(1, 0, range(11, STEPS + 1), {}),
              _config(data__max_response_length=8192),
              status={"parent_run": "context_length/4k-s0", "parent_step": 10})

    # temperature (7_2): constant 0.6 and 1.2, a branch 0.6 -> 1.2 at step 10, probe rows on t0.6
    temps = [("t0.6", "t=0.6", 0.6, None), ("t1.2", "t=1.2", 1.2, None), ("t0.6-1.2", "t=0.6->1.2", 1.2, "t0.6")]
    runs = []
    for i, (arm, label, t, parent) in enumerate(temps):
        name = f"{arm}-s0"
        st = range(11, STEPS + 1) if parent else steps
        config = _config(rollout__temperature=t)
        write_run(root, "temperature", name, _rows(i, 0, st, dict(div_slope=-0.005)), config)
        runs.append({"name": name, "arm": arm, "seed": 0, "config": config,
                     **({"parent": f"{parent}-s0", "at_step": 10} if parent else {})})
    probe = root / "temperature" / "t0.6-s0" / "probes"
    probe.mkdir()
    with open(probe / "temperature.jsonl", "w") as f:
        for ck in (0, 30):
            for t in (0.6, 1.0, 1.4):
                f.write(json.dumps({"step": ck, "temperature": t, "accuracy": 0.5 - 0.1 * t + ck / 100,
                                    "diversity": 0.3 + 0.4 * t - ck / 300, "prompts": 8, "n": 4}) + "\n")
    save_sweep_json(root, {"name": "temperature", "figure": "7_2",
                           "arms": {a: {"rollout.temperature": t} for a, _, t, parent in temps if not parent},
                           "branches": {a: {"from": parent, "at_step": 10, "set": {"rollout.temperature": t}}
                                        for a, _, t, parent in temps if parent},
                           "labels": {a: lab for a, lab, _, _ in temps}}, runs)

    # truncation_mask (12_2): modes and ratios in config.yaml; folder name maps to the figure
    masks = [("none", "none", 0.0, 0.0), ("cond-0.1", "conditional", 0.1, 2.0), ("cond-0.3", "conditional", 0.3, 4.0),
             ("complete", "complete", 1.0, 6.0)]
    for i, (arm, mode, ratio, slope) in enumerate(masks):
        write_run(root, "truncation_mask", f"{arm}-s0", _rows(i, 0, steps, dict(len_slope=slope)),
                  _config(mask__mode=mode, mask__ratio=ratio))

    # batch_size (11_2): prompts seen grows with the batch
    for i, b in enumerate((32, 64)):
        write_run(root, "batch_size", f"b{b}-s0", _rows(i, 0, steps, dict(batch=b)), _config(data__train_batch_size=b))

    # evaluator (6_4): phase timings and memory; the robust evaluator's reward phase is slower
    for i, (arm, ev, reward_s) in enumerate((("robust", "microcoder", 3.0), ("strict", "strict", 1.0))):
        def phases(step, reward_s=reward_s):
            return {} if step == 0 else {"time/rollout_s": 2.0 + 0.01 * step, "time/reward_s": reward_s,
                                         "time/update_s": 1.5, "mem/rollout_gb": 4.0, "mem/reward_gb": 1.0,
                                         "mem/update_gb": 3.0}
        for seed in (0, 1):
            write_run(root, "evaluator", f"{arm}-s{seed}", _rows(i, seed, steps, {}, phases),
                      _config(reward__evaluator=ev, trainer__seed=seed))

    # generations (1_0): two arms, a lengths probe on each
    for i, arm in enumerate(("old", "new")):
        store = write_run(root, "generations", f"{arm}-s0", _rows(i, 0, steps, {}), _config())
        (store.dir / "probes").mkdir()
        lengths = [10 + 5 * i + k % 7 for k in range(40)]
        (store.dir / "probes" / "lengths.jsonl").write_text(json.dumps(
            {"step": STEPS, "temperature": 1.0, "max_response_length": 64, "lengths": lengths}) + "\n")

    # algorithms (13): 3 arms × 2 models, per-platform test accuracy for the results table
    arms = ["grpo", "dapo", "mgrpo"]
    runs = []
    for model in ("small", "big"):
        for i, arm in enumerate(arms):
            def by(step, i=i, model=model):
                if step % TEST_EVERY:
                    return {}
                base = 0.1 * i + (0.2 if model == "big" else 0.0) + step / 1000
                return {f"test/accuracy/{p}/{d}": base + 0.01 * j + 0.001 * k
                        for j, p in enumerate(("atcoder", "leetcode")) for k, d in enumerate(("easy", "hard"))}
            name = f"{arm}-{model}-s0"
            config = {**_config(), "model": {"preset": model}}
            write_run(root, "algorithms", name, _rows(i, 0, steps, {}, by), config)
            runs.append({"name": name, "arm": arm, "seed": 0, "config": config, "grid": {"model.preset": model},
                         "differ": {"model.preset": model}})
    save_sweep_json(root, {"name": "algorithms", "figure": "13", "arms": {a: {} for a in arms},
                           "grid": {"model.preset": ["small", "big"]},
                           "labels": {"grpo": "GRPO", "dapo": "DAPO", "mgrpo": "MicroCoder-GRPO"}, "ours": "mgrpo"},
                    runs)

    # demo: no sweep.json, timestamped run names, one run without status.json
    write_run(root, "demo", "micro-grpo-20260101-120000", _rows(0, 0, range(0, 11), dict(acc_slope=0.01)),
              _config())
    write_run(root, "demo", "micro-dapo-20260101-130000", _rows(1, 0, range(0, 11), {}),
              _config(actor__clip_ratio_high=0.28), state="")
    return root


@pytest.fixture(scope="session")
def fx():
    """The fixture's helpers for the tests (pytest runs with --import-mode=importlib: conftest is not importable)."""
    return SimpleNamespace(STEPS=STEPS, TEST_EVERY=TEST_EVERY, known=known, write_run=write_run,
                           save_sweep_json=save_sweep_json, build_study=build_study)


@pytest.fixture(scope="session")
def study_root(tmp_path_factory) -> Path:
    return build_study(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="session")
def study(study_root):
    from analysis.loading import load_run_store

    return load_run_store([study_root])
