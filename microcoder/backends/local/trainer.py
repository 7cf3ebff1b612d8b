"""The local backend: real GRPO on a Hugging Face causal LM, on a CPU (or one GPU), with verl's own math.

One step, top to bottom (each phase timed and memory-metered for the study's figure 6_4):
  1. rollout  — `train_batch_size` prompts × `rollout.n` responses at the scheduled temperature and max length;
  2. reward   — every response's last python block judged in the sandbox by the configured evaluator
                (1 if it passes all tests, else 0; plus DAPO's overlong penalty when enabled);
  3. update   — group-relative advantages (verl `compute_grpo_outcome_advantage`, or any registered estimator),
                the truncation mask (none / complete / conditional), then `train_batch_size / ppo_mini_batch_size`
                parameter updates with verl's clipped policy loss (`compute_policy_loss_vanilla`, clip-higher via
                clip_ratio_low/high), `agg_loss`, an optional entropy bonus and an optional KL loss to the frozen
                reference (`kl_penalty`).
Every `test_freq` steps the policy is evaluated on a FIXED test set (`test/accuracy`, per platform/difficulty):
training reward on random prompts is too noisy to show learning (design.md §9). Step 0 is the evaluation before
training. Metrics (design.md §4) go to the run store and W&B each step; checkpoints every `save_freq` steps.

Resume and branches: a run whose folder holds checkpoints continues from the latest one (logged steps after it
are dropped first, so no step is duplicated or lost). `init_from=<parent checkpoint>` starts a branch from a
parent's step k with changed settings; its steps continue the parent's count (k+1, …).

    microcoder train CONFIG.yaml [key=value ...] --out runs/
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from microcoder.config import RunConfig
from microcoder.evaluator import Limits, SandboxPool, judge_many
from microcoder.evaluator.extraction import extract_code, has_answer
from microcoder.metrics import test_accuracies
from microcoder.recipe.diversity import response_diversity
from microcoder.recipe.schedules import AutoSchedule, ConstantSchedule
from microcoder.recipe.truncation_mask import mask_advantages, mask_generator

from .checkpoint import load_checkpoint, save_checkpoint
from .phases import PhaseMeter
from .rollout import Rollout, sample, token_logprobs

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


class LocalTrainer:
    def __init__(self, cfg: RunConfig, store, tracker=None, *, cache_dir: str | Path | None = None,
                 init_from: str | Path | None = None, device: str | None = None,
                 log: Callable[[str], None] = print, progress: Callable[[int, dict], None] | None = None):
        self.cfg, self.store, self.tracker = cfg, store, tracker
        self.cache_dir, self.init_from = cache_dir, init_from
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.log, self.progress = log, progress
        self.last_metrics: dict = {}

    # ------------------------------------------------------------------------------------------ set-up
    def _setup(self) -> None:
        from microcoder.data.resolve import load_dataset
        from microcoder.models import load_policy

        cfg = self.cfg
        seed = cfg.trainer.seed
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        torch.set_num_threads(max(1, int(os.environ.get("MICROCODER_TORCH_THREADS", os.cpu_count() or 1))))
        self.policy = load_policy(cfg.model.path, cfg.model.preset, self.cache_dir, log=self.log)
        self.model = self.policy.model.to(self.device)
        self.tok = self.policy.tokenizer
        template = cfg.data.prompt_template
        self.train_set = self._fit_prompts(load_dataset(cfg.data.train, "train", n=cfg.data.train_size, seed=0,
                                                        template=template))
        self.test_set = self._fit_prompts(load_dataset(cfg.data.test, "test", n=cfg.data.test_size, seed=0,
                                                       template=template))
        if not self.train_set:
            raise ValueError(f"data.train={cfg.data.train!r}: no prompt fits data.max_prompt_length")
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=cfg.actor.lr, betas=(0.9, 0.999),
                                           weight_decay=cfg.actor.weight_decay)
        self.ref_model = None
        if cfg.actor.use_kl_loss:
            import copy

            self.ref_model = copy.deepcopy(self.model).eval()
            for p in self.ref_model.parameters():
                p.requires_grad_(False)
        self.temperature = cfg.rollout.temperature_schedule()
        self.temperature_chosen: float | None = None  # what an `auto` schedule picked (kept in checkpoints)
        self.max_length = cfg.data.max_response_length_schedule()
        self.limits = Limits(time_limit_s=cfg.reward.time_limit_s, memory_mb=cfg.reward.memory_mb)
        self.pool = SandboxPool()
        self.loss_cfg = _ActorLossConfig(cfg.actor.clip_ratio_low, cfg.actor.clip_ratio_low,
                                         cfg.actor.clip_ratio_high)

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
            random.Random(self.cfg.trainer.seed * 100003 + epoch).shuffle(order)
            out.append(self.train_set[order[offset]])
        return out

    # ------------------------------------------------------------------------------------------- pieces
    def _judge(self, problems: list, texts: list[str]) -> list[bool]:
        codes = [extract_code(t) for t in texts]
        res = judge_many(list(zip(codes, [p.problem for p in problems])), (self.cfg.reward.evaluator,),
                         self.limits, pool=self.pool, stop_early=True)
        return [r[self.cfg.reward.evaluator].ok for r in res]

    def evaluate(self, step: int) -> dict:
        """pass@1 on the fixed test set (mean over val_n samples per problem), overall and per cell."""
        cfg = self.cfg
        n, temp = cfg.rollout.val_n, cfg.rollout.val_temperature
        if temp == 0:
            n = 1
        prompts = [self.policy.format_prompt(p.prompt) for p in self.test_set]
        ro = sample(self.model, self.tok, prompts, n=n, temperature=temp, top_p=cfg.rollout.top_p,
                    max_new_tokens=self.max_length.value_at(step), seed=cfg.trainer.seed * 7919 + step)
        probs = [p for p in self.test_set for _ in range(n)]
        ok = self._judge(probs, ro.texts)
        out = test_accuracies(ok, [p.problem.platform for p in probs], [p.problem.difficulty for p in probs])
        out["test/response_length"] = float(ro.lengths.float().mean())
        return out

    def probe_diversity(self, temperature: float, prompts: int = 16) -> float:
        """distinct-4 diversity of the current policy at `temperature` on fixed training prompts."""
        probs = self.train_set[:prompts]
        ro = sample(self.model, self.tok, [self.policy.format_prompt(p.prompt) for p in probs],
                    n=self.cfg.rollout.n, temperature=temperature, top_p=self.cfg.rollout.top_p,
                    max_new_tokens=self.max_length.value_at(0), seed=self.cfg.trainer.seed)
        n = self.cfg.rollout.n
        return response_diversity([ro.texts[i * n:(i + 1) * n] for i in range(len(probs))], "distinct4")

    # --------------------------------------------------------------------------------------------- step
    def train_step(self, step: int) -> dict:
        cfg = self.cfg
        algos = _verl_algos()
        meter = PhaseMeter(self.device)
        t_step = time.perf_counter()
        temperature = float(self.temperature.value_at(step))
        max_len = int(self.max_length.value_at(step))
        problems = self._batch_for(step)
        self.mask_gen = mask_generator(cfg.trainer.seed, step)  # one stream per step: resumes draw the same
        n = cfg.rollout.n
        with meter.phase("rollout"):
            ro = sample(self.model, self.tok, [self.policy.format_prompt(p.prompt) for p in problems], n=n,
                        temperature=temperature, top_p=cfg.rollout.top_p, max_new_tokens=max_len,
                        seed=cfg.trainer.seed * 1_000_003 + step)
        expanded = [p for p in problems for _ in range(n)]
        with meter.phase("reward"):
            correct = torch.tensor(self._judge(expanded, ro.texts), dtype=torch.bool)
            reward = correct.float()
            if cfg.reward.overlong_buffer.enable:
                ob = cfg.reward.overlong_buffer
                reward = reward + overlong_penalty(ro.lengths.cpu(), max_len, ob.len, ob.penalty_factor)
        with meter.phase("update"):
            upd = self._update(ro, reward, correct, max_len, temperature, n, algos)
        lengths = ro.lengths.float()
        groups = [ro.texts[i * n:(i + 1) * n] for i in range(len(problems))]
        metrics = {
            "data/prompts_seen": step * cfg.data.train_batch_size,
            "train/critic_reward": float(reward.mean()),
            "train/accuracy": float(correct.float().mean()),
            "train/response_length": float(lengths.mean()),
            "train/response_length_max": float(lengths.max()),
            "train/truncated_fraction": float((ro.lengths >= max_len).float().mean()),
            "train/response_diversity": response_diversity(groups, "distinct4"),
            "train/temperature": temperature,
            "train/max_response_length": max_len,
            **upd,
            **meter.metrics,
        }
        metrics["time/step_s"] = time.perf_counter() - t_step
        self._samples = [{"prompt": expanded[i].prompt, "response": ro.texts[i], "reward": float(reward[i]),
                          "correct": bool(correct[i]), "length": int(ro.lengths[i])}
                         for i in range(0, len(expanded), max(1, len(expanded) // SAMPLES_PER_STEP))][:SAMPLES_PER_STEP]
        return metrics

    def _update(self, ro: Rollout, reward: torch.Tensor, correct: torch.Tensor, max_len: int, temperature: float,
                n: int, algos) -> dict:
        cfg = self.cfg
        dev = self.device
        mask = ro.response_mask.float()
        B, T = mask.shape
        lengths = ro.lengths
        token_rewards = torch.zeros(B, T, device=dev)
        token_rewards[torch.arange(B, device=dev), (lengths - 1).clamp(min=0)] = reward.to(dev)
        index = np.array([str(i // n) for i in range(B)], dtype=object)
        adv_fn = algos.get_adv_estimator_fn(cfg.algorithm.adv_estimator)
        kwargs = {"norm_adv_by_std_in_grpo": cfg.algorithm.norm_adv_by_std_in_grpo}
        advantages, _ = adv_fn(token_level_rewards=token_rewards, response_mask=mask, index=index, **kwargs)
        answered = torch.tensor([has_answer(t) for t in ro.texts], dtype=torch.bool)
        masking = mask_advantages(advantages, ro.response_ids, ro.response_mask, correct, answered,
                                  mode=cfg.mask.mode, max_length=max_len, ratio=cfg.mask.ratio,
                                  repeat_window=cfg.mask.repeat_window, eligible=cfg.mask.eligible,
                                  generator=self.mask_gen)
        advantages, mask_stats = masking.advantages, masking.fractions()

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
            "train/masked_fraction": mask_stats["masked_fraction"],
            "train/entropy": float(np.mean(stats["entropy"])),
            "train/clip_fraction": float(np.mean(stats["clip"])),
            "train/grad_norm": float(np.mean(stats["grad"])),
            "train/pg_loss": float(np.mean(stats["loss"])),
            "train/repetitive_fraction": mask_stats["repetitive_fraction"],
        }
        if stats["kl"]:
            out["train/kl"] = float(np.mean(stats["kl"]))
        return out

    # ---------------------------------------------------------------------------------------------- run
    def _checkpoint(self, step: int) -> None:
        state = {"step": step, "temperature_chosen": self.temperature_chosen,
                 "run": self.store.dir.name}
        save_checkpoint(self.store.checkpoint_path(step), self.model, self.tok, self.optimizer, state)
        self.store.mark_checkpoint_complete(step)

    def _start_step(self) -> int:
        """Resume from this run's latest checkpoint, or start a branch from `init_from`; else 0."""
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
            return 0
        if isinstance(self.temperature, AutoSchedule) and state.get("temperature_chosen") is not None:
            # no re-probe: keep the parent's choice
            self.temperature_chosen = float(state["temperature_chosen"])
            self.temperature = ConstantSchedule(self.temperature_chosen)
        return step

    def run(self) -> dict:
        cfg = self.cfg
        self._setup()
        start = self._start_step()
        if isinstance(self.temperature, AutoSchedule) and not self.temperature.resolved:
            chosen = self.temperature_chosen = self.temperature.resolve(self.probe_diversity)
            self.log(f"auto temperature: chose {chosen} (diversity by temperature: {self.temperature.measured})")
        total = cfg.trainer.total_steps
        if start == 0:
            metrics = {"data/prompts_seen": 0, "train/temperature": float(self.temperature.value_at(0)),
                       "train/max_response_length": int(self.max_length.value_at(0)), **self.evaluate(0)}
            self._log(0, metrics)
            if cfg.trainer.save_freq:
                self._checkpoint(0)
        for step in range(start + 1, total + 1):
            metrics = self.train_step(step)
            if (cfg.trainer.test_freq and step % cfg.trainer.test_freq == 0) or step == total:
                metrics.update(self.evaluate(step))
            self.store.write_samples(step, self._samples)
            self._log(step, metrics)
            if (cfg.trainer.save_freq and step % cfg.trainer.save_freq == 0) or step == total:
                self._checkpoint(step)
        self.pool.close()
        return self.last_metrics

    def _log(self, step: int, metrics: dict) -> None:
        metrics = {k: (float(v) if isinstance(v, (np.floating, torch.Tensor)) else v) for k, v in metrics.items()}
        if self.tracker is not None:
            self.tracker.log(step, metrics)
        else:
            self.store.log(step, metrics)
        self.last_metrics = {"step": step, **metrics}
        if self.progress is not None:
            self.progress(step, metrics)
