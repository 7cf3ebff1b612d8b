"""`microcoder data filter`: keep the problems whose pass rate under a model lies in a range.

What: `filter_by_pass_rate(src, out, ...)` samples `n` responses per problem of a prepared split with a model (the
local backend's sampler: any HF model directory or a model preset), judges each with the evaluator in the sandbox,
and writes to `out` the problems whose pass rate p satisfies low <= p <= high (`subset.write_subset`: parquet, JSONL,
and a manifest entry `filtered` with the model, n, temperature, range and counts), plus `out/pass_rates.jsonl`
(id, pass rate, passes, n) for every problem of the source, so the cut can be moved later without sampling again.

Why: DeepCoder filters its training problems offline by difficulty, and the study's "harder data" finding compares a
harder and an easier training set; the harder set is the one a given model solves less often. `--high 0.8` drops
problems the model already solves nearly always (no learning signal in GRPO: every response of the group scores
the same); `--low 0.0 --high 0.0` keeps only what it never solves.

    microcoder data filter data/deepcoder --out data/deepcoder-hard --model-path /models/qwen3-4b --n 8 --high 0.5

Sampling runs in batches of `batch_prompts` prompts with a progress bar; judging uses one sandbox pool. The prompt
each problem is sampled with is its prepared prompt, formatted by the model's chat template.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from microcoder.console import progress_bar

from .resolve import load_prepared


def filter_by_pass_rate(src: str | Path, out: str | Path, *, split: str = "train", model_path: str | None = None,
                        preset: str | None = None, n: int = 8, low: float = 0.0, high: float = 1.0,
                        temperature: float = 1.0, top_p: float = 1.0, max_new_tokens: int = 1024,
                        evaluator: str = "microcoder", seed: int = 0, batch_prompts: int = 16,
                        limit: int | None = None, device: str | None = None,
                        log: Callable[[str], None] = print) -> dict:
    """Filter the prepared `split` of `src` into `out` by pass rate (module docstring); returns the manifest entry."""
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"--low/--high: need 0 <= low <= high <= 1, got low={low}, high={high}")
    if n < 1 or batch_prompts < 1:
        raise ValueError(f"--n and --batch-prompts must be >= 1, got {n} and {batch_prompts}")
    if Path(out).resolve() == Path(src).resolve():
        raise ValueError(f"--out {out}: write to a new folder, not the source folder itself")
    import torch

    from microcoder.backends.local.rollout import sample
    from microcoder.evaluator import Limits, SandboxPool, judge_many
    from microcoder.evaluator.comparators import COMPARATORS
    from microcoder.evaluator.extraction import extract_code
    from microcoder.models import load_policy

    COMPARATORS.get(evaluator)  # an unknown evaluator fails before the model loads, listing the valid ones
    problems = load_prepared(str(src), split, n=limit)
    if not problems:
        raise ValueError(f"{src}: no {split} problems")
    policy = load_policy(model_path, preset, log=log)
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    policy.model.to(dev)
    rates: list[dict] = []
    with SandboxPool() as pool, progress_bar(len(problems), f"pass rate ×{n}") as update:
        for start in range(0, len(problems), batch_prompts):
            chunk = problems[start:start + batch_prompts]
            ro = sample(policy.model, policy.tokenizer, [policy.format_prompt(p.prompt) for p in chunk], n=n,
                        temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens, seed=seed + start)
            pairs = [(extract_code(ro.texts[i * n + j]), p.problem) for i, p in enumerate(chunk) for j in range(n)]
            verdicts = judge_many(pairs, (evaluator,), Limits(), pool=pool)
            for i, p in enumerate(chunk):
                passes = sum(v[evaluator].ok for v in verdicts[i * n:(i + 1) * n])
                rates.append({"id": str(p.problem.id), "pass_rate": passes / n, "passes": passes, "n": n})
            update(len(rates))
    drop = {r["id"] for r in rates if not low <= r["pass_rate"] <= high}
    if limit is not None:  # problems past the limit were never sampled: they are not kept either
        seen = {r["id"] for r in rates}
        drop |= {str(p.problem.id) for p in load_prepared(str(src), split) if str(p.problem.id) not in seen}
    from .subset import write_subset

    note = {"model": model_path or preset, "n": n, "temperature": temperature, "max_new_tokens": max_new_tokens,
            "evaluator": evaluator, "range": [low, high], "split": split, "sampled": len(rates)}
    entry = write_subset(src, out, drop, split, "filtered", note)
    with open(Path(out) / "pass_rates.jsonl", "w", encoding="utf-8") as f:
        for r in rates:
            f.write(json.dumps(r) + "\n")
    return entry
