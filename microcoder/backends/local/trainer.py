"""The local backend: real GRPO on a Hugging Face causal LM, on a CPU (or one GPU), with verl's own math.

One step, top to bottom (each phase timed and memory-metered for the study's figure 6_4):
  1. rollout  — `train_batch_size` prompts × `rollout.n` responses at the scheduled temperature and max length;
  2. reward   — every response's last python block judged in the sandbox by the configured evaluator
                (1 if it passes all tests, else 0; plus DAPO's overlong penalty when enabled);
  3. update   — group-relative advantages and the truncation mask (none / complete / conditional) in one pure
                function (`microcoder.recipe.advantages.outcome_advantages`: verl's `compute_grpo_outcome_advantage`
                or any registered estimator), then `train_batch_size / ppo_mini_batch_size` parameter updates with
                verl's clipped policy loss (`compute_policy_loss_vanilla`, clip-higher via clip_ratio_low/high),
                `agg_loss`, an optional entropy bonus and an optional KL loss to the frozen reference (`kl_penalty`).
Every `test_freq` steps the policy is evaluated on a FIXED test set (`test/accuracy`, per platform/difficulty):
training reward on random prompts is too noisy to show learning (design.md §9). Step 0 is the evaluation before
training. Metrics (design.md §4, `microcoder.metrics`) go to the run store and W&B each step; checkpoints every
`save_freq` steps. Every random stream is named in `seeds.py`.

Resume and branches: a run whose folder holds checkpoints continues from the latest one (logged steps after it
are dropped first, so no step is duplicated or lost). `init_from=<parent checkpoint>` starts a branch from a
parent's step k with changed settings; its steps continue the parent's count (k+1, …).

    microcoder train CONFIG.yaml [key=value ...] --out runs/

    with LocalTrainer(cfg, store, tracker) as trainer:   # the trainer's context owns the sandbox pool
        trainer.run()
"""

from __future__ import annotations

import copy
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from microcoder import metrics as M
from microcoder.config import RunConfig
from microcoder.evaluator import Limits, SandboxPool, judge_many
from microcoder.evaluator.extraction import extract_code, has_answer
from microcoder.metrics import test_accuracies
from microcoder.recipe.advantages import outcome_advantages
from microcoder.recipe.diversity import response_diversity
from microcoder.recipe.schedules import AutoSchedule, ConstantSchedule
from microcoder.recipe.truncation_mask import mask_generator

from .checkpoint import load_checkpoint, save_checkpoint
from .phases import PhaseMeter
from .rollout import Rollout, sample, token_logprobs
from .seeds import DATASET_SEED, data_order_seed, eval_seed, probe_seed, rollout_seed

SAMPLES_PER_STEP = 4  # responses kept in samples/ per step for inspection


@dataclass
class _ActorLossConfig:
    """The few fields verl's `compute_policy_loss_vanilla` reads from its ActorConfig."""

    clip_ratio: float
    clip_ratio_low: float
    clip_ratio_high: float
    clip_ratio_c: float = 3.0

    @property
    def global_batch_info(self) -> dict:
        return {}

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


def _verl_algos():
    # import lazily: `import verl` costs seconds and is not needed to validate configs
    from verl.trainer.ppo import core_algos

    return core_algos


def overlong_penalty(lengths: torch.Tensor, max_length: int, buffer_len: int, factor: float) -> torch.Tensor:
    """DAPO's soft overlong punishment (arXiv:2503.14476 §3.4): 0 up to L_max − L_cache, then falling
    linearly to −factor at L_max. lengths [B] → [B] float."""
    expected = max_length - buffer_len
    excess = (lengths.float() - expected).clamp(min=0)
    return -(excess / max(buffer_len, 1)).clamp(max=1.0) * factor


@dataclass
class StepResult:
    """What one training step produced: its metrics (design.md §4) and a few of its responses for samples/."""

    metrics: dict[str, Any]
    samples: list[dict[str, Any]]


class LocalTrainer:
    """One local GRPO run. Building it loads everything the run holds (policy, data, optimizer, schedules);
    entering it opens the sandbox pool that judges responses, and leaving it closes the pool."""

    def __init__(self, cfg: RunConfig, store, tracker=None, *, cache_dir: str | Path | None = None,
                 init_from: str | Path | None = None, device: str | None = None,
                 log: Callable[[str], None] = print, progress: Callable[[int, dict], None] | None = None):
        from microcoder.data.resolve import load_dataset
        from microcoder.models import load_policy

        # where the run reports
        self.cfg, self.store, self.tracker = cfg, store, tracker
        self.init_from = init_from
        self.log, self.progress = log, progress
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))

        # the global RNGs (saved in checkpoints); the named streams are in seeds.py
        seed = cfg.trainer.seed
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        torch.set_num_threads(max(1, int(os.environ.get("MICROCODER_TORCH_THREADS", os.cpu_count() or 1))))

        # the policy
        self.policy = load_policy(cfg.model.path, cfg.model.preset, cache_dir, log=self.log)
        self.model = self.policy.model.to(self.device)
        self.tok = self.policy.tokenizer

        # the data: prompts that fit data.max_prompt_length
        template = cfg.data.prompt_template
        self.train_set = self._fit_prompts(load_dataset(cfg.data.train, "train", n=cfg.data.train_size,
                                                        seed=DATASET_SEED, template=template))
        self.test_set = self._fit_prompts(load_dataset(cfg.data.test, "test", n=cfg.data.test_size,
                                                       seed=DATASET_SEED, template=template))
        if not self.train_set:
            raise ValueError(f"data.train={cfg.data.train!r}: no prompt fits data.max_prompt_length")

        # optimisation
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=cfg.actor.lr, betas=(0.9, 0.999),
                                           weight_decay=cfg.actor.weight_decay)
        self.ref_model = None
        if cfg.actor.use_kl_loss:
            self.ref_model = copy.deepcopy(self.model).eval()
            for p in self.ref_model.parameters():
                p.requires_grad_(False)
        self.loss_cfg = _ActorLossConfig(cfg.actor.clip_ratio_low, cfg.actor.clip_ratio_low,
                                         cfg.actor.clip_ratio_high)

        # the schedules (an `auto` temperature is fixed by `_fix_auto_temperature` before the first step)
        self.temperature = cfg.rollout.temperature_schedule()
        self.temperature_chosen: float | None = None  # what an `auto` schedule picked (kept in checkpoints)
        self.max_length = cfg.data.max_response_length_schedule()

        # judging: the pool is opened by __enter__ and closed by __exit__, nowhere else
        self.limits = Limits(time_limit_s=cfg.reward.time_limit_s, memory_mb=cfg.reward.memory_mb)
        self.pool: SandboxPool | None = None

    def __enter__(self) -> "LocalTrainer":
        self.pool = SandboxPool()
        return self

    def __exit__(self, *exc) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.close()

    # ---------------------------------------------------------------------------------------------- run
    def run(self) -> dict:
        """Train to `trainer.total_steps` from step 0, or from the step a checkpoint restores. → the last logged
        row ({step, **metrics}; {} when nothing was left to train)."""
        cfg = self.cfg
        start, chosen_before = self._restore()
        self._fix_auto_temperature(chosen_before)
        total = cfg.trainer.total_steps
        last: dict = {}
        if start == 0:
            last = self._log(0, {M.PROMPTS_SEEN: 0, M.TRAIN_TEMPERATURE: float(self.temperature.value_at(0)),
                                 M.TRAIN_MAX_RESPONSE_LENGTH: int(self.max_length.value_at(0)), **self.evaluate(0)})
            if cfg.trainer.save_freq:
                self._checkpoint(0)
        for step in range(start + 1, total + 1):
            result = self.train_step(step)
            metrics = result.metrics
            if (cfg.trainer.test_freq and step % cfg.trainer.test_freq == 0) or step == total:
                metrics.update(self.evaluate(step))
            self.store.write_samples(step, result.samples)
            last = self._log(step, metrics)
            if (cfg.trainer.save_freq and step % cfg.trainer.save_freq == 0) or step == total:
                self._checkpoint(step)
        return last

    # --------------------------------------------------------------------------------------------- step
    def train_step(self, step: int) -> StepResult:
        """One GRPO step on the prompts of `step`: rollout → reward → update. → its metrics and samples."""
        cfg = self.cfg
        n = cfg.rollout.n
        meter = PhaseMeter(self.device)
        t_step = time.perf_counter()
        temperature = float(self.temperature.value_at(step))
        max_len = int(self.max_length.value_at(step))
        problems = self._batch_for(step)
        expanded = [p for p in problems for _ in range(n)]
        with meter.phase("rollout"):
            ro = sample(self.model, self.tok, [self.policy.format_prompt(p.prompt) for p in problems], n=n,
                        temperature=temperature, top_p=cfg.rollout.top_p, max_new_tokens=max_len,
                        seed=rollout_seed(cfg.trainer.seed, step))
        with meter.phase("reward"):
            correct = torch.tensor(self._judge(expanded, ro.texts), dtype=torch.bool)
            reward = correct.float()
            if cfg.reward.overlong_buffer.enable:
                ob = cfg.reward.overlong_buffer
                reward = reward + overlong_penalty(ro.lengths.cpu(), max_len, ob.len, ob.penalty_factor)
        with meter.phase("update"):
            answered = torch.tensor([has_answer(t) for t in ro.texts], dtype=torch.bool)
            masking = outcome_advantages(
                reward, ro.response_ids, ro.response_mask, correct, answered, group_size=n,
                estimator=cfg.algorithm.adv_estimator, norm_adv_by_std_in_grpo=cfg.algorithm.norm_adv_by_std_in_grpo,
                mode=cfg.mask.mode, max_length=max_len, ratio=cfg.mask.ratio, repeat_window=cfg.mask.repeat_window,
                eligible=cfg.mask.eligible, generator=mask_generator(cfg.trainer.seed, step))
            fractions = masking.fractions()
            update = self._policy_update(ro, masking.advantages, temperature, n)
        lengths = ro.lengths.float()
        groups = [ro.texts[i * n:(i + 1) * n] for i in range(len(problems))]
        metrics = {
            M.PROMPTS_SEEN: step * cfg.data.train_batch_size,
            M.TRAIN_CRITIC_REWARD: float(reward.mean()),
            M.TRAIN_ACCURACY: float(correct.float().mean()),
            M.TRAIN_RESPONSE_LENGTH: float(lengths.mean()),
            M.TRAIN_RESPONSE_LENGTH_MAX: float(lengths.max()),
            M.TRAIN_TRUNCATED_FRACTION: fractions["truncated_fraction"],
            M.TRAIN_RESPONSE_DIVERSITY: response_diversity(groups, "distinct4"),
            M.TRAIN_TEMPERATURE: temperature,
            M.TRAIN_MAX_RESPONSE_LENGTH: max_len,
            M.TRAIN_MASKED_FRACTION: fractions["masked_fraction"],
            **update,
            M.TRAIN_REPETITIVE_FRACTION: fractions["repetitive_fraction"],
            **meter.metrics,
            M.TIME_STEP_S: time.perf_counter() - t_step,
        }
        return StepResult(metrics, _samples(expanded, ro, reward, correct))

    def _policy_update(self, ro: Rollout, advantages: torch.Tensor, temperature: float, n: int) -> dict:
        """`train_batch_size / ppo_mini_batch_size` clipped policy-gradient updates on the rollout's rows with the
        given advantages [B, T]. → the step's optimisation metrics (entropy, clip fraction, grad norm, losses)."""
        cfg = self.cfg
        algos = _verl_algos()
        dev = self.device
        mask = ro.response_mask.float()
        B, T = mask.shape
        self.model.eval()  # no dropout in the micro model; eval keeps logits identical to the rollout's
        prompts = B // n
        mb = cfg.actor.ppo_mini_batch_size
        first = min(prompts, mb) * n
        with torch.no_grad():
            # π_old of the rows updated after the first mini-batch, before any update; the first mini-batch
            # is on-policy, so its π_old is its own log-prob (detached) — one forward pass saved per step
            old_logp = torch.zeros(B, T, device=dev)
            if first < B:
                old_logp[first:], _ = token_logprobs(self.model, ro.prompt_ids[first:], ro.prompt_mask[first:],
                                                     ro.response_ids[first:], ro.response_mask[first:], temperature)
            ref_logp = None
            if self.ref_model is not None:
                ref_logp, _ = token_logprobs(self.ref_model, ro.prompt_ids, ro.prompt_mask, ro.response_ids,
                                             ro.response_mask, temperature)
        stats: dict[str, list[float]] = {"entropy": [], "kl": [], "clip": [], "grad": [], "loss": []}
        for start in range(0, prompts, mb):
            rows = slice(start * n, min(prompts, start + mb) * n)
            m = mask[rows]
            logp, ent = token_logprobs(self.model, ro.prompt_ids[rows], ro.prompt_mask[rows],
                                       ro.response_ids[rows], ro.response_mask[rows], temperature,
                                       with_entropy=True)
            old = logp.detach() if start == 0 else old_logp[rows]
            pg_loss, pg_metrics = algos.compute_policy_loss_vanilla(
                old_log_prob=old, log_prob=logp, advantages=advantages[rows], response_mask=m,
                loss_agg_mode=cfg.actor.loss_agg_mode, config=self.loss_cfg)
            entropy = algos.agg_loss(loss_mat=ent, loss_mask=m, loss_agg_mode=cfg.actor.loss_agg_mode)
            loss = pg_loss - cfg.actor.entropy_coeff * entropy
            if ref_logp is not None:
                kld = algos.kl_penalty(logprob=logp, ref_logprob=ref_logp[rows], kl_penalty=cfg.actor.kl_loss_type)
                kl_loss = algos.agg_loss(loss_mat=kld, loss_mask=m, loss_agg_mode=cfg.actor.loss_agg_mode)
                loss = loss + cfg.actor.kl_loss_coef * kl_loss
                stats["kl"].append(float(kl_loss))
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.actor.grad_clip)
            if torch.isfinite(grad_norm):
                self.optimizer.step()
            stats["entropy"].append(float(entropy.detach()))
            stats["clip"].append(float(pg_metrics["actor/pg_clipfrac"]))
            stats["grad"].append(float(grad_norm))
            stats["loss"].append(float(pg_loss.detach()))
        out = {
            M.TRAIN_ENTROPY: float(np.mean(stats["entropy"])),
            M.TRAIN_CLIP_FRACTION: float(np.mean(stats["clip"])),
            M.TRAIN_GRAD_NORM: float(np.mean(stats["grad"])),
            M.TRAIN_PG_LOSS: float(np.mean(stats["loss"])),
        }
        if stats["kl"]:
            out[M.TRAIN_KL] = float(np.mean(stats["kl"]))
        return out

    # ------------------------------------------------------------------------------- evaluation, probes
    def evaluate(self, step: int) -> dict:
        """pass@1 on the fixed test set (mean over val_n samples per problem), overall and per cell."""
        cfg = self.cfg
        n, temp = cfg.rollout.val_n, cfg.rollout.val_temperature
        if temp == 0:
            n = 1
        prompts = [self.policy.format_prompt(p.prompt) for p in self.test_set]
        ro = sample(self.model, self.tok, prompts, n=n, temperature=temp, top_p=cfg.rollout.top_p,
                    max_new_tokens=self.max_length.value_at(step), seed=eval_seed(cfg.trainer.seed, step))
        probs = [p for p in self.test_set for _ in range(n)]
        ok = self._judge(probs, ro.texts)
        out = test_accuracies(ok, [p.problem.platform for p in probs], [p.problem.difficulty for p in probs])
        out[M.TEST_RESPONSE_LENGTH] = float(ro.lengths.float().mean())
        return out

    def probe_diversity(self, temperature: float, prompts: int = 16) -> float:
        """distinct-4 diversity of the current policy at `temperature` on fixed training prompts."""
        probs = self.train_set[:prompts]
        ro = sample(self.model, self.tok, [self.policy.format_prompt(p.prompt) for p in probs],
                    n=self.cfg.rollout.n, temperature=temperature, top_p=self.cfg.rollout.top_p,
                    max_new_tokens=self.max_length.value_at(0), seed=probe_seed(self.cfg.trainer.seed))
        n = self.cfg.rollout.n
        return response_diversity([ro.texts[i * n:(i + 1) * n] for i in range(len(probs))], "distinct4")

    # ----------------------------------------------------------------------------------- data, judging
    def _fit_prompts(self, problems: list) -> list:
        limit = self.cfg.data.max_prompt_length
        fmt = self.policy.format_prompt
        return [p for p in problems if len(self.tok(fmt(p.prompt), add_special_tokens=False)["input_ids"]) <= limit]

    def _batch_for(self, step: int) -> list:
        """Prompts of a step: epochs over the training set, shuffled by (seed, epoch); same for every arm."""
        bs = self.cfg.data.train_batch_size
        start = (step - 1) * bs
        out = []
        while len(out) < bs:
            epoch, offset = divmod(start + len(out), len(self.train_set))
            order = list(range(len(self.train_set)))
            random.Random(data_order_seed(self.cfg.trainer.seed, epoch)).shuffle(order)
            out.append(self.train_set[order[offset]])
        return out

    def _judge(self, problems: list, texts: list[str]) -> list[bool]:
        if self.pool is None:
            raise RuntimeError("judging needs the trainer's sandbox pool: use `with LocalTrainer(...) as trainer:`")
        codes = [extract_code(t) for t in texts]
        res = judge_many(list(zip(codes, [p.problem for p in problems])), (self.cfg.reward.evaluator,),
                         self.limits, pool=self.pool, stop_early=True)
        return [r[self.cfg.reward.evaluator].ok for r in res]

    # ------------------------------------------------------------------------- checkpoints, resume, log
    def _checkpoint(self, step: int) -> None:
        state = {"step": step, "temperature_chosen": self.temperature_chosen,
                 "run": self.store.dir.name}
        save_checkpoint(self.store.checkpoint_path(step), self.model, self.tok, self.optimizer, state)
        self.store.mark_checkpoint_complete(step)

    def _restore(self) -> tuple[int, float | None]:
        """Resume from this run's latest checkpoint, or start a branch from `init_from`; else start at 0.
        → (the last step already done, the `auto` temperature the checkpoint's run chose or None)."""
        latest = self.store.latest_checkpoint()
        if latest is not None:
            step, path = latest
            state = load_checkpoint(path, self.model, self.optimizer)
            self.store.resume_from(step)
            self.log(f"resuming from {path} (step {step})")
        elif self.init_from:
            state = load_checkpoint(Path(self.init_from), self.model, None, restore_rng=False)
            step = int(state["step"])  # the branch logs k+1, …: steps 0..k stay the parent's (not recomputed)
            self.log(f"branching from {self.init_from} at step {step}")
        else:
            if self.store.last_step() is not None:  # killed before its first checkpoint: start over cleanly
                self.store.clear_metrics()
            return 0, None
        chosen = state.get("temperature_chosen")
        return step, (float(chosen) if chosen is not None else None)

    def _fix_auto_temperature(self, chosen_before: float | None) -> None:
        """Fix an `auto` temperature schedule once per run: a resumed run or a branch keeps its checkpoint's
        choice (no re-probe of a trained policy); a fresh run probes the starting policy."""
        if not isinstance(self.temperature, AutoSchedule) or self.temperature.resolved:
            return
        if chosen_before is not None:
            self.temperature_chosen = chosen_before
            self.temperature = ConstantSchedule(chosen_before)
            return
        chosen = self.temperature_chosen = self.temperature.resolve(self.probe_diversity)
        self.log(f"auto temperature: chose {chosen} (diversity by temperature: {self.temperature.measured})")

    def _log(self, step: int, metrics: dict) -> dict:
        """Log one step to W&B and the run store (through the tracker, else the store alone). → {step, **metrics}."""
        metrics = {k: (float(v) if isinstance(v, (np.floating, torch.Tensor)) else v) for k, v in metrics.items()}
        if self.tracker is not None:
            self.tracker.log(step, metrics)
        else:
            self.store.log(step, metrics)
        if self.progress is not None:
            self.progress(step, metrics)
        return {M.STEP: step, **metrics}


def _samples(expanded: list, ro: Rollout, reward: torch.Tensor, correct: torch.Tensor) -> list[dict]:
    """SAMPLES_PER_STEP responses of a step, evenly spaced over the batch, for samples/<step>.jsonl."""
    every = max(1, len(expanded) // SAMPLES_PER_STEP)
    return [{"prompt": expanded[i].prompt, "response": ro.texts[i], "reward": float(reward[i]),
             "correct": bool(correct[i]), "length": int(ro.lengths[i])}
            for i in range(0, len(expanded), every)][:SAMPLES_PER_STEP]
