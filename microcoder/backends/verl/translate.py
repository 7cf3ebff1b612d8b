"""Our run config → verl 0.9.1 `main_ppo` Hydra overrides: a table, plus the few values that need a rule.

What: `verl_overrides(cfg, checkpoints_dir=..., run_name=..., ...)` returns `["actor_rollout_ref.actor.optim.lr=5e-05",
...]`, the command-line overrides of `python -m verl.trainer.main_ppo` for one run, or raises `VerlTranslationError`
listing everything verl cannot run as configured. `TABLE` is the one-to-one part (design.md §2: our names follow
verl's, so it is a table, not logic); `verl_overrides` adds:

    model          model.path, else a named preset's hub id (PRESET_MODELS); `micro` is CPU-only → error
    data           a .parquet path as given; a dataset name → <data_dir>/<name>/{train,test}.parquet
                   (data_dir: argument, else $MICROCODER_DATA_DIR, else ./data); micro-* names → error
    schedules      verl has none: a constant (or a schedule with one value) is passed; staged/linear/auto → error
                   (a staged change is a branch run: `trainer.resume_mode=resume_path`, design.md §5)
    reward         reward.custom_reward_function.{path,name} → microcoder/evaluator/judge.py:compute_score, with
                   the evaluator and sandbox limits as its reward_kwargs; DAPO's overlong penalty → verl's `dapo`
                   reward manager with reward.reward_kwargs.{overlong_buffer_cfg,max_resp_len}
    frequencies    our 0 ("only at the end") → total_steps (verl's -1 means never)
    fixed          rollout.name=vllm, trainer.logger=[console,file] (the run wrapper reads verl's file logger),
                   trainer.default_local_dir = the run store's checkpoints/, nnodes × n_gpus_per_node from resources
    branches       resume_from=<parent>/checkpoints/global_step_K → trainer.resume_mode=resume_path (+ the path);
                   otherwise resume_mode=auto (a retried run resumes its own latest checkpoint)
    mask           the truncation mask has no verl key: it is passed as `+microcoder.mask.{mode,ratio,repeat_window}`
                   for the registered MicroCoder trainer (design.md §5, `@register_trainer`); UNVERIFIED: that
                   trainer plug-in is not in this repository yet, and without it verl ignores these keys

Why a pure function: the GPU path cannot run in CI; the table is tested on its own and composed against verl's own
`ppo_trainer` Hydra config on CPU (tests/sweeps/test_verl_translation.py), so a renamed verl key fails a test.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Optional

from microcoder.config import RunConfig

__all__ = ["PRESET_MODELS", "TABLE", "VerlTranslationError", "verl_config_dir", "verl_overrides"]

TABLE: dict[str, str] = {
    "data.max_prompt_length": "data.max_prompt_length",
    "data.train_batch_size": "data.train_batch_size",
    "rollout.n": "actor_rollout_ref.rollout.n",
    "rollout.top_p": "actor_rollout_ref.rollout.top_p",
    "rollout.val_temperature": "actor_rollout_ref.rollout.val_kwargs.temperature",
    "rollout.val_n": "actor_rollout_ref.rollout.val_kwargs.n",
    "actor.ppo_mini_batch_size": "actor_rollout_ref.actor.ppo_mini_batch_size",
    "actor.lr": "actor_rollout_ref.actor.optim.lr",
    "actor.weight_decay": "actor_rollout_ref.actor.optim.weight_decay",
    "actor.grad_clip": "actor_rollout_ref.actor.grad_clip",
    "actor.entropy_coeff": "actor_rollout_ref.actor.entropy_coeff",
    "actor.loss_agg_mode": "actor_rollout_ref.actor.loss_agg_mode",
    "actor.use_kl_loss": "actor_rollout_ref.actor.use_kl_loss",
    "actor.kl_loss_coef": "actor_rollout_ref.actor.kl_loss_coef",
    "actor.kl_loss_type": "actor_rollout_ref.actor.kl_loss_type",
    "actor.clip_ratio_low": "actor_rollout_ref.actor.clip_ratio_low",
    "actor.clip_ratio_high": "actor_rollout_ref.actor.clip_ratio_high",
    "algorithm.adv_estimator": "algorithm.adv_estimator",
    "algorithm.norm_adv_by_std_in_grpo": "algorithm.norm_adv_by_std_in_grpo",
    "trainer.total_steps": "trainer.total_training_steps",
    "tracking.project": "trainer.project_name",
}
"""Our key → verl 0.9.1 key, values copied as they are."""

SEED_KEYS = ("data.seed", "actor_rollout_ref.rollout.seed", "actor_rollout_ref.actor.data_loader_seed")
"""verl keys that take `trainer.seed` (data order, sampling, the actor's data loader)."""

PRESET_MODELS = {
    "qwen3-4b-instruct": "Qwen/Qwen3-4B-Instruct-2507",
    "smollm2-135m": "HuggingFaceTB/SmolLM2-135M-Instruct",
}
"""Named model presets → the Hugging Face id verl loads."""


class VerlTranslationError(ValueError):
    """The run config uses something verl 0.9.1 cannot run; `.problems` names each key."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("cannot translate the run config to verl:" + "".join(f"\n  - {p}" for p in problems))


def _get(cfg: RunConfig, key: str) -> Any:
    obj: Any = cfg
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def _text(value: Any) -> str:
    """A value as Hydra override text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_text(v) for v in value) + "]"
    if isinstance(value, str):
        if any(c in value for c in " ,[]{}()=:'\"\\$") or not value:
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return value
    return repr(value) if isinstance(value, float) else str(value)


def _constant(schedule_of, key: str, problems: list[str]) -> Optional[float]:
    sched = schedule_of()
    values = set(sched.knot_values()) if type(sched).__name__ != "AutoSchedule" else set()
    if len(values) == 1:
        return values.pop()
    kind = type(sched).__name__.replace("Schedule", "").lower()
    problems.append(f"{key}: verl has no {kind} schedule; use a constant and continue with a branch run "
                    f"(trainer.resume_mode=resume_path; design.md §5)")
    return None


def _judge_file() -> str:
    spec = importlib.util.find_spec("microcoder.evaluator.judge")
    if spec is None or spec.origin is None:  # pragma: no cover - the package is installed with us
        raise RuntimeError("microcoder.evaluator.judge not found")
    return spec.origin


def verl_config_dir() -> Path:
    """verl's Hydra config folder (verl/trainer/config), found without importing verl (~5 s)."""
    spec = importlib.util.find_spec("verl")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("verl is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "trainer" / "config"


def _data_file(name: str, split: str, data_dir: Path, key: str, problems: list[str]) -> str:
    if name.endswith(".parquet"):
        return name
    if name.startswith("micro-") or name.endswith(".jsonl"):
        problems.append(f"{key}: {name!r} is a local-backend dataset; verl reads parquet (a .parquet path or a "
                        f"dataset name under the data dir)")
        return name
    return str(data_dir / name / f"{split}.parquet")


def verl_overrides(cfg: RunConfig, *, checkpoints_dir: str | Path, run_name: str, sweep: str = "adhoc",
                   gpus_per_run: int = 8, nodes_per_run: int = 1, resume_from: str | Path | None = None,
                   data_dir: str | Path | None = None, metrics_file: str | Path | None = None) -> list[str]:
    """The `main_ppo` overrides of one run; raises VerlTranslationError listing every untranslatable setting.

    checkpoints_dir: the run store's checkpoints/ (verl's trainer.default_local_dir); resume_from: a parent's
    `global_step_K` folder to start a branch from; gpus_per_run / nodes_per_run: the run's GPUs in all and nodes.
    `metrics_file` is not an override (verl takes it from $VERL_FILE_LOGGER_PATH); it is accepted for symmetry.
    """
    problems: list[str] = []
    out: dict[str, Any] = {}
    for ours, theirs in TABLE.items():
        out[theirs] = _get(cfg, ours)

    if cfg.model.path:
        out["actor_rollout_ref.model.path"] = cfg.model.path
    elif cfg.model.preset in PRESET_MODELS:
        out["actor_rollout_ref.model.path"] = PRESET_MODELS[cfg.model.preset]
    else:
        problems.append(f"model.preset: {cfg.model.preset!r} has no Hugging Face model for verl (set model.path, or "
                        f"one of {', '.join(PRESET_MODELS)})")

    root = Path(data_dir or os.environ.get("MICROCODER_DATA_DIR", "data"))
    out["data.train_files"] = _data_file(cfg.data.train, "train", root, "data.train", problems)
    out["data.val_files"] = _data_file(cfg.data.test, "test", root, "data.test", problems)

    temperature = _constant(cfg.rollout.temperature_schedule, "rollout.temperature", problems)
    max_len = _constant(cfg.data.max_response_length_schedule, "data.max_response_length", problems)
    if temperature is not None:
        out["actor_rollout_ref.rollout.temperature"] = float(temperature)
    if max_len is not None:
        out["data.max_response_length"] = int(max_len)
    out["actor_rollout_ref.rollout.val_kwargs.do_sample"] = cfg.rollout.val_temperature > 0

    out["reward.custom_reward_function.path"] = _judge_file()
    out["reward.custom_reward_function.name"] = "compute_score"
    out["+reward.custom_reward_function.reward_kwargs.evaluator"] = cfg.reward.evaluator
    out["+reward.custom_reward_function.reward_kwargs.time_limit_s"] = float(cfg.reward.time_limit_s)
    out["+reward.custom_reward_function.reward_kwargs.memory_mb"] = int(cfg.reward.memory_mb)
    buf = cfg.reward.overlong_buffer
    if buf.enable:
        out["reward.reward_manager.name"] = "dapo"
        out["+reward.reward_kwargs.overlong_buffer_cfg.enable"] = True
        out["+reward.reward_kwargs.overlong_buffer_cfg.len"] = int(buf.len)
        out["+reward.reward_kwargs.overlong_buffer_cfg.penalty_factor"] = float(buf.penalty_factor)
        out["+reward.reward_kwargs.overlong_buffer_cfg.log"] = False
        if max_len is not None:
            out["+reward.reward_kwargs.max_resp_len"] = int(max_len)

    if cfg.mask.mode != "none":  # read by the MicroCoder trainer plug-in (design.md §5); unverified here
        out["+microcoder.mask.mode"] = cfg.mask.mode
        out["+microcoder.mask.ratio"] = float(cfg.mask.ratio)
        out["+microcoder.mask.repeat_window"] = int(cfg.mask.repeat_window)

    total = cfg.trainer.total_steps
    out["trainer.test_freq"] = cfg.trainer.test_freq or total
    out["trainer.save_freq"] = cfg.trainer.save_freq or total
    for key in SEED_KEYS:
        out[key] = cfg.trainer.seed
    out["algorithm.use_kl_in_reward"] = False
    out["actor_rollout_ref.rollout.name"] = "vllm"
    out["trainer.experiment_name"] = f"{sweep}.{run_name}"
    out["trainer.logger"] = ["console", "file"]
    out["trainer.default_local_dir"] = str(checkpoints_dir)
    if gpus_per_run < 1 or nodes_per_run < 1 or gpus_per_run % nodes_per_run:
        problems.append(f"resources: gpus_per_run ({gpus_per_run}) must be a positive multiple of nodes_per_run "
                        f"({nodes_per_run})")
    else:
        out["trainer.nnodes"] = nodes_per_run
        out["trainer.n_gpus_per_node"] = gpus_per_run // nodes_per_run
    if resume_from is not None:
        out["trainer.resume_mode"] = "resume_path"
        out["trainer.resume_from_path"] = str(resume_from)
        out["trainer.val_before_train"] = False  # step 0..K are the parent's
    else:
        out["trainer.resume_mode"] = "auto"
    if problems:
        raise VerlTranslationError(problems)
    return [f"{k}={_text(v)}" for k, v in out.items()]
