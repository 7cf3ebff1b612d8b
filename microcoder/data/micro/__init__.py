"""The micro task suite: generated small coding problems for a ~2M-parameter model trained from scratch on CPU.

Why: the local GRPO backend needs tasks a tiny model can learn in minutes (design.md §9), on which the study's
axes still matter: an easy tier (one operation) and a hard tier (two composed) stand in for the easier and harder
training sets; families whose natural solutions print float noise, return tuples nested in a list or print one
item a line make the strict and robust evaluators disagree; subtly wrong programs (a constant off by one, + ↔ −,
// ↔ %, max ↔ min, sum → len, a dropped step) make the warm-start mixture whose errors RL removes.

    from microcoder.data.micro import generate, to_records, load_dataset, FAMILIES
    probs = generate(100, tier="easy", seed=0, split="train")
    probs[0].prompt        # 'Read a line of integers. Print the sum of the integers greater than 3.'
    probs[0].solutions     # correct programs, canonical first (the strict evaluator accepts the canonical one)
    probs[0].wrong         # 3–6 programs that run but answer wrongly
    probs[0].problem       # the evaluator's Problem: 5 hidden tests, platform, difficulty

What it covers: 20 families (`FAMILIES`; easy.py, hard.py), stdin style (platform atcoder/codeforces) and call
style (leetcode: functions and ``class Solution`` methods), difficulties easy/medium/hard. Expected outputs are
computed in Python, never by running code; every program's output is predicted in Python too and checked
against the comparators at generation time, and ``tests/data/test_micro_suite.py`` confirms it in the sandbox.
What it does not cover: anything needing more than a line or two of code — it is a training signal for a tiny
model, not a benchmark.
"""

from . import easy, hard  # noqa: F401  (registers the families)
from .family import FAMILIES, FORMATS, TIERS, Family, MicroProblem, Program, Variant, build_problem, split_of
from .suite import (DATASETS, DEFAULT_SIZE, SPLITS, families, from_dict, generate, load_dataset, solutions,
                    to_problem_dicts, to_records, wrong_variants)

__all__ = [
    "FAMILIES", "FORMATS", "TIERS", "Family", "MicroProblem", "Program", "Variant", "build_problem", "split_of",
    "DATASETS", "DEFAULT_SIZE", "SPLITS", "families", "from_dict", "generate", "load_dataset", "solutions",
    "to_problem_dicts", "to_records", "wrong_variants",
]
