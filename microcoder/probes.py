"""Evaluation jobs on a model or a run's checkpoints: the temperature probe and the length probe.

    microcoder probe temperature runs/temperature/t06 --temperatures 0.6,1.0,1.4,1.8 --steps 0,20,40
    microcoder probe lengths     runs/generations/dapo --steps last

temperature (the study's figure 7_2, left panels): for each checkpoint and each evaluation temperature, pass@1
on a fixed set of test prompts (mean over n samples) and the response diversity (distinct-4 pooled per prompt,
`train/response_diversity`'s definition). `auto` temperature schedules use the same measurement on the starting
policy. lengths (figure 1_0, density panel): the token length of every sampled response.

Results are appended to the probed run's folder: `probes/temperature.jsonl` (one row per checkpoint step ×
temperature: step, temperature, accuracy, diversity, prompts, n) and `probes/lengths.jsonl` (one row per checkpoint
step: step, temperature, lengths). A model without a run (`--preset micro`) gets a run folder of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from microcoder.config import RunConfig, from_dict, load_config
from microcoder.run_store import RunStore


class Prober:
    """A run's policy at any of its checkpoints, with the run's test prompts and evaluator."""

    def __init__(self, run_dir: str | Path, cfg: RunConfig | None = None, cache_dir=None, log=print):
        from microcoder.evaluator import Limits, SandboxPool
        from microcoder.models import PRESETS, load_policy

        self.store = RunStore.at(run_dir)
        if cfg is None:
            raw = self.store.read_config()
            if raw is None:
                raise FileNotFoundError(f"{run_dir}: no config.yaml (not a run folder); pass --preset instead")
            cfg = from_dict(raw)
        self.cfg, self.log = cfg, log
        path = cfg.model.path
        if not path and cfg.model.preset not in PRESETS.names():  # a verl-only preset names a hub model
            from microcoder.models import HUB_IDS

            path = HUB_IDS.get(cfg.model.preset)
        self.policy = load_policy(path, cfg.model.preset, cache_dir, log=log)
        self.limits = Limits(time_limit_s=cfg.reward.time_limit_s, memory_mb=cfg.reward.memory_mb)
        self.pool = SandboxPool()

    def checkpoints(self, steps: str) -> list[tuple[int, Path | None]]:
        """'all', 'last', 'none' (the starting model) or a comma list of steps."""
        found = self.store.list_checkpoints()
        if steps == "none" or not found:
            return [(0, None)]
        if steps == "all":
            return list(found)
        if steps == "last":
            return [found[-1]]
        wanted = {int(s) for s in steps.split(",") if s.strip()}
        chosen = [(s, p) for s, p in found if s in wanted]
        missing = wanted - {s for s, _ in chosen}
        if missing:
            raise ValueError(f"no checkpoint for steps {sorted(missing)}; have {[s for s, _ in found]}")
        return chosen

    def load(self, path: Path | None) -> None:
        """The policy at checkpoint `path` (None: the starting model): a local-backend checkpoint, or a verl one
        through its HF export `actor/huggingface` (the verl translation saves it with every checkpoint)."""
        if path is None:
            return
        actor = Path(path) / "actor"
        if actor.is_dir():
            hf = actor / "huggingface"
            if not any(hf.glob("*.safetensors")) and not any(hf.glob("pytorch_model*.bin")):
                raise FileNotFoundError(
                    f"{path}: a verl checkpoint without its HF export ({hf}); write it with verl's model merger: "
                    f"python -m verl.model_merger merge --backend fsdp --local_dir {actor} --target_dir {hf}")
            import torch
            from transformers import AutoModelForCausalLM

            device = next(self.policy.model.parameters()).device
            self.policy.model = AutoModelForCausalLM.from_pretrained(hf, dtype=torch.float32).to(device).eval()
            return
        from microcoder.backends.local.checkpoint import load_checkpoint

        load_checkpoint(path, self.policy.model, None, restore_rng=False)

    def sample(self, problems, temperature: float, n: int, max_new_tokens: int, seed: int):
        from microcoder.backends.local.rollout import sample

        return sample(self.policy.model, self.policy.tokenizer, [self.policy.format_prompt(p.prompt) for p in problems],
                      n=n, temperature=temperature, top_p=self.cfg.rollout.top_p, max_new_tokens=max_new_tokens,
                      seed=seed)

    def accuracy(self, problems, texts: list[str], n: int) -> float:
        from microcoder.evaluator import judge_many
        from microcoder.evaluator.extraction import extract_code

        pairs = [(extract_code(t), p.problem) for p, t in zip([p for p in problems for _ in range(n)], texts)]
        res = judge_many(pairs, (self.cfg.reward.evaluator,), self.limits, pool=self.pool)
        return float(np.mean([r[self.cfg.reward.evaluator].ok for r in res]))

    def test_problems(self, prompts: int):
        from microcoder.data.resolve import load_dataset

        return load_dataset(self.cfg.data.test, "test", n=prompts, seed=0, template=self.cfg.data.prompt_template)

    def close(self) -> None:
        self.pool.close()


def _checkpoints_of(run_dir, cfg, steps, prompts, cache_dir, log):
    """Yield (prober, test problems, max length, step) with each requested checkpoint loaded in turn."""
    prober = Prober(run_dir, cfg, cache_dir, log)
    problems = prober.test_problems(prompts)
    max_len = int(prober.cfg.data.max_response_length_schedule().value_at(0))
    try:
        for step, path in prober.checkpoints(steps):
            prober.load(path)
            yield prober, problems, max_len, step
    finally:
        prober.close()


def probe_temperature(run_dir: str | Path, temperatures: list[float], steps: str = "all", prompts: int = 64,
                      n: int = 8, cfg: RunConfig | None = None, cache_dir=None, log: Callable = print) -> list[dict]:
    from microcoder.recipe.diversity import response_diversity

    store, rows = RunStore.at(run_dir), []
    for prober, problems, max_len, step in _checkpoints_of(run_dir, cfg, steps, prompts, cache_dir, log):
        for t in temperatures:
            ro = prober.sample(problems, t, n, max_len, seed=prober.cfg.trainer.seed + step)
            groups = [ro.texts[i * n:(i + 1) * n] for i in range(len(problems))]
            row = {"step": step, "temperature": t, "accuracy": prober.accuracy(problems, ro.texts, n),
                   "diversity": response_diversity(groups, "distinct4"), "prompts": len(problems), "n": n,
                   "response_length": float(ro.lengths.float().mean())}
            store.append_probe("temperature", row)
            rows.append(row)
            log(f"step {step:>4}  T={t:<4}  accuracy {row['accuracy']:.3f}  diversity {row['diversity']:.3f}")
    return rows


def probe_lengths(run_dir: str | Path, steps: str = "last", prompts: int = 64, n: int = 8,
                  temperature: float | None = None, cfg: RunConfig | None = None, cache_dir=None,
                  log: Callable = print) -> list[dict]:
    store, rows = RunStore.at(run_dir), []
    for prober, problems, max_len, step in _checkpoints_of(run_dir, cfg, steps, prompts, cache_dir, log):
        t = temperature if temperature is not None else float(prober.cfg.rollout.val_temperature or 1.0)
        ro = prober.sample(problems, t, n, max_len, seed=prober.cfg.trainer.seed + step)
        row = {"step": step, "temperature": t, "max_response_length": max_len,
               "lengths": [int(x) for x in ro.lengths.tolist()]}
        store.append_probe("lengths", row)
        rows.append(row)
        log(f"step {step:>4}  {len(row['lengths'])} responses, mean length {np.mean(row['lengths']):.1f}")
    return rows


def standalone_run_dir(out: str | Path, name: str, config_path: str | None,
                       overrides: list[str]) -> tuple[Path, RunConfig]:
    """A run folder for probing a model that has no run (writes config.yaml there)."""
    from microcoder.config import to_dict

    cfg = load_config(config_path, overrides)
    store = RunStore(out, "probes", name)
    store.write_config(to_dict(cfg))
    return store.dir, cfg
