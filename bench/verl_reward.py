"""Benchmark: our reward on verl, called the way verl 0.9.1's reward workers call it, against `judge_many`.

Both score the same batch (default 400 responses to micro-suite problems: correct, subtly wrong and crashing
programs, each as a markdown code block) in the same run:
    reference  `judge_many` over the (program, problem) pairs on the process's sandbox pool;
    verl       verl's own `load_reward_manager` with a study run's translated config (the DAPO manager, our
               `compute_score` loaded by `pkg://` path), `run_single` for every response at once on the manager's
               event loop: verl decodes each response and calls compute_score in its executor threads, as in a
               reward worker; every call shares the one sandbox pool (`shared_pool`).
Prints both throughputs (responses/s) and their ratio verl / reference, and checks that both gave every response
the same pass/fail. Target: ratio >= 0.8.

    python bench/verl_reward.py [--responses 400] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--responses", type=int, default=400, help="responses to score (default 400)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="sandboxes in the pool (default: cores)")
    args = ap.parse_args(argv)
    os.environ["MICROCODER_SANDBOX_WORKERS"] = str(args.workers)  # one pool, the same size for both

    import numpy as np
    import torch
    from hydra import compose, initialize_config_dir
    from verl import DataProto
    from verl.trainer.ppo.reward import load_reward_manager

    from microcoder.backends.verl.translate import verl_config_dir, verl_overrides
    from microcoder.config import load_config
    from microcoder.data.micro import generate, to_records
    from microcoder.evaluator import judge_many
    from microcoder.evaluator.extraction import extract_code
    from microcoder.evaluator.sandbox import shared_pool
    from microcoder.models.micro import build_tokenizer

    problems = generate(max(1, args.responses // 3), tier="mixed", seed=7, split="test")
    records = {mp.problem.id: rec for mp, rec in zip(problems, to_records(problems))}
    batch = []
    for i in range(args.responses):
        mp = problems[(i // 3) % len(problems)]
        code = [mp.solutions[0], (mp.wrong or mp.solutions)[0], "raise SystemExit(3)"][i % 3]
        batch.append((mp, f"Here is my solution.\n```python\n{code}\n```"))
    tok = build_tokenizer([r for _, r in batch[:60]] + [mp.prompt for mp in problems[:40]], 400)
    cfg = load_config(None, ["model.preset=qwen3-4b-instruct", "data.train=open-r1", "data.test=open-r1"],
                      preset="dapo")
    with initialize_config_dir(config_dir=str(verl_config_dir()), version_base=None):
        config = compose(config_name="ppo_trainer",
                         overrides=verl_overrides(cfg, checkpoints_dir="/tmp/unused", run_name="bench"))
    manager = load_reward_manager(config, tok)
    items = []
    for mp, response in batch:
        ids = tok(response, add_special_tokens=False)["input_ids"]
        rec = records[mp.problem.id]
        items.append(DataProto.from_dict(
            tensors={"prompts": torch.tensor([[1, 2]]), "responses": torch.tensor([ids]),
                     "attention_mask": torch.ones(1, 2 + len(ids), dtype=torch.long)},
            non_tensors={"data_source": np.array([rec["data_source"]], dtype=object),
                         "reward_model": np.array([rec["reward_model"]], dtype=object),
                         "extra_info": np.array([rec["extra_info"]], dtype=object)}))
    pool = shared_pool()
    print(f"{len(batch)} responses to {len(problems)} problems; sandbox pool of {pool.size}; verl manager "
          f"{type(manager).__name__}", file=sys.stderr)
    judge_many([(mp.solutions[0], mp.problem) for mp in problems[:4]], pool=pool)  # warm the workers

    t0 = time.perf_counter()
    ref = judge_many([(extract_code(r), mp.problem) for mp, r in batch], pool=pool)
    ref_s = time.perf_counter() - t0

    async def score_all():
        import asyncio

        return await asyncio.gather(*(manager.run_single(item) for item in items))

    t0 = time.perf_counter()
    out = manager.loop.run_until_complete(score_all())
    verl_s = time.perf_counter() - t0

    ref_ok = [r["microcoder"].ok for r in ref]
    verl_ok = [o["reward_extra_info"]["acc"] == 1.0 for o in out]
    ref_rate, verl_rate = len(batch) / ref_s, len(batch) / verl_s
    print(f"reference judge_many: {ref_rate:8.1f} responses/s ({ref_s:.2f} s)")
    print(f"verl reward manager : {verl_rate:8.1f} responses/s ({verl_s:.2f} s)")
    print(f"ratio verl/reference: {verl_rate / ref_rate:.2f}  (target >= 0.8)")
    print(f"same pass/fail on every response: {ref_ok == verl_ok} ({sum(ref_ok)} passed)")
    return 0 if ref_ok == verl_ok else 1


if __name__ == "__main__":
    sys.exit(main())
