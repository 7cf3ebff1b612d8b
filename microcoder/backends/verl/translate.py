"""Our run config → verl 0.9.1 `main_ppo` Hydra overrides that verl's own start-up checks accept.

What: `verl_overrides(cfg, checkpoints_dir=..., run_name=..., ...)` returns `["actor_rollout_ref.actor.optim.lr=5e-05",
...]`, the command-line overrides of `python -m verl.trainer.main_ppo` for one run, or raises `VerlTranslationError`
listing everything verl cannot run as configured (each item names our key). `TABLE` is the one-to-one part
(design.md §2: our names follow verl's), read from the run config's fields, each of which declares its verl key
beside its default (`_f(..., verl="actor_rollout_ref.actor.optim.lr")`, microcoder.config.verl_keys); `verl_overrides`
adds the rules:

    model          model.path, else a named preset's hub id (PRESET_MODELS); `micro` is CPU-only → refused
    local-only     data.train_size / data.test_size (generated micro sets) other than their defaults → refused
    data           absolute paths: a .parquet file as given; a folder → <folder>/{train,test}.parquet; a dataset name
                   → <data_dir>/<name>/{train,test}.parquet (data_dir: argument, else $MICROCODER_DATA_DIR, else
                   ./data), contract 5; micro-* names and .jsonl files → refused. data.filter_overlong_prompts=true
                   (verl's default keeps and cuts them)
    batch sizing   dynamic batch sizing for actor, rollout log-prob and reference log-prob, with per-GPU token budgets
                   from the config (token_budgets); vLLM's max_model_len = prompt + response
    schedules      verl has none: a constant (or a schedule with one value) is passed; staged/linear/auto → refused
                   (a staged change is a branch run: `trainer.resume_mode=resume_path`, design.md §5)
    reward         reward.custom_reward_function.path = pkg://microcoder.evaluator.judge (verl imports it as a package
                   module, so its relative imports work in every reward worker), name compute_score, the evaluator
                   and sandbox limits as reward_kwargs; DAPO's overlong penalty → verl's `dapo` reward manager;
                   reward.num_workers = REWARD_WORKERS, each sizing its one sandbox pool by the workers on its node
    grad clip      actor.grad_clip → actor.optim.clip_grad (the key the 0.9.1 engines read; declared on the field)
    trainer mode   trainer.v1.trainer_mode=microcoder (the plug-in, microcoder.backends.verl.plugin, contract 3) and
                   +microcoder.mask.{mode,ratio,repeat_window,eligible,seed}, which the plug-in reads
    checkpoints    actor.checkpoint.save_contents adds hf_model (the probes load global_step_K/actor/huggingface);
                   verl's own pruning (max_actor_ckpt_to_keep) keeps only the last K and would delete branch points:
                   it stays off; trainer.checkpoint_callback_class = checkpoints.KeepPolicyCallback, which prunes
                   after each save by +microcoder.checkpoints.{keep_last,keep_every,keep_steps}
    frequencies    our 0 ("only at the end") → total_steps (verl's -1 means never); total_epochs = total_steps, so
                   trainer.total_steps alone ends the run (verl's 30 epochs would end it early on a small dataset)
    fixed          rollout.name=vllm, trainer.logger=[console,file] (run_verl reads verl's file logger),
                   trainer.default_local_dir = the run store's checkpoints/, nnodes × n_gpus_per_node from resources
    branches       resume_from=<parent>/checkpoints/global_step_K → trainer.resume_mode=resume_path (+ the path);
                   otherwise resume_mode=auto (a retried run resumes its own latest checkpoint)

Why a pure function: the GPU path cannot run in CI; the overrides are composed with verl's packaged Hydra config and
passed through verl's own `validate_config` on CPU for every run of every study spec (tests/backends/verl/), so a
renamed verl key or a new start-up check fails a test.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional, Sequence

from microcoder.config import RunConfig, verl_keys
from microcoder.models import HUB_IDS

__all__ = ["PRESET_MODELS", "REWARD_MODULE", "TABLE", "TRAINER_MODE", "VerlTranslationError", "data_files",
           "missing_data",
           "token_budgets", "verl_config_dir", "verl_overrides"]

TABLE: dict[str, str] = verl_keys()
"""Our key → verl 0.9.1 key, values copied as they are: each declared on its field (`_f(..., verl=...)` in
microcoder/config.py). The rules of `verl_overrides` handle every other setting."""

SEED_KEYS = ("data.seed", "actor_rollout_ref.rollout.seed", "actor_rollout_ref.actor.data_loader_seed")
"""verl keys that take `trainer.seed` (data order, sampling, the actor's data loader)."""

PRESET_MODELS = HUB_IDS
"""Named model presets → the Hugging Face id verl loads (microcoder.models.HUB_IDS)."""

LOCAL_ONLY = ("data.train_size", "data.test_size")
"""Run-config keys verl has no counterpart for: a value other than the default is refused, never ignored."""

REWARD_MODULE = "pkg://microcoder.evaluator.judge"
"""verl's `load_module` syntax for a package module (`importlib.import_module`), not a file path."""

TRAINER_MODE = "microcoder"
"""The plug-in's registered V1 trainer mode (microcoder.backends.verl.plugin.TRAINER_MODE; a test keeps them equal)."""

CHECKPOINT_CONTENTS = ("model", "optimizer", "extra", "hf_model")
"""verl's actor checkpoint contents: its sharded state to resume, plus `hf_model` (global_step_K/actor/huggingface),
which `microcoder probe` loads with transformers (microcoder.probes; verl's own default leaves it out)."""

REWARD_WORKERS = 8
"""verl's reward workers per run (reward.num_workers; verl's default). Each judges in its own sandbox pool."""

CHECKPOINT_CALLBACK = "microcoder.backends.verl.checkpoints.KeepPolicyCallback"

TRAIN_TOKENS_PER_SEQ = 2
INFER_TOKENS_PER_SEQ = 3
"""Per-GPU token budgets in units of one longest sequence (prompt + response): 2 for a training micro-batch, 3 for a
log-prob pass (no activations kept for backward). The factors of verl's DAPO recipe (recipe/dapo); each budget must
hold at least one longest sequence (verl's seqlen balancing asserts it)."""

DEFAULT_KEEP_LAST = 2
"""Checkpoints kept besides the needed ones: the latest (resume) and the one before (a save interrupted mid-way)."""


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


def verl_config_dir() -> Path:
    """verl's Hydra config folder (verl/trainer/config), found without importing verl (~5 s)."""
    import importlib.util

    spec = importlib.util.find_spec("verl")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("verl is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "trainer" / "config"


def data_files(name: str, split: str, data_dir: str | Path | None = None) -> Optional[str]:
    """The absolute parquet file of `data.<split>` (contract 5), or None for a local-backend dataset.

    `x.parquet` → that file; otherwise the local backend's rule (`microcoder.data.resolve.prepared_path`) with
    `.parquet`: a folder → <folder>/<split>.parquet, a name → <data_dir>/<name>/<split>.parquet (data_dir: the
    argument, else $MICROCODER_DATA_DIR, else ./data)."""
    from microcoder.data.resolve import prepared_path

    if name.startswith("micro-") or name.endswith(".jsonl"):
        return None
    if name.endswith(".parquet"):
        return str(Path(name).expanduser().resolve())
    return str(prepared_path(name, split, ".parquet", None if data_dir is None else Path(data_dir)).resolve())


def missing_data(cfg: RunConfig, data_dir: str | Path | None = None) -> list[str]:
    """The prepared parquet files of `data.train` / `data.test` that do not exist (one problem per file, naming the
    key): checked where the run store and the data are visible — before `sweep run` submits, and in `run_verl`."""
    problems = []
    for key, name, split in (("data.train", cfg.data.train, "train"), ("data.test", cfg.data.test, "test")):
        path = data_files(name, split, data_dir)
        if path is not None and not Path(path).is_file():
            problems.append(f"{key}: {path} does not exist (prepare the dataset into "
                            f"$MICROCODER_DATA_DIR/<name>/{{train,test}}.parquet on the shared filesystem: "
                            f"`microcoder data prepare`)")
    return problems


def token_budgets(max_prompt_length: int, max_response_length: int) -> tuple[int, int]:
    """(training, log-prob) tokens per GPU per micro-batch under dynamic batch sizing (TRAIN/INFER_TOKENS_PER_SEQ)."""
    seq = int(max_prompt_length) + int(max_response_length)
    return TRAIN_TOKENS_PER_SEQ * seq, INFER_TOKENS_PER_SEQ * seq


def verl_overrides(cfg: RunConfig, *, checkpoints_dir: str | Path, run_name: str, sweep: str = "adhoc",
                   gpus_per_run: int = 8, nodes_per_run: int = 1, resume_from: str | Path | None = None,
                   data_dir: str | Path | None = None, keep_steps: Sequence[int] = (),
                   keep_last: int = DEFAULT_KEEP_LAST, keep_every: int = 0) -> list[str]:
    """The `main_ppo` overrides of one run; raises VerlTranslationError listing every untranslatable setting.

    checkpoints_dir: the run store's checkpoints/ (verl's trainer.default_local_dir); resume_from: a parent's
    `global_step_K` folder to start a branch from; gpus_per_run / nodes_per_run: the run's GPUs in all and nodes;
    keep_steps: checkpoint steps that must survive pruning (branch points, probes); keep_last: the newest K kept;
    keep_every: also keep every k-th step (0: none)."""
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

    defaults = RunConfig()
    for key in LOCAL_ONLY:
        if _get(cfg, key) != _get(defaults, key):
            problems.append(f"{key}: sizes a generated micro dataset (local backend only); verl trains and tests on "
                            f"every row of the prepared parquet: leave it at {_get(defaults, key)}, or prepare a "
                            f"smaller dataset (`microcoder data prepare --limit N`)")
    for key, name, split in (("data.train", cfg.data.train, "train"), ("data.test", cfg.data.test, "test")):
        path = data_files(name, split, data_dir)
        if path is None:
            problems.append(f"{key}: {name!r} is a local-backend dataset; verl reads prepared parquet (a dataset "
                            f"name under $MICROCODER_DATA_DIR, a folder holding {split}.parquet, or a .parquet file)")
        else:
            out["data.train_files" if split == "train" else "data.val_files"] = path
    out["data.filter_overlong_prompts"] = True
    out["actor_rollout_ref.rollout.val_kwargs.top_p"] = cfg.rollout.top_p  # the local backend tests with it too

    temperature = _constant(cfg.rollout.temperature_schedule, "rollout.temperature", problems)
    max_len = _constant(cfg.data.max_response_length_schedule, "data.max_response_length", problems)
    if temperature is not None:
        out["actor_rollout_ref.rollout.temperature"] = float(temperature)
    if max_len is not None:
        max_len = int(max_len)
        out["data.max_response_length"] = max_len
        train_tokens, infer_tokens = token_budgets(cfg.data.max_prompt_length, max_len)
        out["actor_rollout_ref.actor.use_dynamic_bsz"] = True
        out["actor_rollout_ref.actor.ppo_max_token_len_per_gpu"] = train_tokens
        out["actor_rollout_ref.rollout.log_prob_use_dynamic_bsz"] = True
        out["actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu"] = infer_tokens
        out["actor_rollout_ref.ref.log_prob_use_dynamic_bsz"] = True
        out["actor_rollout_ref.ref.log_prob_max_token_len_per_gpu"] = infer_tokens
        out["actor_rollout_ref.rollout.max_model_len"] = int(cfg.data.max_prompt_length) + max_len

    out["reward.custom_reward_function.path"] = REWARD_MODULE
    out["reward.custom_reward_function.name"] = "compute_score"
    out["+reward.custom_reward_function.reward_kwargs.evaluator"] = cfg.reward.evaluator
    out["+reward.custom_reward_function.reward_kwargs.time_limit_s"] = float(cfg.reward.time_limit_s)
    out["+reward.custom_reward_function.reward_kwargs.memory_mb"] = int(cfg.reward.memory_mb)
    # verl spreads reward.num_workers reward workers round-robin over the cluster's nodes; each keeps one sandbox
    # pool of (node cores / its node's workers) sandboxes (evaluator.sandbox.shared_pool), never one per call. This
    # assumes the run has its nodes to itself; where runs share nodes, set MICROCODER_SANDBOX_WORKERS (a spec's
    # runtime_env.env_vars), which fixes every pool's size
    out["reward.num_workers"] = REWARD_WORKERS
    out["+reward.custom_reward_function.reward_kwargs.workers_per_node"] = -(-REWARD_WORKERS // max(1, nodes_per_run))
    buf = cfg.reward.overlong_buffer
    if buf.enable:
        out["reward.reward_manager.name"] = "dapo"
        out["+reward.reward_kwargs.overlong_buffer_cfg.enable"] = True
        out["+reward.reward_kwargs.overlong_buffer_cfg.len"] = int(buf.len)
        out["+reward.reward_kwargs.overlong_buffer_cfg.penalty_factor"] = float(buf.penalty_factor)
        out["+reward.reward_kwargs.overlong_buffer_cfg.log"] = False
        if max_len is not None:
            out["+reward.reward_kwargs.max_resp_len"] = max_len

    out["trainer.v1.trainer_mode"] = TRAINER_MODE
    out["+microcoder.mask.mode"] = cfg.mask.mode
    out["+microcoder.mask.ratio"] = float(cfg.mask.ratio)
    out["+microcoder.mask.repeat_window"] = int(cfg.mask.repeat_window)
    out["+microcoder.mask.eligible"] = cfg.mask.eligible
    out["+microcoder.mask.seed"] = int(cfg.trainer.seed)  # the mask's draws: mask_generator(seed, step)

    total = cfg.trainer.total_steps
    # verl stops at whichever comes first, total_training_steps or total_epochs (30 by default): with a small
    # prepared dataset the epochs would end the run early, silently. An epoch is at least one step.
    out["trainer.total_epochs"] = int(total)
    out["trainer.test_freq"] = cfg.trainer.test_freq or total
    out["trainer.save_freq"] = cfg.trainer.save_freq or total
    if keep_last < 1:
        problems.append(f"checkpoints.keep_last: must be >= 1 (the latest checkpoint resumes the run), got {keep_last}")
    out["trainer.checkpoint_callback_class"] = CHECKPOINT_CALLBACK
    # each checkpoint also holds the full model in HF format (<step>/actor/huggingface): the probes load it
    out["actor_rollout_ref.actor.checkpoint.save_contents"] = list(CHECKPOINT_CONTENTS)
    out["+microcoder.checkpoints.keep_last"] = int(keep_last)
    out["+microcoder.checkpoints.keep_every"] = int(keep_every)
    out["+microcoder.checkpoints.keep_steps"] = sorted({int(s) for s in keep_steps})
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
        per_node = gpus_per_run // nodes_per_run
        out["trainer.nnodes"] = nodes_per_run
        out["trainer.n_gpus_per_node"] = per_node
        # verl's default rollout tensor parallelism is 2; it must divide the GPUs of a node
        out["actor_rollout_ref.rollout.tensor_model_parallel_size"] = math.gcd(2, per_node)
    if resume_from is not None:
        out["trainer.resume_mode"] = "resume_path"
        out["trainer.resume_from_path"] = str(resume_from)
        out["trainer.val_before_train"] = False  # step 0..K are the parent's
    else:
        out["trainer.resume_mode"] = "auto"
    if problems:
        raise VerlTranslationError(problems)
    return [f"{k}={_text(v)}" for k, v in out.items()]
