"""Expand a sweep spec into its runs — arms × grid × seeds, then branches — each with a validated run config.

What: `expand(spec)` returns `PlannedRun`s in dispatch order (every parent before its branches), or raises
`SpecError` listing every problem: run-config errors from the config schema (labelled with where they come from:
`set`, `arms.<arm>`, `grid.<key>[i]`, `branches.<name>.set`, or the run when only a combination is wrong),
branches whose parent is missing, whose step is past the parent's end or has no checkpoint, duplicate names, and
`labels`/`ours` naming no arm.

Naming (deterministic, filesystem-safe, unique — duplicates are an error):
    arm              the arm name; with a grid and no arms, the run's grid label; with neither, `base`
    grid label       per grid key, `<key leaf><number>` or a string's last path component, joined by '-':
                     `temperature1.2-train_batch_size64`, `Qwen3-1.7B`; a schedule: its kind and a short hash
    run name         `<arm>[-<grid label>]-s<seed>` (the grid label only when arms are crossed with a grid)
    branch run name  `<branch>[-<grid label>]-s<seed>`, one per run of the arm it continues; its arm is the
                     branch name

Layers of a run's config, later wins: defaults ← `base` (preset or YAML) ← `set` ← `tracking` ← arm ← grid
values ← `trainer.seed` ← (branches) the branch's `set`. An override `preset: NAME` (e.g. in an arm) replaces the
base's preset layer, so an arm can switch the algorithm. A branch keeps every setting of its parent run except those it
sets; its steps continue the parent's count from `at_step` + 1 (design.md §3).

Checkpoint rule for branches: the parent must save a checkpoint at `at_step` — `trainer.save_freq` divides it, or
it is the parent's last step. The sweep does not force extra saves: a branch at step 140 under save_freq 20 works,
under save_freq 50 is refused at plan time with the fix named.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from microcoder.config import SCHEMA, ConfigError, RunConfig, load_config, to_dict

from .spec import SpecError, SweepSpec

__all__ = ["PlannedRun", "expand", "flatten_config", "value_text"]


@dataclass
class PlannedRun:
    """One run of a sweep: its name, arm, seed, grid values, full resolved config, and parent when a branch."""

    name: str
    arm: str
    seed: int
    config: dict
    """The fully resolved run config (microcoder.config.to_dict), what the backend receives."""
    overrides: list[str]
    """The `key=value` overrides over `base` that give `config` (for reading and reproducing a run)."""
    grid: dict = field(default_factory=dict)
    parent: Optional[str] = None
    """Name of the parent run (same sweep) for a branch."""
    at_step: Optional[int] = None
    """The parent's checkpoint step a branch starts from; its first own step is at_step + 1."""
    differ: dict = field(default_factory=dict)
    """Flat config keys whose values differ across the sweep's runs (trainer.seed excepted) → this run's value."""
    tags: list[str] = field(default_factory=list)
    """W&B tags: the differing values as `leaf=value`."""

    @property
    def total_steps(self) -> int:
        return int(self.config["trainer"]["total_steps"])

    @property
    def first_step(self) -> int:
        """The first step this run logs: 0 (the evaluation before training), or at_step + 1 for a branch."""
        return 0 if self.at_step is None else self.at_step + 1

    @property
    def steps_to_run(self) -> int:
        """Training steps this run computes itself (a branch reuses its parent's first at_step)."""
        return self.total_steps - (self.at_step or 0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "PlannedRun":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


# ---------------------------------------------------------------------------------------------- text


def value_text(value: Any, limit: int = 40) -> str:
    """A short text for a config value: numbers as written, a schedule as `kind(...)`, cut to `limit`."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = format(value, "g")
    elif isinstance(value, Mapping):
        kind = value.get("kind", "map")
        body = {k: v for k, v in value.items() if k != "kind"}
        text = f"{kind}({json.dumps(body, separators=(',', ':'), sort_keys=True)[1:-1]})"
    elif isinstance(value, (list, tuple)):
        text = json.dumps(value, separators=(",", ":"))
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name_part(leaf: str, value: Any) -> str:
    """A filesystem-safe piece of a run name for one grid value: `<leaf><number>` (temperature1.2), a string's
    last path component (Qwen/Qwen3-1.7B → Qwen3-1.7B), a schedule's kind and a short hash (staged3fa2c1)."""
    if isinstance(value, Mapping) or isinstance(value, (list, tuple)):
        digest = hashlib.sha1(json.dumps(value, sort_keys=True).encode()).hexdigest()[:6]
        kind = value.get("kind", "map") if isinstance(value, Mapping) else "list"
        return f"{kind}{digest}"
    if isinstance(value, str) and value.strip("/"):
        text = value.rstrip("/").rsplit("/", 1)[-1]
    else:
        text = leaf + value_text(value, limit=1000)
    return re.sub(r"[^A-Za-z0-9._+-]", "_", text)


def _short_keys(keys: list[str], segments: int = 1) -> dict[str, str]:
    """key → its last `segments` dotted segments, or the whole key where two keys would share a short name."""
    shorts = [".".join(k.split(".")[-segments:]) for k in keys]
    return {k: (short if shorts.count(short) == 1 else k) for k, short in zip(keys, shorts)}


def _is_group(path: str) -> bool:
    import dataclasses

    return path in SCHEMA and dataclasses.is_dataclass(SCHEMA[path][0])


def flatten_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested run config → {dotted key: value}; a schedule stays one value (a mapping)."""
    out: dict[str, Any] = {}
    for k, v in config.items():
        path = f"{prefix}{k}"
        if isinstance(v, Mapping) and _is_group(path):
            out.update(flatten_config(v, path + "."))
        else:
            out[path] = v
    return out


# ---------------------------------------------------------------------------------------------- configs

Layer = tuple[str, Mapping[str, Any]]  # (label naming where the overrides come from, {key: value})


def _override_text(key: str, value: Any) -> str:
    return f"{key}={json.dumps(value)}"  # JSON is YAML: load_config parses the value back exactly


class _ConfigChecker:
    """Builds run configs from layers and reports each config problem once, labelled with the layer that
    introduced it (a problem seen in a shallower check is not repeated for every run)."""

    def __init__(self, spec: SweepSpec, problems: list[str]):
        self.spec = spec
        self.problems = problems
        self.seen: set[str] = set()
        self.base_path = spec.base_path()
        self.base_preset = spec.base_preset()
        if self.base_path is not None and not self.base_path.is_file():
            problems.append(f"base: {spec.base!r} is neither a preset nor a run-config file "
                            f"(looked for {self.base_path}); presets: {', '.join(_presets())}")
            self.base_ok = False
        else:
            self.base_ok = True

    def build(self, layers: list[Layer], whole: str) -> Optional[RunConfig]:
        """The config of defaults ← base ← layers, or None; problems not seen before are recorded, labelled by
        their layer, or by `whole` when no single layer owns them."""
        if not self.base_ok:
            return None
        owner: dict[str, str] = {}
        overrides: list[str] = []
        preset, preset_label = self.base_preset, "base"
        for label, mapping in layers:
            for k, v in mapping.items():
                if k == "preset":  # an arm switching the algorithm: the preset replaces the base's preset layer
                    if not isinstance(v, str):
                        self._add(label, f"preset: expected a preset name ({', '.join(_presets())}), got {v!r}")
                        return None
                    preset, preset_label = v, label
                    continue
                text = _override_text(k, v)
                owner.setdefault(text, label)
                overrides.append(text)
        try:
            return load_config(self.base_path, overrides, preset=preset)
        except ConfigError as e:
            for p in e.problems:
                label, msg = whole, p
                for text, lab in owner.items():
                    head = f"override {text!r}: "
                    if p.startswith(head):
                        label, msg = lab, p[len(head):]
                        break
                if p.startswith("preset "):  # an unknown preset: the base's, or an arm's
                    label = preset_label
                self._add(label, msg)
            return None

    def _add(self, label: str, msg: str) -> None:
        if msg not in self.seen:
            self.seen.add(msg)
            self.problems.append(f"{label}: {msg}")


def _presets() -> list[str]:
    from microcoder.config import preset_names

    return preset_names()


# ---------------------------------------------------------------------------------------------- expansion


def expand(spec: SweepSpec, problems: Optional[list[str]] = None) -> list[PlannedRun]:
    """Every run of the sweep in dispatch order (parents before branches); raises SpecError listing every
    problem (config errors with their arm and key path, bad branches, duplicate names), together with those
    already in `problems` (the spec's own, from `parse_spec(..., problems=...)`)."""
    problems = problems if problems is not None else []
    check = _ConfigChecker(spec, problems)
    common: list[Layer] = [("set", spec.set)]
    if spec.tracking:
        common.append(("tracking", {f"tracking.{k}": v for k, v in spec.tracking.items()}))

    # shallow checks first, so that a mistake is reported once, where it was made
    check.build([], "base")
    check.build(common, "set")
    for arm, overrides in spec.arms.items():
        check.build(common + [(f"arms.{arm}", overrides)], f"arms.{arm}")
    for key, values in spec.grid.items():
        for i, v in enumerate(values):
            check.build(common + [(f"grid.{key}[{i}]", {key: v})], f"grid.{key}[{i}]")

    grid_keys = list(spec.grid)
    short = _short_keys(grid_keys)
    combos = [dict(zip(grid_keys, values)) for values in itertools.product(*spec.grid.values())] or [{}]
    arms = spec.arms or {None: {}}

    runs: list[PlannedRun] = []
    layers_of: dict[str, list[Layer]] = {}
    by_arm: dict[str, list[PlannedRun]] = {}
    for seed in spec.seeds:
        for arm, arm_overrides in arms.items():
            for combo in combos:
                label = "-".join(_name_part(short[k].replace(".", "_"), v) for k, v in combo.items())
                arm_name = arm if arm is not None else (label or "base")
                name = f"{arm}-{label}" if arm is not None and label else arm_name
                name = f"{name}-s{seed}"
                layers = list(common)
                if arm is not None:
                    layers.append((f"arms.{arm}", arm_overrides))
                for i, (k, v) in enumerate(combo.items()):
                    layers.append((f"grid.{k}[{spec.grid[k].index(v)}]", {k: v}))
                layers.append(("seeds", {"trainer.seed": seed}))
                cfg = check.build(layers, f"run {name}")
                run = PlannedRun(name=name, arm=arm_name, seed=seed, grid=combo,
                                 config=to_dict(cfg) if cfg is not None else {},
                                 overrides=[_override_text(k, v) for _, m in layers for k, v in m.items()])
                runs.append(run)
                layers_of[name] = layers
                by_arm.setdefault(arm_name, []).append(run)

    arm_names = set(by_arm)
    for b in spec.branches:
        where = f"branches.{b.name}"
        if b.name in arm_names:
            problems.append(f"{where}: the name is already an arm's (branch and arm names must differ)")
            continue
        parents = by_arm.get(b.parent)
        if not parents:
            valid = ", ".join(sorted(arm_names)) or "none"
            problems.append(f"{where}.from: no arm or earlier branch named {b.parent!r} (valid: {valid})")
            continue
        branch_runs = []
        for parent in parents:
            suffix = parent.name[len(parent.arm):]  # '-<grid label>-s<seed>' or '-s<seed>'
            name = f"{b.name}{suffix}"
            layers = layers_of[parent.name] + [(f"{where}.set", b.set)]
            cfg = check.build(layers, f"run {name}")
            run = PlannedRun(name=name, arm=b.name, seed=parent.seed, grid=parent.grid,
                             config=to_dict(cfg) if cfg is not None else {},
                             overrides=[_override_text(k, v) for _, m in layers for k, v in m.items()],
                             parent=parent.name, at_step=b.at_step)
            if parent.config and run.config:
                _check_branch_step(where, b.at_step, parent, run, spec.backend, problems)
            branch_runs.append(run)
            layers_of[name] = layers
        runs.extend(branch_runs)
        by_arm[b.name] = branch_runs
        arm_names.add(b.name)

    valid = ", ".join(sorted(arm_names)) or "none"
    for arm in spec.labels:
        if arm not in arm_names:
            problems.append(f"labels.{arm}: no arm or branch named {arm!r} (valid: {valid})")
    if spec.ours is not None and spec.ours not in arm_names:
        problems.append(f"ours: no arm or branch named {spec.ours!r} (valid: {valid})")

    seen_names: dict[str, int] = {}
    for r in runs:
        seen_names[r.name] = seen_names.get(r.name, 0) + 1
    for name, count in seen_names.items():
        if count > 1:
            problems.append(f"runs: duplicate run name {name!r} ({count} runs; arm, branch and grid value names "
                            f"must give distinct names)")
    if not runs:
        problems.append("runs: the spec expands to no runs")

    # the backend's checks too, on every run whose config was built: every problem is listed at once
    _check_backend(spec, [r for r in runs if r.config], problems)
    if problems:
        raise SpecError(problems, spec.source)
    _fill_differ(runs)
    return runs


def _check_branch_step(where: str, at_step: int, parent: PlannedRun, run: PlannedRun, backend: str,
                       problems: list[str]) -> None:
    total = parent.total_steps
    if at_step > total:
        problems.append(f"{where}.at_step: {at_step} is past the end of parent run {parent.name!r} "
                        f"(trainer.total_steps = {total})")
        return
    save_freq = int(parent.config["trainer"]["save_freq"])
    if not ((save_freq and at_step % save_freq == 0) or at_step == total):
        problems.append(
            f"{where}.at_step: parent run {parent.name!r} saves no checkpoint at step {at_step} "
            f"(trainer.save_freq = {save_freq}{', only the last step' if not save_freq else ''}); set the parent "
            f"arm's trainer.save_freq to a divisor of {at_step}")
    if run.total_steps <= at_step:
        problems.append(f"{where}: trainer.total_steps ({run.total_steps}) must be after at_step ({at_step}), or "
                        f"the branch has no step to run")


def _check_backend(spec: SweepSpec, runs: list[PlannedRun], problems: list[str]) -> None:
    """Every run through its backend's checks (microcoder.backends.Backend.check): what the backend would refuse
    or cannot load fails the plan, before anything is submitted. A problem shared by several runs is listed once."""
    from microcoder.backends import BACKENDS, check_run
    from microcoder.config import from_dict

    if spec.backend not in BACKENDS:
        return  # reported by the spec's own checks
    seen: set[str] = set()
    for r in runs:
        for p in check_run(spec.backend, from_dict(r.config)):
            if p not in seen:
                seen.add(p)
                problems.append(f"run {r.name} (arm {r.arm}, backend {spec.backend}): {p}")


def _fill_differ(runs: list[PlannedRun]) -> None:
    flats = [flatten_config(r.config) for r in runs]
    keys: list[str] = []
    for k in flats[0] if flats else []:
        if k == "trainer.seed":
            continue
        texts = {json.dumps(f.get(k), sort_keys=True) for f in flats}
        if len(texts) > 1:
            keys.append(k)
    for f in flats[1:]:  # keys present in some configs only (none today: the schema is fixed)
        keys += [k for k in f if k not in keys and k != "trainer.seed" and k not in flats[0]]
    short = _short_keys(keys, segments=2)
    for r, f in zip(runs, flats):
        r.differ = {k: f.get(k) for k in keys}
        r.tags = [f"{short[k]}={value_text(f.get(k), limit=60)}"[:64] for k in keys]
