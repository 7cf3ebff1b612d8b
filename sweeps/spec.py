"""The sweep spec: one YAML file per ablation (design.md §1), parsed and checked key by key before anything runs.

What: `load_spec(path, scale=None)` reads a spec into a `SweepSpec` or raises `SpecError` listing every problem,
each naming its key (`arms.t0.6`, `stop[0].metric`, ...) and, for a misspelt key, the nearest valid name. The
top-level keys are the contract of issue #4 (more may be added):

    name          sweep name: the run-store folder `<out>/<name>/` and the W&B group
    description   free text
    figure        the study figure the sweep feeds (e.g. "7_2")
    backend       local | verl (microcoder.backends.BACKENDS)
    base          a preset name (grpo, dapo, microcoder-grpo) or a run-config YAML path (relative to the spec)
    set           overrides for every run: {dotted.key: value} or nested groups; values may be schedules
    grid          {dotted.key: [values]}: crossed with each other (and with `arms` when both are given)
    arms          {arm name: {dotted.key: value}}: named override sets; an arm is the W&B job_type
    branches      {branch name: {from: ARM, at_step: K, set: {...}}}: continue every run of ARM from its
                  checkpoint at step K with changed settings (design.md §3); `from` may name an earlier branch
    seeds         [0, 1, ...]: one run per seed (sets trainer.seed); default [0]
    resources     {gpus_per_run, nodes_per_run, cpus_per_run, step_seconds}: what one run needs, and a per-step
                  wall-time estimate for the plan's GPU-hours
    stop          [{metric, below|above, for_steps, min_step}]: early-stop rules on the metrics stream, e.g.
                  the study's critical diversity threshold (`train/response_diversity` below 0.3 for 20 steps)
    tracking      {project, mode}: W&B project and mode (offline | online | disabled) of every run
    max_failures  retries of a failed run before it is given up (default 2)
    scales        {scale name: partial spec}: an overlay chosen with `--scale NAME` (e.g. `micro`: the same
                  ablation on the local backend at CPU size); merged over the spec, see `apply_scale`
    runtime_env   (verl) a Ray runtime_env mapping merged over cluster/runtime_env.yaml for this sweep's jobs
                  (microcoder.backends.verl.launch.load_runtime_env)
    checkpoints   (verl) keep policy {keep_last: 2, keep_every: 0, keep_steps: []}: checkpoints kept besides
                  every branch point (probes' steps); the rest are pruned (microcoder.backends.verl.checkpoints)

Why: a typo in a 12-run sweep must fail in a second at `plan`, not after hours on a cluster; so structure,
types and names are checked here and every run's config is checked in `sweeps.expand` before any submission.

How:
    spec = load_spec("sweeps/specs/temperature.yaml", scale="micro")
    spec.name, spec.backend, spec.arms, spec.branches
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from microcoder.yaml_loading import parse_yaml

__all__ = ["Branch", "Resources", "SpecError", "StopRule", "SweepSpec", "TOP_KEYS", "apply_scale", "load_spec",
           "parse_spec"]

TOP_KEYS = ("name", "description", "figure", "backend", "base", "set", "grid", "arms", "branches", "seeds",
            "resources", "stop", "tracking", "max_failures", "scales", "runtime_env", "checkpoints")
CHECKPOINT_KEYS = ("keep_last", "keep_every", "keep_steps")
RESOURCE_KEYS = ("gpus_per_run", "nodes_per_run", "cpus_per_run", "step_seconds")
STOP_KEYS = ("metric", "below", "above", "for_steps", "min_step")
BRANCH_KEYS = ("from", "at_step", "set")
TRACKING_KEYS = ("project", "mode")
TRACKING_MODES = ("offline", "online", "disabled")
DEFAULT_MAX_FAILURES = 2
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
"""Sweep, arm and branch names: they become folder names and W&B names."""


class SpecError(ValueError):
    """A sweep spec that cannot run; `.problems` lists every problem, each naming its key."""

    def __init__(self, problems: list[str], source: Optional[str] = None):
        self.problems = list(problems)
        self.source = source
        n = len(self.problems)
        where = f" {source}" if source else ""
        super().__init__(f"invalid sweep spec{where}: {n} problem{'s' if n != 1 else ''}"
                         + "".join(f"\n  - {p}" for p in self.problems))


@dataclass(frozen=True)
class Branch:
    """A run that continues every run of arm `parent` from its checkpoint at `at_step`, with `set` applied."""

    name: str
    parent: str
    at_step: int
    set: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StopRule:
    """Stop a run once `metric` has been below (or above) `threshold` on `for_steps` consecutive logged steps
    (rows without the metric neither count nor reset), looking only at steps >= `min_step`."""

    metric: str
    threshold: float
    below: bool
    for_steps: int = 1
    min_step: int = 0

    def describe(self) -> str:
        return (f"{self.metric} {'<' if self.below else '>'} {self.threshold:g} for {self.for_steps} step"
                f"{'s' if self.for_steps != 1 else ''}" + (f" (from step {self.min_step})" if self.min_step else ""))


@dataclass(frozen=True)
class Resources:
    """What one run needs. `gpus_per_run` counts all its GPUs (across `nodes_per_run` nodes); `cpus_per_run` is
    the CPU reservation of a local run (and its torch threads); `step_seconds` estimates one step's wall time."""

    gpus_per_run: int = 0
    nodes_per_run: int = 1
    cpus_per_run: int = 1
    step_seconds: Optional[float] = None


@dataclass
class SweepSpec:
    name: str
    backend: str = "local"
    description: str = ""
    figure: Optional[str] = None
    base: Optional[str] = None
    set: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    arms: dict = field(default_factory=dict)
    branches: list[Branch] = field(default_factory=list)
    seeds: list[int] = field(default_factory=lambda: [0])
    resources: Resources = field(default_factory=Resources)
    stop: list[StopRule] = field(default_factory=list)
    tracking: dict = field(default_factory=dict)
    max_failures: int = DEFAULT_MAX_FAILURES
    scale: Optional[str] = None
    source: Optional[str] = None
    """The spec file (None for a spec built in code)."""
    raw: dict = field(default_factory=dict)
    """The spec as a plain mapping after the scale overlay (kept in sweep.json)."""

    def base_path(self) -> Optional[Path]:
        """`base` as a run-config file path, or None when it names a preset (or is absent)."""
        if self.base is None or _is_preset(self.base):
            return None
        p = Path(self.base).expanduser()
        if not p.is_absolute() and self.source is not None:
            p = Path(self.source).parent / p
        return p

    def base_preset(self) -> Optional[str]:
        return self.base if self.base is not None and _is_preset(self.base) else None


def _is_preset(base: str) -> bool:
    from microcoder.config import preset_names

    return base in preset_names()


# ---------------------------------------------------------------------------------------------- YAML


def read_yaml(path: Path) -> Any:
    return parse_yaml(path.read_text())


# ---------------------------------------------------------------------------------------------- scales


def _merge(base: Any, over: Any, depth: int) -> Any:
    """`over` merged into `base` down to `depth` levels of mappings; deeper values (a schedule, a list) replace
    whole. A None in `over` deletes the key."""
    if depth <= 0 or not isinstance(base, Mapping) or not isinstance(over, Mapping):
        return copy.deepcopy(over)
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif k in out:
            out[k] = _merge(out[k], v, depth - 1)
        else:
            out[k] = copy.deepcopy(v)
    return out


# merge depth per top-level key: `set`/`grid` merge key by key (a value, even a schedule mapping, replaces whole);
# `arms` merge arm by arm and then key by key; `branches` field by field, their `set` key by key
_MERGE_DEPTH = {"set": 1, "grid": 1, "arms": 2, "resources": 1, "tracking": 1}


def apply_scale(data: Mapping[str, Any], scale: str, problems: list[str]) -> dict:
    """The spec with `scales[scale]` merged over it (mappings merge, see _MERGE_DEPTH; lists such as `seeds` and
    `stop` replace; a null deletes). The sweep is renamed `<name>-<scale>` unless the overlay names it."""
    scales = data.get("scales")
    if not isinstance(scales, Mapping) or scale not in scales:
        valid = ", ".join(map(str, scales)) if isinstance(scales, Mapping) and scales else "none"
        problems.append(f"scales: no scale {scale!r} in this spec (its scales: {valid})")
        return dict(data)
    over = scales[scale]
    if not isinstance(over, Mapping):
        problems.append(f"scales.{scale}: expected a mapping of spec keys, got {over!r}")
        return dict(data)
    out = {k: copy.deepcopy(v) for k, v in data.items() if k != "scales"}
    for k, v in over.items():
        if k == "scales":
            problems.append(f"scales.{scale}.scales: a scale cannot hold scales")
        elif v is None:
            out.pop(k, None)
        elif k == "branches" and isinstance(out.get(k), Mapping) and isinstance(v, Mapping):
            merged = dict(out[k])
            for b, bv in v.items():
                if bv is None:
                    merged.pop(b, None)
                elif isinstance(merged.get(b), Mapping) and isinstance(bv, Mapping):
                    fields = dict(merged[b])
                    for fk, fv in bv.items():
                        if fv is None:
                            fields.pop(fk, None)
                        else:
                            fields[fk] = _merge(fields.get(fk), fv, 1 if fk == "set" else 0)
                    merged[b] = fields
                else:
                    merged[b] = copy.deepcopy(bv)
            out[k] = merged
        elif k in out:
            out[k] = _merge(out[k], v, _MERGE_DEPTH.get(k, 0))
        else:
            out[k] = copy.deepcopy(v)
    if "name" not in over and isinstance(out.get("name"), str):
        out["name"] = f"{out['name']}-{scale}"
    return out


# ---------------------------------------------------------------------------------------------- parsing


def _unknown(key: str, where: str, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{where}{key}: unknown key{hint} (valid: {', '.join(valid)})"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_keys(data: Mapping, where: str, valid: tuple[str, ...], problems: list[str]) -> None:
    for k in data:
        if k not in valid:
            problems.append(_unknown(str(k), where, valid))


def _overrides(value: Any, where: str, problems: list[str]) -> dict:
    """An override mapping ({dotted.key: value} or nested groups); its keys are checked against the run-config
    schema later (sweeps.expand), where the arm and key path are known."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"{where}: expected a mapping of run-config keys to values "
                        f"(e.g. {{actor.lr: 1e-4}}), got {value!r}")
        return {}
    bad = [k for k in value if not isinstance(k, str) or not k]
    for k in bad:
        problems.append(f"{where}: {k!r} is not a run-config key")
    return {k: v for k, v in value.items() if k not in bad}


def _name(value: Any, where: str, problems: list[str]) -> bool:
    if not isinstance(value, str) or not NAME_RE.match(value):
        problems.append(f"{where}: {value!r} is not a valid name (letters, digits, '.', '_', '+', '-'; it becomes "
                        f"a folder and a W&B name)")
        return False
    return True


def parse_spec(data: Any, source: Optional[str] = None, scale: Optional[str] = None,
               problems: Optional[list[str]] = None) -> SweepSpec:
    """A `SweepSpec` from a plain mapping (a loaded YAML file); raises SpecError listing every problem — unless
    a `problems` list is given: then problems are appended to it and the best-effort spec (the parts that are
    right) is returned, so that `sweeps.expand` can add the run-config problems to the same report."""
    collect = problems is not None
    problems = problems if problems is not None else []
    if not isinstance(data, Mapping):
        raise SpecError([f"the spec must be a mapping of {', '.join(TOP_KEYS)}; got {type(data).__name__}"], source)
    if scale is not None:
        data = apply_scale(data, scale, problems)
    raw = copy.deepcopy(dict(data))
    _check_keys(data, "", TOP_KEYS, problems)

    name = data.get("name")
    if name is None:
        problems.append("name: missing (the sweep's name: its run folder and W&B group)")
        name = "unnamed"
    elif not _name(name, "name", problems):
        name = "unnamed"

    from microcoder.backends import BACKENDS

    backend = data.get("backend", "local")
    if backend not in BACKENDS:
        problems.append(f"backend: {BACKENDS.unknown_message(str(backend))}")
    ckpt = data.get("checkpoints")
    if ckpt is not None:
        if not isinstance(ckpt, Mapping):
            problems.append(f"checkpoints: expected {{{', '.join(CHECKPOINT_KEYS)}}}, got {ckpt!r}")
        else:
            _check_keys(ckpt, "checkpoints.", CHECKPOINT_KEYS, problems)
            for key, low in (("keep_last", 1), ("keep_every", 0)):
                if key in ckpt and (not _is_int(ckpt[key]) or ckpt[key] < low):
                    problems.append(f"checkpoints.{key}: must be an integer >= {low}, got {ckpt[key]!r}")
            steps = ckpt.get("keep_steps", [])
            if not isinstance(steps, list) or not all(_is_int(x) and x >= 0 for x in steps):
                problems.append(f"checkpoints.keep_steps: must be a list of steps >= 0, got {steps!r}")
    renv = data.get("runtime_env")
    if renv is not None and not (isinstance(renv, Mapping) and isinstance(renv.get("env_vars") or {}, Mapping)):
        problems.append(f"runtime_env: expected a Ray runtime_env mapping (env_vars: {{NAME: value}}, py_modules, "
                        f"...), got {renv!r}")
    for key in ("description", "figure"):
        if key in data and data[key] is not None and not isinstance(data[key], (str, int, float)):
            problems.append(f"{key}: expected text, got {data[key]!r}")
    if isinstance(data.get("figure"), (str, int, float)) and not isinstance(data.get("figure"), bool):
        from analysis.figures import figure_name  # the figure registry: a name or the study's number

        try:
            figure_name(str(data["figure"]))
        except KeyError as e:
            problems.append(f"figure: {str(e).strip(chr(39))} (or a study figure number such as 7_2)")
    base = data.get("base")
    if base is not None and not isinstance(base, str):
        problems.append(f"base: expected a preset name or a run-config YAML path, got {base!r}")
        base = None

    set_ = _overrides(data.get("set"), "set", problems)

    grid: dict = {}
    if "grid" in data:
        g = data["grid"]
        if not isinstance(g, Mapping) or not g:
            problems.append(f"grid: expected a non-empty mapping of run-config keys to lists of values, got {g!r}")
        else:
            for k, values in g.items():
                if not isinstance(values, list) or not values:
                    problems.append(f"grid.{k}: expected a non-empty list of values, got {values!r}")
                else:
                    grid[str(k)] = values

    arms: dict = {}
    if "arms" in data:
        a = data["arms"]
        if not isinstance(a, Mapping) or not a:
            problems.append(f"arms: expected a non-empty mapping of arm names to overrides, got {a!r}")
        else:
            for arm, overrides in a.items():
                if _name(arm, f"arms.{arm}", problems):
                    arms[arm] = _overrides(overrides, f"arms.{arm}", problems)

    branches: list[Branch] = []
    b = data.get("branches")
    if b is not None:
        if not isinstance(b, Mapping):
            problems.append(f"branches: expected a mapping of branch names to {{from, at_step, set}}, got {b!r}")
        else:
            for bname, body in b.items():
                where = f"branches.{bname}"
                if not _name(bname, where, problems):
                    continue
                if not isinstance(body, Mapping):
                    problems.append(f"{where}: expected {{from: ARM, at_step: K, set: {{...}}}}, got {body!r}")
                    continue
                _check_keys(body, f"{where}.", BRANCH_KEYS, problems)
                parent, at_step = body.get("from"), body.get("at_step")
                ok = True
                if not isinstance(parent, str):
                    problems.append(f"{where}.from: missing or not a name (the arm this branch continues)")
                    ok = False
                if not _is_int(at_step) or at_step < 1:
                    problems.append(f"{where}.at_step: must be a step >= 1 of the parent, got {at_step!r}")
                    ok = False
                overrides = _overrides(body.get("set"), f"{where}.set", problems)
                if ok:
                    branches.append(Branch(bname, parent, at_step, overrides))

    seeds = data.get("seeds", [0])
    if not isinstance(seeds, list) or not seeds or not all(_is_int(s) and s >= 0 for s in seeds):
        problems.append(f"seeds: expected a non-empty list of integers >= 0, got {seeds!r}")
        seeds = [0]
    elif len(set(seeds)) != len(seeds):
        problems.append(f"seeds: duplicate seeds {sorted({s for s in seeds if seeds.count(s) > 1})} "
                        f"(each seed gives one run per arm)")
        seeds = list(dict.fromkeys(seeds))

    resources = _resources(data.get("resources"), backend, problems)
    stop = _stop_rules(data.get("stop"), problems)

    tracking = data.get("tracking") or {}
    if not isinstance(tracking, Mapping):
        problems.append(f"tracking: expected {{project, mode}}, got {tracking!r}")
        tracking = {}
    else:
        _check_keys(tracking, "tracking.", TRACKING_KEYS, problems)
        if "mode" in tracking and tracking["mode"] not in TRACKING_MODES:
            problems.append(f"tracking.mode: must be one of {', '.join(TRACKING_MODES)}, got {tracking['mode']!r}")
        if "project" in tracking and not (isinstance(tracking["project"], str) and tracking["project"].strip()):
            problems.append(f"tracking.project: must be a non-empty string, got {tracking['project']!r}")
        tracking = {k: v for k, v in tracking.items() if k in TRACKING_KEYS}

    max_failures = data.get("max_failures", DEFAULT_MAX_FAILURES)
    if not _is_int(max_failures) or max_failures < 0:
        problems.append(f"max_failures: must be an integer >= 0, got {max_failures!r}")
        max_failures = DEFAULT_MAX_FAILURES

    scales = data.get("scales")
    if scales is not None and (not isinstance(scales, Mapping)
                               or not all(isinstance(v, Mapping) for v in scales.values())):
        problems.append(f"scales: expected {{scale name: partial spec}}, got {scales!r}")

    if problems and not collect:
        raise SpecError(problems, source)
    return SweepSpec(name=name, backend=backend, description=str(data.get("description") or ""),
                     figure=None if data.get("figure") is None else str(data["figure"]), base=base, set=set_,
                     grid=grid, arms=arms, branches=branches, seeds=list(seeds), resources=resources, stop=stop,
                     tracking=dict(tracking), max_failures=max_failures, scale=scale, source=source, raw=raw)


def _resources(r: Any, backend: Any, problems: list[str]) -> Resources:
    if r is None:
        r = {}
    if not isinstance(r, Mapping):
        problems.append(f"resources: expected {{{', '.join(RESOURCE_KEYS)}}}, got {r!r}")
        return Resources()
    _check_keys(r, "resources.", RESOURCE_KEYS, problems)
    default_gpus = 8 if backend == "verl" else 0
    gpus, nodes = r.get("gpus_per_run", default_gpus), r.get("nodes_per_run", 1)
    cpus, step_s = r.get("cpus_per_run", 1), r.get("step_seconds")
    ok = True
    if not _is_int(gpus) or gpus < 0:
        problems.append(f"resources.gpus_per_run: must be an integer >= 0, got {gpus!r}")
        ok = False
    if not _is_int(nodes) or nodes < 1:
        problems.append(f"resources.nodes_per_run: must be an integer >= 1, got {nodes!r}")
        ok = False
    if not _is_int(cpus) or cpus < 1:
        problems.append(f"resources.cpus_per_run: must be an integer >= 1, got {cpus!r}")
        ok = False
    if step_s is not None and (not _is_number(step_s) or step_s <= 0):
        problems.append(f"resources.step_seconds: must be a number of seconds > 0, got {step_s!r}")
        ok = False
    if ok and backend == "verl":
        if gpus < 1:
            problems.append(f"resources.gpus_per_run: the verl backend needs at least one GPU, got {gpus}")
        elif gpus % nodes:
            problems.append(f"resources.gpus_per_run: must be a multiple of nodes_per_run ({nodes}) "
                            f"(verl: trainer.n_gpus_per_node × trainer.nnodes), got {gpus}")
    if not ok:
        return Resources()
    return Resources(gpus, nodes, cpus, None if step_s is None else float(step_s))


def _stop_rules(rules: Any, problems: list[str]) -> list[StopRule]:
    if rules is None:
        return []
    if not isinstance(rules, list):
        problems.append(f"stop: expected a list of rules {{metric, below|above, for_steps, min_step}}, got {rules!r}")
        return []
    from microcoder import metrics as M

    out = []
    for i, rule in enumerate(rules):
        where = f"stop[{i}]"
        if not isinstance(rule, Mapping):
            problems.append(f"{where}: expected {{metric, below|above, for_steps, min_step}}, got {rule!r}")
            continue
        _check_keys(rule, f"{where}.", STOP_KEYS, problems)
        metric = rule.get("metric")
        ok = True
        if not isinstance(metric, str) or not M.is_known(metric):
            close = difflib.get_close_matches(str(metric), sorted(M.KNOWN), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{where}.metric: {metric!r} is not a metric the backends write{hint} "
                            f"(design.md §4, microcoder.metrics)")
            ok = False
        has_below, has_above = "below" in rule, "above" in rule
        if has_below == has_above:
            problems.append(f"{where}: give exactly one of below / above (the threshold)")
            ok = False
        threshold = rule.get("below" if has_below else "above")
        if (has_below or has_above) and not _is_number(threshold):
            problems.append(f"{where}.{'below' if has_below else 'above'}: must be a number, got {threshold!r}")
            ok = False
        for_steps, min_step = rule.get("for_steps", 1), rule.get("min_step", 0)
        if not _is_int(for_steps) or for_steps < 1:
            problems.append(f"{where}.for_steps: must be an integer >= 1, got {for_steps!r}")
            ok = False
        if not _is_int(min_step) or min_step < 0:
            problems.append(f"{where}.min_step: must be an integer >= 0, got {min_step!r}")
            ok = False
        if ok:
            out.append(StopRule(metric, float(threshold), has_below, for_steps, min_step))
    return out


def load_spec(path: str | Path, scale: Optional[str] = None, problems: Optional[list[str]] = None) -> SweepSpec:
    """Read and check a sweep spec file (with the `scales[scale]` overlay when given); raises SpecError (or, with
    `problems`, collects into it: see parse_spec). An unreadable file always raises."""
    path = Path(path)
    try:
        data = read_yaml(path)
    except OSError as e:
        raise SpecError([f"cannot read the spec: {e}"], str(path)) from None
    except yaml.YAMLError as e:
        raise SpecError([f"not valid YAML: {e}"], str(path)) from None
    return parse_spec(data, str(path), scale, problems)
