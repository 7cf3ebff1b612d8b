"""Generate micro problem sets, convert them to verl rows and our JSONL schema, and resolve named datasets.

    from microcoder.data.micro import generate, load_dataset, to_records
    train = generate(2000, tier="hard", seed=0, split="train")   # deterministic for (n, tier, seed, split)
    test = load_dataset("micro-hard", split="test", n=200, seed=0)
    rows = to_records(train)                                      # verl parquet rows (design.md §6)

Splits: a (family, parameters) combination belongs to exactly one split (`family.split_of`, a hash; ~20 % test), so
the test split's prompts never occur in training — held-out problems, not held-out tests of seen prompts.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Iterable

from microcoder.evaluator.problems import Problem, problem_from_ground_truth
from microcoder.registry import Registry

from .family import FAMILIES, TIERS, Family, MicroProblem, Variant, build_problem, split_of

SPLITS = ("train", "test")
TIER_CHOICES = TIERS + ("mixed",)
PARAM_TRIES = 2000  # parameter draws per problem before giving up (a family whose split is (nearly) empty)
DEFAULT_SIZE = {"train": 4096, "test": 200}

DATASETS: Registry[str] = Registry("micro dataset", describe=lambda tier: f"generated micro problems, {tier} tier")
"""Dataset name → tier, so that a run config's ``data.train: micro-hard`` resolves."""
for _tier in TIER_CHOICES:
    DATASETS.add(f"micro-{_tier}", _tier)


def families(tier: str = "mixed") -> list[Family]:
    """The registered families of a tier ("easy", "hard" or "mixed" = both), in name order."""
    if tier not in TIER_CHOICES:
        raise ValueError(f"unknown tier {tier!r}; valid: {', '.join(TIER_CHOICES)}")
    fams = [FAMILIES.get(name) for name in FAMILIES.names()]
    return [f for f in fams if tier == "mixed" or f.tier == tier]


def _one(fam: Family, rng: random.Random, split: str, n_tests: int) -> MicroProblem:
    for _ in range(PARAM_TRIES):
        p = fam.sample_params(rng)
        if split_of(fam.name, p) != split:
            continue
        mp = build_problem(fam, p, rng, split=split, n_tests=n_tests)
        if mp is not None:
            return mp
    raise RuntimeError(f"micro family {fam.name!r}: no {split} problem in {PARAM_TRIES} parameter draws")


def generate(n: int, *, tier: str = "mixed", seed: int = 0, split: str = "train",
             n_tests: int = 5) -> list[MicroProblem]:
    """`n` distinct problems of `tier` from `split`, the same for the same arguments.

    Families take turns, each round in a shuffled order, so every family is represented in proportion and a smaller
    `n` gives a prefix of a larger one. Problem ids are content hashes (family, parameters, tests), unique within
    the list.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    fams = families(tier)
    rng = random.Random(f"micro:{tier}:{split}:{seed}:{n_tests}")
    out: list[MicroProblem] = []
    seen: set[str] = set()
    order: list[Family] = []
    while len(out) < n:
        if not order:
            order = list(fams)
            rng.shuffle(order)
        mp = _one(order.pop(), rng, split, n_tests)
        if mp.problem.id not in seen:
            seen.add(mp.problem.id)
            out.append(mp)
    return out


def solutions(mp: MicroProblem) -> list[Variant]:
    """Every correct program of a problem, canonical first, each tagged with ``strict_ok`` (strict accepts it)."""
    return list(mp.correct)


def wrong_variants(mp: MicroProblem) -> list[str]:
    """Programs that run but give a wrong answer (3–6 a problem), for the warm-start mixture (design.md §9)."""
    return mp.wrong


# ---------------------------------------------------------------------------------------------- conversion


def _problem_core(mp: MicroProblem) -> dict:
    p = mp.problem
    d = {"id": p.id, "style": p.style}
    if p.fn_name:
        d["fn_name"] = p.fn_name
    d.update({"platform": p.platform, "difficulty": p.difficulty,
              "tests": [{"input": t.input, "output": t.output} for t in p.tests],
              "family": mp.family, "tier": mp.tier, "split": mp.split})
    return d


def to_problem_dicts(problems: Iterable[MicroProblem]) -> list[dict]:
    """Our JSONL problem schema (evaluator/problems.py), plus prompt, params, solutions and wrong variants."""
    out = []
    for mp in problems:
        d = _problem_core(mp)
        d.update({"prompt": mp.prompt, "params": mp.params,
                  "solutions": [{"code": v.code, "label": v.label, "strict_ok": v.strict_ok} for v in mp.correct],
                  "wrong": [{"code": v.code, "label": v.label} for v in mp.wrong_variants]})
        out.append(d)
    ids = [d["id"] for d in out]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate problem ids")
    return out


def to_records(problems: Iterable[MicroProblem]) -> list[dict]:
    """verl's parquet rows (design.md §6); ``ground_truth`` is our problem dict as JSON text."""
    rows = []
    for mp in problems:
        p = mp.problem
        rows.append({
            "data_source": f"micro/{mp.tier}",
            "prompt": [{"role": "user", "content": mp.prompt}],
            "ability": "code",
            "reward_model": {"style": "rule", "ground_truth": json.dumps(_problem_core(mp))},
            "extra_info": {"id": p.id, "platform": p.platform, "difficulty": p.difficulty, "family": mp.family,
                           "tier": mp.tier, "split": mp.split},
        })
    return rows


def from_dict(d: dict) -> MicroProblem:
    """A MicroProblem from one JSONL line: our problem schema (as `to_problem_dicts` writes) or a verl record."""
    if "reward_model" in d:
        extra = d.get("extra_info") or {}
        problem = problem_from_ground_truth(d["reward_model"]["ground_truth"], extra)
        prompt = d["prompt"][-1]["content"] if isinstance(d.get("prompt"), list) else str(d.get("prompt", ""))
        src = {**problem.meta, **extra}
        return MicroProblem(problem, prompt, src.get("family", ""), src.get("tier", ""), src.get("split", ""), {}, [])
    problem = Problem.from_dict({k: v for k, v in d.items() if k not in ("prompt", "params", "solutions", "wrong")})
    correct = [Variant(s["code"], s.get("label", ""), s.get("strict_ok")) for s in d.get("solutions", [])]
    wrong = [Variant(w["code"], w.get("label", "")) for w in d.get("wrong", [])]
    return MicroProblem(problem, d.get("prompt", ""), d.get("family", ""), d.get("tier", ""), d.get("split", ""),
                        d.get("params", {}), correct, wrong)


def load_dataset(name: str, split: str = "train", n: int | None = None, seed: int = 0) -> list[MicroProblem]:
    """A named micro dataset (`DATASETS`: generated, n defaults to `DEFAULT_SIZE[split]`) or a JSONL file of
    problems in our schema or of verl records (the first n lines when n is given); any other name is a prepared
    dataset (`microcoder.data.resolve`). An unknown name raises a RegistryError listing the valid names."""
    if name in DATASETS:
        return generate(DEFAULT_SIZE[split] if n is None else n, tier=DATASETS.get(name), seed=seed, split=split)
    path = Path(name)
    if not (path.suffix == ".jsonl" and path.is_file()):
        from microcoder.data.resolve import load_prepared  # a prepared dataset (`microcoder data prepare`)

        return load_prepared(name, split, n=n)  # raises for an unknown name, listing the valid ones
    from microcoder.data.readers import prepared_lines

    out = []
    for lineno, d in prepared_lines(path):  # a broken line raises naming the file and line
        try:
            out.append(from_dict(d))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}:{lineno}: {e}") from None
        if n is not None and len(out) >= n:
            break
    return out
