"""The plan of a sweep: its runs, their cost, the W&B group — printed by `sweep plan`, saved as `sweep.json`.

What: `make_plan(spec_path, scale)` loads, validates and expands a spec (raising SpecError with every problem) into a
`Plan`. `format_plan(plan)` is the `sweep plan` table: one row per run (name, arm, seed, parent@step, steps, the
values that differ), then totals — runs, training steps, estimated GPU-hours (steps × `resources.step_seconds` ×
`resources.gpus_per_run`) and the W&B project/group/mode. `plan.to_json()` is the `--json` form; for a verl sweep
every run there carries `verl_overrides` and `verl_env`, built by `verl_job_of` — the same call the sweep worker's
`run_verl` makes (`keep_steps`: the branch points its checkpoint pruning must keep).

`save_plan(plan, sweep_dir)` writes `<out>/<sweep>/sweep.json`; `load_plan(sweep_dir)` reads it back, so `sweep
resume DIR` and `sweep status DIR` need nothing but the folder. They are the only writer and the only reader of
that file: the analysis (analysis/loading.py) reads it with `load_plan` too, and test fixtures and benchmarks write
it with `save_plan`. One versioned record (PLAN_VERSION; any other version, or none, is refused naming the file):

    version    1
    sweep      the sweep name (the folder's name)
    spec_path  the spec file it was planned from (None for a spec built in code); scale: the `--scale` overlay
    cwd        where it was planned: relative data paths in run configs resolve against it
    spec       the spec as a mapping after the scale overlay (sweeps/spec.py): figure, arms and branches (their
               order is the legend order), labels, ours, ...
    runs       one `PlannedRun.to_dict()` per run, in dispatch order: name, arm, seed, config (fully resolved),
               overrides, grid, parent (a run name), at_step (the parent's branch step), differ, tags
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from microcoder.run_store import atomic_write

from .expand import PlannedRun, expand, value_text
from .spec import SpecError, SweepSpec, load_spec, parse_spec

__all__ = ["PLAN_FILE", "PLAN_VERSION", "Plan", "format_plan", "keep_policy", "keep_steps", "load_plan", "make_plan",
           "save_plan", "same_runs", "verl_job_of"]

PLAN_FILE = "sweep.json"
PLAN_VERSION = 1
DEFAULT_STEP_SECONDS = {"local": 3.0}
"""Per-step wall-time estimate when the spec gives none (local: the micro model on a CPU, design.md §9)."""


@dataclass
class Plan:
    spec: SweepSpec
    runs: list[PlannedRun]
    cwd: str = field(default_factory=os.getcwd)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def backend(self) -> str:
        return self.spec.backend

    def run(self, name: str) -> PlannedRun:
        for r in self.runs:
            if r.name == name:
                return r
        raise KeyError(f"no run {name!r} in sweep {self.name!r} (runs: {', '.join(r.name for r in self.runs)})")

    def wandb(self) -> dict:
        """W&B project / group / mode of the sweep's runs (the first run's config; `tracking` makes them equal)."""
        tracking = self.runs[0].config.get("tracking", {}) if self.runs else {}
        return {"project": tracking.get("project"), "group": self.name, "mode": tracking.get("mode")}

    def step_seconds(self) -> Optional[float]:
        return self.spec.resources.step_seconds or DEFAULT_STEP_SECONDS.get(self.backend)

    def totals(self) -> dict:
        steps = sum(r.steps_to_run for r in self.runs)
        step_s = self.step_seconds()
        res = self.spec.resources
        run_hours = None if step_s is None else steps * step_s / 3600
        return {
            "runs": len(self.runs),
            "branches": sum(r.parent is not None for r in self.runs),
            "steps": steps,
            "step_seconds": step_s,
            "gpus_per_run": res.gpus_per_run,
            "nodes_per_run": res.nodes_per_run,
            "run_hours": None if run_hours is None else round(run_hours, 3),
            "gpu_hours": None if run_hours is None else round(run_hours * res.gpus_per_run, 2),
            "cpu_hours": None if run_hours is None or res.gpus_per_run else round(run_hours * res.cpus_per_run, 3),
        }

    def to_json(self, out: str | Path = "runs") -> dict:
        """The plan as JSON; for a verl sweep each run also has `verl_overrides` (its exact `main_ppo` overrides)
        and `verl_env` (its job's environment variables), as `run_verl` submits them with run store `out`."""
        runs = [{"name": r.name, "arm": r.arm, "seed": r.seed, "parent": r.parent, "at_step": r.at_step,
                 "total_steps": r.total_steps, "steps_to_run": r.steps_to_run, "differ": r.differ,
                 "tags": r.tags, "overrides": r.overrides} for r in self.runs]
        if self.backend == "verl":
            for r, row in zip(self.runs, runs):
                job = verl_job_of(self, r, out)
                row.update(verl_overrides=job.overrides, verl_env=job.env)
        return {
            "sweep": self.name,
            "description": self.spec.description,
            "figure": self.spec.figure,
            "backend": self.backend,
            "scale": self.spec.scale,
            "wandb": self.wandb(),
            "stop": [r.describe() for r in self.spec.stop],
            "max_failures": self.spec.max_failures,
            "runs": runs,
            "totals": self.totals(),
        }


def keep_steps(plan: Plan, run: str) -> list[int]:
    """Checkpoint steps of `run` that must survive pruning: the `at_step` of every branch that continues it, and
    the spec's `checkpoints.keep_steps` (probe steps)."""
    extra = (plan.spec.raw.get("checkpoints") or {}).get("keep_steps") or []
    return sorted({r.at_step for r in plan.runs if r.parent == run and r.at_step is not None} | set(extra))


def keep_policy(plan: Plan, run: str) -> dict:
    """The verl keep-policy arguments of `run` (keep_last, keep_every, keep_steps) from the spec's `checkpoints`."""
    from microcoder.backends.verl.translate import DEFAULT_KEEP_LAST

    ckpt = plan.spec.raw.get("checkpoints") or {}
    return {"keep_last": int(ckpt.get("keep_last", DEFAULT_KEEP_LAST)), "keep_every": int(ckpt.get("keep_every", 0)),
            "keep_steps": keep_steps(plan, run)}


def verl_job_of(plan: Plan, run: PlannedRun, out: str | Path = "runs", *, resume_from: str | Path | None = None):
    """The verl job of one planned run (microcoder.backends.verl.launch.verl_job) with run store `out`: what
    `sweep plan --json` prints and what the sweep worker's `run_verl` submits. A branch starts from its parent's
    checkpoint at `at_step` unless `resume_from` says otherwise."""
    from microcoder.backends.verl.launch import load_runtime_env, verl_job
    from microcoder.config import from_dict

    root = Path(out).resolve() / plan.name
    if resume_from is None and run.parent is not None:
        resume_from = root / run.parent / "checkpoints" / f"global_step_{run.at_step}"
    res = plan.spec.resources
    return verl_job(from_dict(run.config), run_dir=root / run.name, run=run.name, sweep=plan.name,
                    gpus_per_run=res.gpus_per_run, nodes_per_run=res.nodes_per_run, resume_from=resume_from,
                    **keep_policy(plan, run.name),
                    runtime_env=load_runtime_env(override=plan.spec.raw.get("runtime_env")))


def make_plan(spec_path: str | Path, scale: Optional[str] = None) -> Plan:
    """Load, validate and expand a spec; raises SpecError listing every problem (nothing is written)."""
    problems: list[str] = []
    spec = load_spec(spec_path, scale, problems)
    return Plan(spec, expand(spec, problems))


# ---------------------------------------------------------------------------------------------- table


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


def differ_text(run: PlannedRun) -> str:
    """The run's differing values as `group.key=value` (the last two segments of each key)."""
    keys = list(run.differ)
    shorts = [".".join(k.split(".")[-2:]) for k in keys]
    parts = [f"{s if shorts.count(s) == 1 else k}={value_text(run.differ[k], 30)}" for k, s in zip(keys, shorts)]
    return " ".join(parts) or "-"


def format_plan(plan: Plan) -> str:
    header = ["run", "arm", "seed", "parent", "steps", "values that differ"]
    rows = []
    for r in plan.runs:
        parent = f"{r.parent}@{r.at_step}" if r.parent else "-"
        steps = f"{r.first_step}..{r.total_steps}" if r.parent else f"0..{r.total_steps}"
        rows.append([r.name, r.arm, str(r.seed), parent, steps, differ_text(r)])
    t = plan.totals()
    wb = plan.wandb()
    res = plan.spec.resources
    head = f"sweep {plan.name}  (backend {plan.backend}"
    head += f", figure {plan.spec.figure})" if plan.spec.figure else ")"
    lines = [head]
    if plan.spec.description:
        lines.append(f"  {plan.spec.description.strip()}")
    lines += [""] + _table(header, rows) + [""]
    if t["step_seconds"] is None:
        cost = "GPU-hours: unknown (set resources.step_seconds)"
    elif res.gpus_per_run:
        cost = (f"est. {t['gpu_hours']:g} GPU-hours ({t['steps']} steps × {t['step_seconds']:g} s × "
                f"{res.gpus_per_run} GPUs on {res.nodes_per_run} node{'s' if res.nodes_per_run > 1 else ''})")
    else:
        cost = (f"est. 0 GPU-hours; {t['run_hours']:g} run-hours on CPU ({t['steps']} steps × "
                f"{t['step_seconds']:g} s)")
    branches = f"{t['branches']} branch{'es' if t['branches'] != 1 else ''}"
    lines.append(f"totals: {t['runs']} runs ({branches}), {t['steps']} training steps; {cost}")
    lines.append(f"W&B: project {wb['project']}, group {wb['group']}, job_type = arm, mode {wb['mode']}")
    if plan.spec.stop:
        lines.append("stop rules: " + "; ".join(r.describe() for r in plan.spec.stop))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- sweep.json


def save_plan(plan: Plan, sweep_dir: str | Path) -> Path:
    """Write `<sweep_dir>/sweep.json` atomically (a reader sees the old or the new file, whole)."""
    sweep_dir = Path(sweep_dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "version": PLAN_VERSION,
        "sweep": plan.name,
        "spec_path": str(Path(plan.spec.source).resolve()) if plan.spec.source else None,
        "scale": plan.spec.scale,
        "cwd": plan.cwd,
        "spec": plan.spec.raw,
        "runs": [r.to_dict() for r in plan.runs],
    }
    path = sweep_dir / PLAN_FILE
    atomic_write(path, json.dumps(data, indent=1, allow_nan=True))
    return path


def load_plan(sweep_dir: str | Path) -> Plan:
    """The plan saved in `<sweep_dir>/sweep.json`; raises FileNotFoundError (no such file) or SpecError naming
    the file (not JSON, a format version other than PLAN_VERSION or none, a missing or malformed part)."""
    path = Path(sweep_dir) / PLAN_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{sweep_dir} is not a sweep folder (no {PLAN_FILE}; `microcoder sweep run SPEC` "
                                f"creates it)") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise SpecError([f"{PLAN_FILE}: not JSON ({e})"], str(path)) from None
    if not isinstance(data, dict):
        raise SpecError([f"{PLAN_FILE}: expected a JSON object, got {type(data).__name__}"], str(path))
    version = data.get("version")
    if version != PLAN_VERSION:
        what = "has no format version" if version is None else f"has format version {version!r}"
        raise SpecError([f"{PLAN_FILE} {what}; this code reads version {PLAN_VERSION} (files written by "
                         f"`microcoder sweep run`, or by sweeps.plan.save_plan)"], str(path))
    runs = data.get("runs")
    if not isinstance(data.get("spec"), dict) or not isinstance(runs, list) or not all(
            isinstance(r, dict) and {"name", "arm", "seed", "config", "overrides"} <= r.keys() for r in runs):
        raise SpecError([f"{PLAN_FILE}: `spec` must be a mapping and `runs` a list of planned runs (name, arm, seed, "
                         f"config, overrides, ...)"], str(path))
    spec = parse_spec(data["spec"], data.get("spec_path"))
    spec.scale = data.get("scale")
    return Plan(spec, [PlannedRun.from_dict(r) for r in runs], cwd=data.get("cwd") or os.getcwd())


def same_runs(a: Plan, b: Plan) -> list[str]:
    """Differences between two plans' runs (names and configs); [] when they are the same sweep."""
    out = []
    ra, rb = {r.name: r for r in a.runs}, {r.name: r for r in b.runs}
    for name in ra.keys() - rb.keys():
        out.append(f"run {name} is only in the saved plan")
    for name in rb.keys() - ra.keys():
        out.append(f"run {name} is only in the new spec")
    for name in ra.keys() & rb.keys():
        x, y = ra[name], rb[name]
        if (x.config, x.parent, x.at_step) != (y.config, y.parent, y.at_step):
            out.append(f"run {name} has a different config or parent")
    if a.spec.backend != b.spec.backend:
        out.append(f"backend {a.spec.backend} → {b.spec.backend}")
    return sorted(out)
