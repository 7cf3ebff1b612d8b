"""The run config: every setting of one RL run, backend-neutral, as dataclasses mirrored in YAML (design.md §2).

What: `RunConfig` groups model, data, rollout, actor, algorithm, mask, reward, trainer and tracking settings,
named as in verl 0.9.1 wherever verl has a name. A field is declared once, in its dataclass below:
`_f(default, help, choices, check=..., verl=...)` holds its default, its one-line help (`field_help(key)`,
`all_field_help()`), its allowed values (`choices(key)`), its range check (`constraint(key)`: a `Constraint` —
`positive`, `positive_int`, `non_negative`, `probability`, `in_range(lo, hi)`, ... — enforced at load) and, where its
value goes to verl as it is, its verl key (`verl_keys()`: the verl backend's translation table). Checks that involve
more than one field (mini-batch divides batch, n >= 2 for group estimators, schedules) are code in
`_value_problems`. Defaults suit the tiny CPU model of design.md §9 (16 prompts × 8 samples, ≤ 64 new tokens).

Why: a run must be reproducible from one YAML file, and a typo or a bad value must fail at load — naming the
key, what is allowed, and every other problem at once — not 20 minutes into a run.

How:
    cfg = load_config("run.yaml", [
        "actor.lr=1e-4",
        "rollout.temperature={kind: staged, stages: [[0, 0.6], [140, 1.8]]}"
    ])
    cfg = load_config(None, preset="microcoder-grpo")
    print(to_yaml(cfg))

Layers, later wins: dataclass defaults ← preset delta (`microcoder/presets/<name>.yaml`, chosen by the
`preset` argument, else a `preset=` override, else the file's `preset:`/`defaults:` key) ← the YAML file ←
dotted `key=value` overrides (values parsed as YAML). Nested groups merge key by key; a schedule given as a
value replaces the schedule below it whole, while a dotted override into it (`rollout.temperature.target=0.5`)
edits one field. Problems are collected and raised together as one `ConfigError`.

Schedules: `data.max_response_length` and `rollout.temperature` are typed `Any` in the OmegaConf schema
(OmegaConf 2.3 has no union of a number and a mapping) and validated by `microcoder.recipe.schedules
.make_schedule`: a number, or `{kind: constant|staged|linear, ...}`, or for temperature `{kind: auto, ...}`.
Get the `Schedule` objects with `cfg.data.max_response_length_schedule()` and
`cfg.rollout.temperature_schedule()` (a fresh object per call: keep the one you resolve).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import yaml

from microcoder.tracking import MODES as TRACKING_MODES
from microcoder.yaml_loading import parse_yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from microcoder.data.prompts import PROMPTS
from microcoder.evaluator.comparators import COMPARATORS
from microcoder.models import model_names
from microcoder.recipe.mask_registry import ELIGIBILITY, MASKS
from microcoder.recipe.schedules import Schedule, ScheduleError, make_schedule
from microcoder.registry import did_you_mean

__all__ = [
    "ConfigError",
    "RunConfig",
    "all_field_help",
    "Constraint",
    "choices",
    "constraint",
    "field_help",
    "from_dict",
    "load_config",
    "preset_names",
    "to_dict",
    "to_yaml",
    "validate_config",
    "verl_keys",
]

PRESET_DIR = Path(__file__).parent / "presets"

GROUP_ESTIMATORS = ("grpo", "rloo")  # advantage estimators that compare the n responses of one prompt

Choices = Union[tuple[str, ...], Callable[[], Sequence[str]]]


@dataclass(frozen=True)
class Constraint:
    """A field's range check: `ok(value)` is true for an allowed value; `allowed` completes "<key>: must be ..."."""

    ok: Callable[[Any], bool]
    allowed: str


positive_int = Constraint(lambda v: v >= 1, "a positive integer")
non_negative_int = Constraint(lambda v: v >= 0, "an integer >= 0")
positive = Constraint(lambda v: v > 0, "> 0")
non_negative = Constraint(lambda v: v >= 0, ">= 0")
probability = Constraint(lambda v: 0 <= v <= 1, "a probability in [0, 1]")
non_empty = Constraint(lambda v: bool(v and v.strip()), "a non-empty string")


def in_range(lo: float, hi: float, *, closed: str = "neither", why: str = "") -> Constraint:
    """lo < v < hi, with `closed` = neither | left | right | both saying which ends are allowed; `why` is appended
    to the message in parentheses."""
    left, right = closed in ("left", "both"), closed in ("right", "both")
    words = f"in {'[' if left else '('}{lo}, {hi}{']' if right else ')'}" + (f" ({why})" if why else "")
    return Constraint(lambda v: (lo <= v if left else lo < v) and (v <= hi if right else v < hi), words)


def _f(default: Any, help: str, choices: Optional[Choices] = None, *, check: Optional[Constraint] = None,
       verl: Optional[str] = None) -> Any:
    """A dataclass field with its one-line help (read back by `field_help`) and, where it has them: its allowed
    values (`choices`: a tuple, or a registry's `names`, lazy entries included, so nothing heavy is imported), its
    range `check` (a `Constraint`, enforced at load), and `verl`, the verl 0.9.1 key its value is copied to as it
    is (read by microcoder.backends.verl.translate; settings verl takes another way leave it out)."""
    extra = {"choices": choices, "check": check, "verl": verl}
    metadata = {"help": help, **{k: v for k, v in extra.items() if v is not None}}
    if isinstance(default, type):
        return field(default_factory=default, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class ModelConfig:
    path: Optional[str] = _f(None, "HF model directory (or hub id); when set it is used instead of `preset`.")
    preset: Optional[str] = _f("micro", "Named model: micro (tiny Qwen2, CPU), micro-prev, smollm2-135m, "
                                        "qwen3-4b-instruct.",
                               model_names)


@dataclass
class DataConfig:
    train: str = _f("micro-mixed", "Training dataset: a micro name (micro-easy, micro-hard, micro-mixed), a prepared "
                                   "folder or name under $MICROCODER_DATA_DIR (microcoder data prepare), or a file.",
                   check=non_empty)
    test: str = _f("micro-mixed", "Fixed test dataset behind test/accuracy: a registered name or a file path.",
                  check=non_empty)
    max_prompt_length: int = _f(128, "Prompt token limit; longer prompts are filtered out.", check=positive_int,
                                verl="data.max_prompt_length")
    max_response_length: Any = _f(64, "Response token limit L_max: an int or an int schedule (constant|staged|linear).")
    train_batch_size: int = _f(16, "Prompts per rollout round (each sampled rollout.n times).", check=positive_int,
                               verl="data.train_batch_size")
    train_size: int = _f(2000, "Problems drawn from a generated training set (ignored for files: all are used).",
                         check=positive_int)
    test_size: int = _f(200, "Problems in the fixed test set behind test/accuracy (generated sets; files: all).",
                        check=positive_int)
    prompt_template: str = _f("livecodebench", "Prompt template of prepared data (microcoder.data.prompts): "
                                               "livecodebench (its official prompt) or plain; micro sets keep theirs.",
                              PROMPTS.names)

    def max_response_length_schedule(self) -> Schedule:
        """`max_response_length` as an integer `Schedule` (value_at(step) → int)."""
        return make_schedule(self.max_response_length, integer=True, allow_auto=False)


@dataclass
class RolloutConfig:
    n: int = _f(8, "Responses per prompt: the GRPO group size G (>= 2 for group estimators).", check=positive_int,
                verl="actor_rollout_ref.rollout.n")
    temperature: Any = _f(1.0, "Sampling temperature: a number or a schedule (constant|staged|linear|auto).")
    top_p: float = _f(1.0, "Nucleus sampling mass in (0, 1]; 1.0 samples the full distribution.",
                      check=in_range(0, 1, closed="right"), verl="actor_rollout_ref.rollout.top_p")
    val_temperature: float = _f(1.0, "Temperature for test/accuracy sampling; 0 means greedy.", check=non_negative,
                                verl="actor_rollout_ref.rollout.val_kwargs.temperature")
    val_n: int = _f(4, "Samples per test prompt; test/accuracy is their mean pass rate (pass@1).", check=positive_int,
                    verl="actor_rollout_ref.rollout.val_kwargs.n")

    def temperature_schedule(self) -> Schedule:
        """`temperature` as a `Schedule`; an `auto` one must be `resolve(probe)`d before use."""
        return make_schedule(self.temperature, allow_auto=True)


@dataclass
class ActorConfig:
    ppo_mini_batch_size: int = _f(8, "Prompts per parameter update; must divide data.train_batch_size.",
                                  check=positive_int, verl="actor_rollout_ref.actor.ppo_mini_batch_size")
    lr: float = _f(5e-5, "Adam learning rate of the policy (design.md §9: 5e-5 learns, 5e-4 collapses).",
                   check=positive, verl="actor_rollout_ref.actor.optim.lr")
    weight_decay: float = _f(0.0, "AdamW weight decay of the policy.", check=non_negative,
                             verl="actor_rollout_ref.actor.optim.weight_decay")
    grad_clip: float = _f(1.0, "Clip the policy gradient's global norm to this value.", check=positive,
                          verl="actor_rollout_ref.actor.optim.clip_grad")  # the key 0.9.1's engines read
    entropy_coeff: float = _f(0.0, "Weight of the entropy bonus in the policy loss (0 = none).", check=non_negative,
                              verl="actor_rollout_ref.actor.entropy_coeff")
    loss_agg_mode: str = _f("token-mean", "How token losses are averaged (verl agg_loss): token-mean is DAPO's.",
                            ("token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"),
                            verl="actor_rollout_ref.actor.loss_agg_mode")
    use_kl_loss: bool = _f(False, "Add a KL(π_θ‖π_ref) loss term (GRPO); MicroCoder-GRPO and DAPO drop it.",
                           verl="actor_rollout_ref.actor.use_kl_loss")
    kl_loss_coef: float = _f(0.001, "Weight β of the KL loss term when use_kl_loss.", check=non_negative,
                             verl="actor_rollout_ref.actor.kl_loss_coef")
    kl_loss_type: str = _f("low_var_kl", "KL estimator (verl kl_penalty): low_var_kl = k3 (Schulman 2020).",
                           ("low_var_kl", "k3", "kl", "k1", "mse", "k2", "abs"),
                           verl="actor_rollout_ref.actor.kl_loss_type")
    clip_ratio_low: float = _f(0.2, "PPO clip ε: the ratio is clipped below at 1 − ε.",
                               check=in_range(0, 1, why="the ratio is clipped below at 1 − ε"),
                               verl="actor_rollout_ref.actor.clip_ratio_low")
    clip_ratio_high: float = _f(0.2, "PPO clip ε_high: clipped above at 1 + ε_high; 0.28 is DAPO's clip-higher.",
                                check=positive, verl="actor_rollout_ref.actor.clip_ratio_high")


@dataclass
class AlgorithmConfig:
    adv_estimator: str = _f("grpo", "Advantage estimator (verl name): grpo or rloo, both group-relative.",
                            GROUP_ESTIMATORS, verl="algorithm.adv_estimator")
    norm_adv_by_std_in_grpo: bool = _f(True, "Divide GRPO advantages by the group's reward std (False = Dr. GRPO).",
                                       verl="algorithm.norm_adv_by_std_in_grpo")


@dataclass
class MaskConfig:
    mode: str = _f("none", "Truncation mask: none | complete (overlong filtering) | conditional (MicroCoder-GRPO).",
                   MASKS.names)
    ratio: float = _f(0.1, "ρ: chance that an eligible truncated response is masked (conditional only), in [0, 1].",
                      check=probability)
    repeat_window: int = _f(128, "m: a response whose last m tokens repeat the m before is never masked.",
                            check=positive_int)
    eligible: str = _f("non-incorrect", "Which truncated responses the conditional mask may zero: non-incorrect "
                       "(the equation: passed, or cut off before a closed answer block) | correct (passed only).",
                       ELIGIBILITY)


@dataclass
class OverlongBufferConfig:
    enable: bool = _f(False, "DAPO's soft overlong punishment (arXiv:2503.14476 §3.4): reward penalty near L_max.")
    len: int = _f(16, "L_cache: the last `len` tokens before L_max; the penalty rises linearly from 0 to −1 there.")
    penalty_factor: float = _f(1.0, "Scale of the overlong penalty added to the reward.", check=non_negative)


@dataclass
class RewardConfig:
    evaluator: str = _f("microcoder", "Code evaluator: microcoder (robust) or strict (LiveCodeBench-style).",
                        COMPARATORS.names)
    time_limit_s: float = _f(2.0, "Wall-clock limit per test case, seconds.", check=positive)
    memory_mb: int = _f(1024, "Address-space limit (RLIMIT_AS) per judged program, MiB.", check=positive_int)
    overlong_buffer: OverlongBufferConfig = _f(
        OverlongBufferConfig, "DAPO's soft overlong penalty (verl: reward_model.overlong_buffer)."
    )


@dataclass
class TrainerConfig:
    total_steps: int = _f(20, "Training steps (rollout + update rounds) of the run.", check=positive_int,
                          verl="trainer.total_training_steps")
    test_freq: int = _f(5, "Evaluate test/accuracy every this many steps (0 = only at the end).",
                        check=non_negative_int)
    save_freq: int = _f(10, "Save a checkpoint every this many steps (0 = only at the end).",
                        check=non_negative_int)
    seed: int = _f(0, "Seed of every RNG of the run (sampling, masks, data order).", check=non_negative_int)


@dataclass
class TrackingConfig:
    project: str = _f("microcoder", "W&B project name.", check=non_empty, verl="trainer.project_name")
    mode: str = _f("offline", "W&B mode: offline (default; `wandb sync` later), online, or disabled.",
                   TRACKING_MODES)


@dataclass
class RunConfig:
    model: ModelConfig = _f(ModelConfig, "The policy to train.")
    data: DataConfig = _f(DataConfig, "Datasets, token limits and rollout batch size.")
    rollout: RolloutConfig = _f(RolloutConfig, "Sampling of responses.")
    actor: ActorConfig = _f(ActorConfig, "Policy optimisation.")
    algorithm: AlgorithmConfig = _f(AlgorithmConfig, "Advantage estimation.")
    mask: MaskConfig = _f(MaskConfig, "Truncation mask on advantages (microcoder.recipe.truncation_mask).")
    reward: RewardConfig = _f(RewardConfig, "Reward: code evaluator and sandbox limits.")
    trainer: TrainerConfig = _f(TrainerConfig, "Length and checkpointing of the run.")
    tracking: TrackingConfig = _f(TrackingConfig, "Experiment tracking (W&B).")


# ---------------------------------------------------------------------------------------------- schema map


def _schema(cls: type, prefix: str = "") -> dict[str, tuple[Any, dataclasses.Field]]:
    """Every dotted path (groups and leaves) → (type, dataclass field)."""
    hints = typing.get_type_hints(cls)
    out: dict[str, tuple[Any, dataclasses.Field]] = {}
    for f in dataclasses.fields(cls):
        path = f"{prefix}{f.name}"
        out[path] = (hints[f.name], f)
        if dataclasses.is_dataclass(hints[f.name]):
            out.update(_schema(hints[f.name], path + "."))
    return out


SCHEMA = _schema(RunConfig)


def choices(key: str) -> tuple[str, ...]:
    """The allowed values of an enumerated setting, e.g. choices("mask.mode"); () for a free one."""
    allowed = SCHEMA[key][1].metadata.get("choices", ())
    return tuple(allowed() if callable(allowed) else allowed)


CHOICES: dict[str, tuple[str, ...]] = {k: choices(k) for k in SCHEMA if choices(k)}
"""Every enumerated setting → its allowed values, as the registries behind them hold them at import."""


def constraint(key: str) -> Optional[Constraint]:
    """The range check declared on a setting, e.g. constraint("mask.ratio").allowed; None for an unchecked one."""
    return SCHEMA[key][1].metadata.get("check")


def verl_keys() -> dict[str, str]:
    """Every setting copied to verl 0.9.1 as it is → its verl key, in schema order (the verl backend's table)."""
    return {k: f.metadata["verl"] for k, (tp, f) in SCHEMA.items() if "verl" in f.metadata}


def _is_group(path: str) -> bool:
    return path == "" or dataclasses.is_dataclass(SCHEMA[path][0])


def _children(path: str) -> list[str]:
    cls = RunConfig if path == "" else SCHEMA[path][0]
    return [f.name for f in dataclasses.fields(cls)]


def _join(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _type_words(tp: Any) -> str:
    words = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}
    if tp is Any:
        return "a number or a schedule mapping"
    if typing.get_origin(tp) is Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(_type_words(a) for a in args) + " or null"
    return words.get(tp, getattr(tp, "__name__", str(tp)))


def field_help(key: str) -> str:
    """The one-line help of a config key, e.g. field_help("actor.clip_ratio_high"); groups have one too."""
    if key not in SCHEMA:
        raise KeyError(_unknown_key_message(key))
    return SCHEMA[key][1].metadata["help"]


def all_field_help() -> dict[str, str]:
    """Every leaf key → its help, in schema order (for `--help`-style listings and docs)."""
    return {k: f.metadata["help"] for k, (tp, f) in SCHEMA.items() if not _is_group(k)}


def preset_names() -> list[str]:
    """The presets shipped in microcoder/presets/*.yaml."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


# ---------------------------------------------------------------------------------------------- errors


class ConfigError(ValueError):
    """One or more problems with a run config; `.problems` lists each, naming its key path."""

    def __init__(self, problems: Sequence[str], source: Optional[str] = None):
        self.problems = list(problems)
        where = f" ({source})" if source else ""
        n = len(self.problems)
        head = f"invalid run config{where}: {n} problem{'s' if n != 1 else ''}"
        super().__init__(head + "".join(f"\n  - {p}" for p in self.problems))


def _unknown_key_message(path: str) -> str:
    """'<key>: unknown key; did you mean ...? (valid keys under <group>: ...)' for a path not in the schema."""
    parent = ""
    for part in path.split("."):
        here = _join(parent, part)
        if here not in SCHEMA:
            break
        if not _is_group(here):
            return f"{here}: is a setting, not a group ({path!r} goes below it)"
        parent = here
    else:
        return f"{path}: is a group of settings, not a setting"
    siblings = _children(parent)
    hint = did_you_mean(part, {s: _join(parent, s) for s in siblings})
    if not hint:  # the right name under another group: `actor.temperature` → `rollout.temperature`
        elsewhere = {k.rsplit(".", 1)[-1]: k for k in reversed(SCHEMA)}  # the first key of each name
        hint = did_you_mean(part, elsewhere, cutoff=0.75)
    where = f" under {parent}" if parent else ""
    return f"{_join(parent, part)}: unknown key{hint} (valid keys{where}: {', '.join(siblings)})"


# ---------------------------------------------------------------------------------------------- YAML


_parse_yaml = parse_yaml  # strict: 1e-4 is a float, duplicate keys are errors (microcoder/yaml_loading.py)


# ---------------------------------------------------------------------------------------------- loading


def _preset_layer(name: Any, problems: list[str]) -> dict:
    if not isinstance(name, str) or name not in preset_names():
        hint = did_you_mean(name, preset_names())
        problems.append(f"preset: unknown preset {name!r}{hint} (valid: {', '.join(preset_names())})")
        return {}
    data = _parse_yaml((PRESET_DIR / f"{name}.yaml").read_text()) or {}
    if not isinstance(data, dict):
        problems.append(f"preset {name!r}: the preset file is not a mapping")
        return {}
    return data


Leaf = tuple[str, str, Any]  # (label naming where it came from, dotted key, value)


def _leaves(data: Any, parent: str, label: str, problems: list[str]) -> list[Leaf]:
    """(label, dotted key, value) for every setting in a nested mapping under group `parent`; unknown keys →
    problems."""
    if not isinstance(data, Mapping):
        what = parent or "the config"
        problems.append(f"{label}{what}: expected a mapping of {', '.join(_children(parent))}; got {data!r}")
        return []
    out: list[Leaf] = []
    for k, v in data.items():
        path = _join(parent, str(k))
        if not isinstance(k, str) or path not in SCHEMA:
            problems.append(label + _unknown_key_message(path))
        elif _is_group(path):
            out += _leaves(v, path, label, problems)
        else:
            out.append((label, path, v))
    return out


def _override_leaves(override: str, problems: list[str]) -> tuple[list[Leaf], Any]:
    """Parse one `key=value` override → (leaves, preset name or None)."""
    label = f"override {override!r}: "
    key, eq, text = override.partition("=")
    key = key.strip()
    if not eq or not key:
        problems.append(f"{label}expected key=value (e.g. actor.lr=1e-4)")
        return [], None
    try:
        value = _parse_yaml(text) if text.strip() else None
    except yaml.YAMLError as e:
        problems.append(f"{label}{key}: the value is not valid YAML ({str(e).splitlines()[0]})")
        return [], None
    if key in ("preset", "defaults"):
        return [], value
    if key in SCHEMA:
        return (_leaves(value, key, label, problems) if _is_group(key) else [(label, key, value)]), None
    # a dotted edit inside a schedule: rollout.temperature.target=0.5
    for schedule_key in (k for k, (tp, _) in SCHEMA.items() if tp is Any):
        if key.startswith(schedule_key + "."):
            return [(label, key, value)], None
    problems.append(label + _unknown_key_message(key))
    return [], None


def _preset_names_from(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def load_config(path: Union[str, Path, None] = None, overrides: Sequence[str] = (),
                preset: Optional[str] = None) -> RunConfig:
    """Load a run config: defaults ← preset delta ← YAML file at `path` ← `key=value` overrides; validated.

    Raises ConfigError listing every problem (unknown keys with the nearest valid name, wrong types, values
    outside their allowed set or range, malformed schedules, inconsistent batch sizes).
    """
    problems: list[str] = []
    file_layer: dict = {}
    source = str(path) if path is not None else None
    if path is not None:
        try:
            loaded = _parse_yaml(Path(path).read_text())
        except OSError as e:
            raise ConfigError([f"cannot read the config file: {e}"], source) from None
        except yaml.YAMLError as e:
            raise ConfigError([f"not valid YAML: {e}"], source) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError([f"the file must hold a mapping of settings, got {type(loaded).__name__}"], source)
        file_layer = dict(loaded or {})
    if "preset" in file_layer and "defaults" in file_layer:
        problems.append("preset, defaults: give the preset once (`preset: <name>`)")
    file_presets = _preset_names_from(file_layer.pop("preset", None) or file_layer.pop("defaults", None))
    file_layer.pop("defaults", None)

    override_leaves: list[Leaf] = []
    override_presets: list[Any] = []
    if isinstance(overrides, str):
        overrides = [overrides]
    for o in overrides:
        leaves, named = _override_leaves(o, problems)
        override_leaves += leaves
        override_presets += _preset_names_from(named)

    presets = _preset_names_from(preset) or override_presets or file_presets
    leaves: list[Leaf] = []
    for name in presets:
        leaves += _leaves(_preset_layer(name, problems), "", f"preset {name!r}: ", problems)
    leaves += _leaves(file_layer, "", "", problems)
    leaves += override_leaves
    return _build(leaves, problems, source)


def from_dict(data: Mapping[str, Any]) -> RunConfig:
    """A validated RunConfig from a nested mapping of settings over the defaults (no preset)."""
    problems: list[str] = []
    return _build(_leaves(data, "", "", problems), problems, None)


def validate_config(cfg: RunConfig) -> RunConfig:
    """Re-check a RunConfig built in code; returns a clean copy or raises ConfigError."""
    return from_dict(dataclasses.asdict(cfg))


def _build(leaves: list[Leaf], problems: list[str], source: Optional[str]) -> RunConfig:
    """Apply the leaves in order to the OmegaConf schema (its type errors → problems), then check values."""
    conf = OmegaConf.structured(RunConfig)
    bad: set[str] = set()
    for label, key, value in leaves:
        setting = key
        while setting not in SCHEMA and "." in setting:  # a dotted edit inside a schedule
            setting = setting.rsplit(".", 1)[0]
        try:
            OmegaConf.update(conf, key, value, merge=False)
            bad.discard(setting)
        except OmegaConfBaseException as e:
            expected = f" (expected {_type_words(SCHEMA[setting][0])})" if setting in SCHEMA else ""
            problems.append(f"{label}{key}: {str(e).splitlines()[0]}{expected}")
            bad.add(setting)
    try:
        cfg = OmegaConf.to_object(conf)
    except OmegaConfBaseException as e:
        key = getattr(e, "full_key", None) or "?"
        problems.append(f"{key}: {str(e).splitlines()[0]}")
        raise ConfigError(problems, source) from None
    assert isinstance(cfg, RunConfig)
    problems += _value_problems(cfg, bad)
    if problems:
        raise ConfigError(problems, source)
    return cfg


# ---------------------------------------------------------------------------------------------- values


def _value_problems(cfg: RunConfig, skip: set[str]) -> list[str]:
    """Choice, range (both declared on the fields), schedule and cross-field checks; keys already reported as
    mistyped are skipped."""
    problems: list[str] = []

    def get(key: str) -> Any:
        obj: Any = cfg
        for part in key.split("."):
            obj = getattr(obj, part)
        return obj

    def check(key: str, ok: Any, allowed: str) -> None:
        if key not in skip and not ok(get(key)):
            problems.append(f"{key}: must be {allowed}, got {get(key)!r}")

    for key in CHOICES:
        allowed = choices(key)
        if key not in skip and get(key) is not None and get(key) not in allowed:
            problems.append(f"{key}: must be one of {', '.join(allowed)}, got {get(key)!r}"
                            f"{did_you_mean(get(key), allowed)}")

    for key in SCHEMA:  # each field's own range check, declared beside its default (`_f(..., check=...)`)
        declared = constraint(key)
        if declared is not None:
            check(key, declared.ok, declared.allowed)
    # cross-field and schedule checks below: they involve more than one field's value, or every value of a schedule
    if cfg.model.path is None and cfg.model.preset is None:
        problems.append("model.path, model.preset: set one (a model directory or a named preset)")

    if {"actor.ppo_mini_batch_size", "data.train_batch_size"}.isdisjoint(skip):
        mini, batch = cfg.actor.ppo_mini_batch_size, cfg.data.train_batch_size
        if mini >= 1 and batch >= 1 and batch % mini:
            problems.append(
                f"actor.ppo_mini_batch_size: must divide data.train_batch_size ({batch}), got {mini} "
                f"(each step makes train_batch_size / ppo_mini_batch_size updates)"
            )
    if {"rollout.n", "algorithm.adv_estimator"}.isdisjoint(skip):
        if cfg.algorithm.adv_estimator in GROUP_ESTIMATORS and cfg.rollout.n < 2:
            problems.append(
                f"rollout.n: must be >= 2 for adv_estimator {cfg.algorithm.adv_estimator} (advantages compare "
                f"the responses of one prompt), got {cfg.rollout.n}"
            )

    lengths: tuple[float, ...] = ()
    if "data.max_response_length" not in skip:
        try:
            lengths = cfg.data.max_response_length_schedule().knot_values()
        except ScheduleError as e:
            problems.append(f"data.max_response_length: {e}")
        if any(v < 1 for v in lengths):
            problems.append(f"data.max_response_length: every value must be >= 1, got {list(lengths)}")
    if "rollout.temperature" not in skip:
        try:
            temps = cfg.rollout.temperature_schedule().knot_values()
            if any(t <= 0 for t in temps):
                problems.append(f"rollout.temperature: every value must be > 0, got {list(temps)}")
        except ScheduleError as e:
            problems.append(f"rollout.temperature: {e}")

    buf = cfg.reward.overlong_buffer
    if buf.enable and "reward.overlong_buffer.len" not in skip:
        if buf.len < 1:
            problems.append(f"reward.overlong_buffer.len: must be a positive integer, got {buf.len}")
        elif lengths and buf.len >= min(lengths):
            problems.append(
                f"reward.overlong_buffer.len: must be smaller than data.max_response_length "
                f"(smallest value {min(lengths)}), got {buf.len}"
            )
    return problems


# ---------------------------------------------------------------------------------------------- output


def to_dict(cfg: RunConfig) -> dict[str, Any]:
    """The config as plain nested dicts (schedules stay numbers or mappings)."""
    return OmegaConf.to_container(OmegaConf.structured(cfg))  # type: ignore[return-value]


def to_yaml(cfg: RunConfig) -> str:
    """The full config as YAML; `load_config` of it gives back an equal RunConfig."""
    return OmegaConf.to_yaml(OmegaConf.structured(cfg))
