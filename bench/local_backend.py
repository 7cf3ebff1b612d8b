"""Benchmark: one GRPO step of the local backend on the `micro` preset, against a bare reference.

Ours: `LocalTrainer.train_step` — 16 prompts × 8 responses, responses up to 128 tokens — split into rollout /
reward / update seconds, with the peak RSS. The reference, in the same run and process: the same model's
`generate` for the same prompts and settings, plus one forward+backward pass over the same tokens with a plain
mean log-likelihood loss — no sandbox, no advantage, no platform code. Prints medians and the ratio.
Targets on 2 cores: median step <= 5 s; ours <= 1.5x the reference; peak RSS <= 2 GB.

    python bench/local_backend.py [--steps 6] [--max-len 128]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

import torch

from microcoder.backends.local.trainer import LocalTrainer
from microcoder.config import load_config
from microcoder.run_store import RunStore


def bare_step(model, tok, prompts: list[str], n: int, temperature: float, max_len: int, seed: int) -> float:
    t0 = time.perf_counter()
    torch.manual_seed(seed)
    enc = tok([p for p in prompts for _ in range(n)], return_tensors="pt", padding=True, add_special_tokens=False)
    with torch.no_grad():
        out = model.generate(**enc, do_sample=True, temperature=temperature, top_k=0, max_new_tokens=max_len,
                             pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    attn = (out != tok.pad_token_id).long()
    attn[:, : enc["input_ids"].shape[1]] = enc["attention_mask"]
    logits = model(input_ids=out, attention_mask=attn).logits[:, :-1]
    logp = torch.log_softmax(logits.float(), -1).gather(-1, out[:, 1:].unsqueeze(-1)).squeeze(-1)
    loss = -(logp * attn[:, 1:]).sum() / attn[:, 1:].sum()
    model.zero_grad(set_to_none=True)
    loss.backward()
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=6, help="measured steps of each (after one warm-up step)")
    ap.add_argument("--max-len", type=int, default=128, help="max response tokens")
    args = ap.parse_args()
    cfg = load_config(None, ["data.train_batch_size=16", "rollout.n=8", "actor.ppo_mini_batch_size=8",
                             f"data.max_response_length={args.max_len}", "tracking.mode=disabled",
                             "data.test_size=8"])
    with tempfile.TemporaryDirectory() as tmp:
        with LocalTrainer(cfg, RunStore(tmp, "bench", "local"), log=lambda s: None) as trainer:
            ours, phases, peak = [], {"rollout": [], "reward": [], "update": []}, 0.0
            bare = []
            for step in range(1, args.steps + 2):
                m = trainer.train_step(step).metrics
                peak = max(peak, *(v for k, v in m.items() if k.startswith("mem/")))
                fmt = trainer.policy.format_prompt
                prompts = [fmt(p.prompt) for p in trainer._batch_for(step)]
                b = bare_step(trainer.model, trainer.tok, prompts, cfg.rollout.n, 1.0, args.max_len, step)
                if step == 1:
                    continue  # warm-up
                ours.append(m["time/step_s"])
                bare.append(b)
                for k in phases:
                    phases[k].append(m[f"time/{k}_s"])
    med = statistics.median
    print(f"local backend, micro preset, 16 prompts x 8 responses, <= {args.max_len} tokens, "
          f"{torch.get_num_threads()} torch threads")
    print(f"ours: median step {med(ours):.2f} s  (rollout {med(phases['rollout']):.2f} / reward "
          f"{med(phases['reward']):.2f} / update {med(phases['update']):.2f})")
    print(f"bare reference (generate + one backward): median {med(bare):.2f} s")
    print(f"ratio ours / bare: {med(ours) / med(bare):.2f}x (target <= 1.5x); median step target <= 5 s")
    print(f"peak RSS (max over the phases of every step): {peak:.2f} GB (target <= 2 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
