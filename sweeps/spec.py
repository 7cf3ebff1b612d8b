"""The sweep spec: one YAML file per ablation (design.md §1), parsed and checked key by key before anything runs.

What: `load_spec(path, scale=None)` reads a spec into a `SweepSpec` or raises `SpecError` listing every problem,
each naming its key (`arms.t0.6`, `stop[0].metric`, ...) and, for a misspelt key, the nearest valid name. Each key
is declared once, as a field of `SweepSpec` (nested ones: `Branch`, `StopRule`, `Resources`, `Tracking`,
`Checkpoints`) made by `key(doc, check, default)`: its default, its one-line doc and its check stand together, and
one generic parser (`_parse_record`) walks those fields. The top-level keys are the contract of issue #4 (more may
be added); `spec_keys_help()` lists them all with their docs and defaults (shown by `microcoder sweep plan --help`).

Why: a typo in a 12-run sweep must fail in a second at `plan`, not after hours on a cluster; so structure,
types and names are checked here and every run's config is checked in `sweeps.expand` before any submission.

How:
    spec = load_spec("sweeps/specs/temperature.yaml", scale="micro")
    spec.name, spec.backend, spec.arms, spec.branches
    print(spec_keys_help())
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import Any, Optional

import yaml

from microcoder.registry import did_you_mean
from microcoder.tracking import MODES as TRACKING_MODES
from microcoder.yaml_loading import parse_yaml

__all__ = ["Branch", "Checkpoints", "Resources", "SpecError", "StopRule", "SweepSpec", "TOP_KEYS", "Tracking",
           "apply_scale", "key", "load_spec", "parse_spec", "spec_keys", "spec_keys_help"]

DEFAULT_MAX_FAILURES = 2
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
"""Sweep, arm and branch names: they become folder names and W&B names."""

BAD = object()
"""A check's verdict on a wrong value (its problem is already listed): the key falls back to its default."""

Check = Callable[[Any, str, list, Mapping], Any]
"""check(value, key path, problems, the whole spec mapping) -> the value to keep (cleaned) or BAD."""


class SpecError(ValueError):
    """A sweep spec that cannot run; `.problems` lists every problem, each naming its key."""

    def __init__(self, problems: list[str], source: Optional[str] = None):
        self.problems = list(problems)
        self.source = source
        n = len(self.problems)
        where = f" {source}" if source else ""
        super().__init__(f"invalid sweep spec{where}: {n} problem{'s' if n != 1 else ''}"
                         + "".join(f"\n  - {p}" for p in self.problems))


# ---------------------------------------------------------------------------------------------- declaring keys


def key(doc: str, check: Optional[Check] = None, default: Any = MISSING, *, factory: Any = MISSING,
        yaml_keys: Optional[tuple[str, ...]] = None, nullable: bool = False, absent: Any = MISSING,
        default_by: Optional[Callable[[Mapping], Any]] = None, fallback: Any = MISSING, merge: int = 0,
        metavar: Optional[str] = None, record: Optional[type] = None) -> Any:
    """A spec key as a dataclass field: `doc` (one line, for `spec_keys_help`), `check`, and its default.

    yaml_keys: the YAML spelling when it differs from the field name (a tuple of several: a group of alternatives,
    e.g. stop rules' below|above; its check gets the mapping of those given). nullable: a YAML null means "absent".
    absent: a stand-in for an absent key that is checked like a given value (else an absent key takes the default
    unchecked; a key with no default is checked as None). default_by(spec mapping): a default that depends on
    other keys. fallback: the value kept after a failed check when the field has no default. merge: how many
    levels of mappings a `scales` overlay merges (see `apply_scale`). metavar/record: documentation only."""
    meta = dict(doc=doc, check=check, yaml_keys=yaml_keys, nullable=nullable, absent=absent, default_by=default_by,
                fallback=fallback, merge=merge, metavar=metavar, record=record)
    if factory is not MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _declared(cls: type) -> list[tuple[Field, tuple[str, ...]]]:
    """The fields of `cls` declared with `key`, each with its YAML key(s)."""
    return [(f, f.metadata["yaml_keys"] or (f.name,)) for f in fields(cls) if "doc" in f.metadata]


def spec_keys(cls: type) -> tuple[str, ...]:
    """Every YAML key of a spec record type, in declaration order."""
    return tuple(k for _, ks in _declared(cls) for k in ks)


def _shape(cls: type) -> str:
    """A record's keys as an expected shape, e.g. {metric, below|above, for_steps, min_step}."""
    return "{" + ", ".join("|".join(ks) + (f": {f.metadata['metavar']}" if f.metadata["metavar"] else "")
                           for f, ks in _declared(cls)) + "}"


def _default_text(f: Field) -> str:
    if f.default_factory is not MISSING:
        value = f.default_factory()
    elif f.default is not MISSING:
        value = f.default
    else:
        return "required"
    if f.metadata["default_by"] is not None or f.metadata["record"] or value in (None, "", [], {}):
        return ""  # a default that depends on other keys says so in its doc
    return f"default {value!r}"


def spec_keys_help(cls: Optional[type] = None, indent: str = "") -> str:
    """Every spec key (nested records indented under their key) with its one-line doc and default: the reference
    of the spec format, generated from the field declarations."""
    cls = cls or SweepSpec
    lines = []
    for f, ks in _declared(cls):
        name = "|".join(ks)
        default = _default_text(f)
        lines.append(f"{indent}{name:<{max(16 - len(indent), len(name) + 1)}} {f.metadata['doc']}"
                     + (f" ({default})" if default else ""))
        if f.metadata["record"] is not None:
            lines.append(spec_keys_help(f.metadata["record"], indent + "  "))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- checks


def _unknown(k: str, where: str, valid: tuple[str, ...]) -> str:
    return f"{where}{k}: unknown key{did_you_mean(k, valid)} (valid: {', '.join(valid)})"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_text(v: Any) -> bool:
    return isinstance(v, (str, int, float)) and not isinstance(v, bool)


def _int_at_least(low: int) -> Check:
    def check(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
        if _is_int(v) and v >= low:
            return v
        problems.append(f"{where}: must be an integer >= {low}, got {v!r}")
        return BAD
    return check


def _seconds(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if _is_number(v) and v > 0:
        return float(v)
    problems.append(f"{where}: must be a number of seconds > 0, got {v!r}")
    return BAD


def _text(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if _is_text(v):
        return str(v)
    problems.append(f"{where}: expected text, got {v!r}")
    return BAD


def _name(v: Any, where: str, problems: list[str], spec: Mapping = {}) -> Any:
    if isinstance(v, str) and NAME_RE.match(v):
        return v
    problems.append(f"{where}: {v!r} is not a valid name (letters, digits, '.', '_', '+', '-'; it becomes a folder "
                    f"and a W&B name)")
    return BAD


def _sweep_name(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if v is None:
        problems.append(f"{where}: missing (the sweep's name: its run folder and W&B group)")
        return BAD
    return _name(v, where, problems)


def _backend(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    from microcoder.backends import BACKENDS

    if not isinstance(v, str) or v not in BACKENDS:
        problems.append(f"{where}: {BACKENDS.unknown_message(str(v))}")
    return v  # kept even when unknown: `sweeps.expand` reports nothing more about an unknown backend


def _figure(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if _text(v, where, problems, spec) is BAD:
        return BAD
    from analysis.figures import figure_name  # the figure registry: a name or the study's number

    try:
        figure_name(str(v))
    except KeyError as e:
        problems.append(f"{where}: {str(e).strip(chr(39))} (or a study figure number such as 7_2)")
    return str(v)


def _base(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if isinstance(v, str):
        return v
    problems.append(f"{where}: expected a preset name or a run-config YAML path, got {v!r}")
    return BAD


def _overrides(v: Any, where: str, problems: list[str], spec: Mapping = {}) -> dict:
    """An override mapping ({dotted.key: value} or nested groups); its keys are checked against the run-config
    schema later (sweeps.expand), where the arm and key path are known."""
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        problems.append(f"{where}: expected a mapping of run-config keys to values (e.g. {{actor.lr: 1e-4}}), "
                        f"got {v!r}")
        return {}
    bad = [k for k in v if not isinstance(k, str) or not k]
    for k in bad:
        problems.append(f"{where}: {k!r} is not a run-config key")
    return {k: x for k, x in v.items() if k not in bad}


def _grid(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if not isinstance(v, Mapping) or not v:
        problems.append(f"{where}: expected a non-empty mapping of run-config keys to lists of values, got {v!r}")
        return BAD
    out = {}
    for k, values in v.items():
        if not isinstance(values, list) or not values:
            problems.append(f"{where}.{k}: expected a non-empty list of values, got {values!r}")
        else:
            out[str(k)] = values
    return out


def _arms(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if not isinstance(v, Mapping) or not v:
        problems.append(f"{where}: expected a non-empty mapping of arm names to overrides, got {v!r}")
        return BAD
    return {arm: _overrides(body, f"{where}.{arm}", problems) for arm, body in v.items()
            if _name(arm, f"{where}.{arm}", problems) is not BAD}


def _seeds(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if not isinstance(v, list) or not v or not all(_is_int(s) and s >= 0 for s in v):
        problems.append(f"{where}: expected a non-empty list of integers >= 0, got {v!r}")
        return BAD
    if len(set(v)) != len(v):
        problems.append(f"{where}: duplicate seeds {sorted({s for s in v if v.count(s) > 1})} "
                        f"(each seed gives one run per arm)")
    return list(dict.fromkeys(v))


def _labels(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    """Shape only: that the labels name planned arms is checked in `sweeps.expand`, where a grid's arms are known."""
    if not isinstance(v, Mapping):
        problems.append(f"{where}: expected {{arm or branch name: legend text}}, got {v!r}")
        return BAD
    out = {}
    for arm, text in v.items():
        if not _is_text(text) or str(text).strip() == "":
            problems.append(f"{where}.{arm}: expected a non-empty legend text, got {text!r}")
        else:
            out[str(arm)] = str(text)
    return out


def _ours(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if isinstance(v, str) and v:
        return v
    problems.append(f"{where}: expected an arm or branch name (the method the results table's Δ row is about), "
                    f"got {v!r}")
    return BAD


def _one_of(valid: tuple[str, ...]) -> Check:
    def check(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
        if isinstance(v, str) and v in valid:
            return v
        problems.append(f"{where}: must be one of {', '.join(valid)}, got {v!r}")
        return BAD
    return check


def _nonempty_str(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if isinstance(v, str) and v.strip():
        return v
    problems.append(f"{where}: must be a non-empty string, got {v!r}")
    return BAD


def _steps(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if isinstance(v, list) and all(_is_int(x) and x >= 0 for x in v):
        return v
    problems.append(f"{where}: must be a list of steps >= 0, got {v!r}")
    return BAD


def _runtime_env(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if isinstance(v, Mapping) and isinstance(v.get("env_vars") or {}, Mapping):
        return dict(v)
    problems.append(f"{where}: expected a Ray runtime_env mapping (env_vars: {{NAME: value}}, py_modules, ...), "
                    f"got {v!r}")
    return BAD


def _scales(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if isinstance(v, Mapping) and all(isinstance(x, Mapping) for x in v.values()):
        return dict(v)
    problems.append(f"{where}: expected {{scale name: partial spec}}, got {v!r}")
    return BAD


def _metric(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    from microcoder import metrics as M

    if isinstance(v, str) and M.is_known(v):
        return v
    problems.append(f"{where}: {v!r} is not a metric the backends write{did_you_mean(v, M.KNOWN)} "
                    f"(design.md §4, microcoder.metrics)")
    return BAD


def _threshold(given: Mapping, where: str, problems: list[str], spec: Mapping) -> Any:
    """The group below|above: exactly one, a number; sets both `threshold` and `below`."""
    ok = len(given) == 1
    if not ok:
        problems.append(f"{where}: give exactly one of below / above (the threshold)")
    if not given:
        return BAD
    which = "below" if "below" in given else "above"
    if not _is_number(given[which]):
        problems.append(f"{where}.{which}: must be a number, got {given[which]!r}")
        return BAD
    return {"threshold": float(given[which]), "below": which == "below"} if ok else BAD


def _parent(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if isinstance(v, str):
        return v
    problems.append(f"{where}: missing or not a name (the arm this branch continues)")
    return BAD


def _at_step(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if _is_int(v) and v >= 1:
        return v
    problems.append(f"{where}: must be a step >= 1 of the parent, got {v!r}")
    return BAD


def _record(cls: type, as_dict: bool = False, **extra: Any) -> Check:
    """The check of a nested record (a mapping whose keys are `cls`'s declared fields): a `cls`, or with
    `as_dict` the mapping of its known keys as given."""
    def check(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
        if not isinstance(v, Mapping):
            problems.append(f"{where}: expected {_shape(cls)}, got {v!r}")
            return BAD
        kw, ok = _parse_record(cls, v, where, problems, spec)
        if as_dict:  # the known keys as given (a wrong value is listed here and again by the run-config check)
            return {k: x for k, x in v.items() if k in spec_keys(cls)}
        if not ok:
            return BAD
        out = cls(**extra, **kw)
        if hasattr(out, "check_whole"):
            out.check_whole(where, problems, spec)
        return out
    return check


def _branches(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if not isinstance(v, Mapping):
        problems.append(f"{where}: expected a mapping of branch names to {{{', '.join(spec_keys(Branch))}}}, "
                        f"got {v!r}")
        return BAD
    out = []
    for name, body in v.items():
        at = f"{where}.{name}"
        if _name(name, at, problems) is not BAD and (b := _record(Branch, name=name)(body, at, problems, spec)) \
                is not BAD:
            out.append(b)
    return out


def _stop_rules(v: Any, where: str, problems: list[str], spec: Mapping) -> Any:
    if not isinstance(v, list):
        problems.append(f"{where}: expected a list of rules {_shape(StopRule)}, got {v!r}")
        return BAD
    rules = (_record(StopRule)(rule, f"{where}[{i}]", problems, spec) for i, rule in enumerate(v))
    return [r for r in rules if r is not BAD]


# ---------------------------------------------------------------------------------------------- the schema


@dataclass(frozen=True)
class Branch:
    """A run that continues every run of arm `parent` from its checkpoint at `at_step`, with `set` applied."""

    name: str
    parent: str = key("the arm (or earlier branch) whose every run this branch continues", _parent,
                      yaml_keys=("from",), absent=None, metavar="ARM")
    at_step: int = key("the parent's step whose checkpoint it continues from (>= 1)", _at_step, absent=None,
                       metavar="K")
    set: dict = key("run-config overrides of the branch (design.md §3)", _overrides, factory=dict, nullable=True,
                    metavar="{...}")


@dataclass(frozen=True)
class StopRule:
    """Stop a run once `metric` has been below (or above) `threshold` on `for_steps` consecutive logged steps
    (rows without the metric neither count nor reset), looking only at steps >= `min_step`."""

    metric: str = key("a metric the backends write (design.md §4), e.g. train/response_diversity", _metric,
                      absent=None)
    threshold: float = key("the threshold: stop when the metric is below it, or above it (give exactly one)",
                           _threshold, yaml_keys=("below", "above"))
    below: bool
    for_steps: int = key("consecutive logged steps past the threshold before the run stops", _int_at_least(1), 1)
    min_step: int = key("the first step the rule looks at", _int_at_least(0), 0)

    def describe(self) -> str:
        return (f"{self.metric} {'<' if self.below else '>'} {self.threshold:g} for {self.for_steps} step"
                f"{'s' if self.for_steps != 1 else ''}" + (f" (from step {self.min_step})" if self.min_step else ""))


@dataclass(frozen=True)
class Resources:
    """What one run needs. `gpus_per_run` counts all its GPUs (across `nodes_per_run` nodes); `cpus_per_run` is
    the CPU reservation of a local run (and its torch threads); `step_seconds` estimates one step's wall time."""

    gpus_per_run: int = key("all GPUs of one run, across its nodes (default 8 on verl, else 0)", _int_at_least(0), 0,
                            default_by=lambda spec: 8 if spec.get("backend") == "verl" else 0)
    nodes_per_run: int = key("nodes of one run", _int_at_least(1), 1)
    cpus_per_run: int = key("CPU reservation of a local run (and its torch threads)", _int_at_least(1), 1)
    step_seconds: Optional[float] = key("estimated wall time of one step, for the plan's GPU-hours", _seconds, None,
                                        nullable=True)

    def check_whole(self, where: str, problems: list[str], spec: Mapping) -> None:
        """What the verl backend needs besides each key's own check."""
        gpus, nodes = self.gpus_per_run, self.nodes_per_run
        if spec.get("backend") != "verl":
            return
        if gpus < 1:
            problems.append(f"{where}.gpus_per_run: the verl backend needs at least one GPU, got {gpus}")
        elif gpus % nodes:
            problems.append(f"{where}.gpus_per_run: must be a multiple of nodes_per_run ({nodes}) "
                            f"(verl: trainer.n_gpus_per_node × trainer.nnodes), got {gpus}")


@dataclass(frozen=True)
class Tracking:
    """W&B settings of every run (kept in `SweepSpec.tracking` as the mapping of the known keys given)."""

    project: Optional[str] = key("W&B project", _nonempty_str, None)
    mode: Optional[str] = key(f"W&B mode: {' | '.join(TRACKING_MODES)}", _one_of(TRACKING_MODES), None)


@dataclass(frozen=True)
class Checkpoints:
    """(verl) Checkpoints kept besides every branch point (probes' steps); the rest are pruned
    (microcoder.backends.verl.checkpoints). Kept in `SweepSpec.checkpoints` as the mapping of the known keys given."""

    keep_last: int = key("the latest checkpoints kept", _int_at_least(1), 2)
    keep_every: int = key("also keep every K-th step's checkpoint (0: none)", _int_at_least(0), 0)
    keep_steps: list = key("also keep these steps' checkpoints", _steps, factory=list)


@dataclass
class SweepSpec:
    name: str = key("the sweep's name: its run folder <out>/<name>/ and W&B group", _sweep_name, absent=None,
                    fallback="unnamed")
    description: str = key("free text", _text, "", nullable=True)
    figure: Optional[str] = key("the study figure the sweep feeds (a figure name or number, e.g. 7_2)", _figure,
                                None, nullable=True)
    backend: str = key("local | verl (microcoder.backends.BACKENDS)", _backend, "local")
    base: Optional[str] = key("a preset (grpo, dapo, microcoder-grpo) or a run-config YAML path (relative to the "
                              "spec)", _base, None, nullable=True)
    set: dict = key("overrides of every run: {dotted.key: value} or nested groups; values may be schedules",
                    _overrides, factory=dict, nullable=True, merge=1)
    grid: dict = key("{dotted.key: [values]}: crossed with each other (and with `arms` when both are given)", _grid,
                     factory=dict, merge=1)
    arms: dict = key("{arm name: {dotted.key: value}}: named override sets; an arm is the W&B job_type", _arms,
                     factory=dict, merge=2)
    branches: list[Branch] = key("{branch name: {from, at_step, set}}: continue every run of an arm from its "
                                 "checkpoint", _branches, factory=list, nullable=True, record=Branch)
    seeds: list[int] = key("one run per seed (sets trainer.seed)", _seeds, factory=lambda: [0])
    labels: dict[str, str] = key("{arm or branch name: text}: legend names of figures and report (default: the "
                                 "name)", _labels, factory=dict, nullable=True, merge=1)
    ours: Optional[str] = key("the arm or branch the results table's Δ row is about (checked in sweeps.expand)",
                              _ours, None, nullable=True)
    resources: Resources = key("what one run needs, and a per-step wall-time estimate", _record(Resources),
                               factory=Resources, nullable=True, absent={}, merge=1, record=Resources)
    stop: list[StopRule] = key("[{metric, below|above, for_steps, min_step}]: early-stop rules on the metrics "
                               "stream", _stop_rules, factory=list, nullable=True, record=StopRule)
    tracking: dict = key("{project, mode}: W&B project and mode of every run", _record(Tracking, as_dict=True),
                         factory=dict, nullable=True, merge=1, record=Tracking)
    max_failures: int = key("retries of a failed run before it is given up", _int_at_least(0),
                            DEFAULT_MAX_FAILURES)
    scales: dict = key("{scale name: partial spec}: an overlay chosen with --scale NAME, merged over the spec "
                       "(apply_scale)", _scales, factory=dict, nullable=True)
    runtime_env: Optional[dict] = key("(verl) a Ray runtime_env merged over cluster/runtime_env.yaml for this "
                                      "sweep's jobs", _runtime_env, None, nullable=True)
    checkpoints: dict = key("(verl) checkpoint keep policy besides every branch point",
                            _record(Checkpoints, as_dict=True), factory=dict, nullable=True, record=Checkpoints)
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


TOP_KEYS = spec_keys(SweepSpec)


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


# merge depth per top-level key (each key's `merge`): `set`/`grid` merge key by key (a value, even a schedule
# mapping, replaces whole); `arms` arm by arm and then key by key; `branches` field by field, their `set` key by key
_MERGE_DEPTH = {ks[0]: f.metadata["merge"] for f, ks in _declared(SweepSpec) if f.metadata["merge"]}


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
                    fields_ = dict(merged[b])
                    for fk, fv in bv.items():
                        if fv is None:
                            fields_.pop(fk, None)
                        else:
                            fields_[fk] = _merge(fields_.get(fk), fv, 1 if fk == "set" else 0)
                    merged[b] = fields_
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


def _parse_record(cls: type, data: Mapping, where: str, problems: list[str],
                  spec: Mapping) -> tuple[dict[str, Any], bool]:
    """The keyword arguments of `cls` from the mapping `data` at key path `where` (walking `cls`'s declared keys),
    and whether every key passed its check. Unknown keys and every failed check append a problem naming its key;
    a key that fails falls back to its default (or is left out)."""
    prefix = f"{where}." if where else ""
    valid = spec_keys(cls)
    problems.extend(_unknown(str(k), prefix, valid) for k in data if k not in valid)
    kw: dict[str, Any] = {}
    ok = True
    for f, ks in _declared(cls):
        m = f.metadata
        if len(ks) > 1:  # a group of alternative keys: the check sees those given and returns several fields
            value = m["check"]({k: data[k] for k in ks if k in data}, where, problems, spec)
            ok = ok and value is not BAD
            kw.update(value if value is not BAD else {})
            continue
        k = ks[0]
        if k not in data or (data[k] is None and m["nullable"]):
            if m["absent"] is not MISSING:
                value = copy.deepcopy(m["absent"])
            elif m["default_by"] is not None:
                kw[f.name] = m["default_by"](spec)
                continue
            else:
                continue  # the dataclass default
        else:
            value = data[k]
        value = m["check"](value, f"{prefix}{k}", problems, spec) if m["check"] else value
        if value is BAD:
            ok = False
            if m["fallback"] is not MISSING:
                kw[f.name] = m["fallback"]
        else:
            kw[f.name] = value
    return kw, ok


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
    kw, _ = _parse_record(SweepSpec, data, "", problems, data)
    if problems and not collect:
        raise SpecError(problems, source)
    return SweepSpec(**kw, scale=scale, source=source, raw=copy.deepcopy(dict(data)))


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
