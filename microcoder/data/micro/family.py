"""A micro task family: a parameterised template that yields a prompt, programs and tests, and the family registry.

Why: the local backend trains a ~2M-parameter model from scratch, so its tasks must be tiny and formulaic (the
prompt names every parameter; a reference program is one or two lines) and the study's axes must still bite:
two tiers (one operation vs two composed), several correct programs that differ only in output format (so the
strict and robust evaluators disagree), and subtly wrong programs for the warm-start mixture (design.md §9).

How: a `Family` subclass defines, for a parameter dict ``p`` (plain JSON values):

* ``sample_params(rng)`` and ``sample_input(rng, p)`` (the raw data of one test: a list, a string, a tuple);
* ``prompt(p)``, ``code(p)`` (the canonical program) and ``answer(p, data)`` (the correct value, computed in Python:
  expected outputs never come from running code);
* ``perturb(p)``: ``(label, p2)`` pairs, each a subtly wrong program that is the SAME template with a perturbed
  parameter or operator (a constant off by one, + ↔ −, // ↔ %, max ↔ min, sum → len, a dropped step). Since
  ``answer(p2, ·)`` predicts what ``code(p2)`` prints, wrongness is checked at generation time without running it;
* ``variants(p)``: other correct programs with their own output predictions (``Program.run``), e.g. float noise,
  tuples nested in a list, one item a line.

`build_problem` samples tests, predicts every program's outputs, and keeps: the canonical program (the strict
comparator must accept it), variants the robust comparator accepts (tagged with whether strict accepts them too),
and wrong programs the robust comparator rejects on at least one test. The tests in
``tests/data/test_micro_suite.py`` then confirm the predictions by judging in the sandbox.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from typing import Any, Callable

from microcoder.evaluator.comparators import compare
from microcoder.evaluator.problems import Problem
from microcoder.registry import Registry

TIERS = ("easy", "hard")
FORMATS = ("float_noise", "nested_tuples", "line_breaks")
MIN_WRONG, MAX_WRONG = 3, 6  # subtly wrong programs kept per problem
TEST_TRIES = 40  # test sets sampled per parameter choice before giving the parameters up


@dataclass(frozen=True)
class Program:
    """A program and a Python prediction of its output for one test's raw data (stdout text or return value)."""

    label: str
    code: str
    run: Callable[[Any], Any]


@dataclass(frozen=True)
class Variant:
    """A program kept for a problem: a correct solution (``strict_ok`` set) or a wrong one (``strict_ok`` None)."""

    code: str
    label: str
    strict_ok: bool | None = None


@dataclass
class MicroProblem:
    """One generated problem: the evaluator's `Problem`, its prompt, correct and subtly wrong programs."""

    problem: Problem
    prompt: str
    family: str
    tier: str
    split: str
    params: dict
    correct: list[Variant]  # canonical first
    wrong_variants: list[Variant] = field(default_factory=list)

    @property
    def solutions(self) -> list[str]:
        """Correct programs, canonical first."""
        return [v.code for v in self.correct]

    @property
    def wrong(self) -> list[str]:
        """Programs that run but give a wrong answer on at least one test."""
        return [v.code for v in self.wrong_variants]


FAMILIES: Registry["Family"] = Registry("micro family")


def register(cls: type["Family"]) -> type["Family"]:
    """Class decorator: register one instance of the family under its ``name``."""
    FAMILIES.add(cls.name, cls())
    return cls


class Family:
    """A problem template; subclasses fill in the class attributes and the methods below."""

    name: str = ""
    style: str = "stdin"  # "stdin" | "call"
    tier: str = "easy"  # "easy" (one operation) | "hard" (two composed)
    platform: str = "atcoder"  # stdin: atcoder | codeforces; call: leetcode
    difficulty: str = "easy"  # easy | medium | hard (the results table's rows)
    fmt: str | None = None  # the format variation its variants exercise (one of FORMATS), if any
    summary: str = ""  # one line for listings

    def sample_params(self, rng: random.Random) -> dict:
        raise NotImplementedError

    def sample_input(self, rng: random.Random, p: dict) -> Any:
        raise NotImplementedError

    def prompt(self, p: dict) -> str:
        raise NotImplementedError

    def code(self, p: dict) -> str:
        raise NotImplementedError

    def answer(self, p: dict, data: Any) -> Any:
        raise NotImplementedError

    def perturb(self, p: dict) -> list[tuple[str, dict]]:
        return []

    def variants(self, p: dict) -> list[Program]:
        return []

    def fn_name(self, p: dict) -> str | None:
        return None

    # ------------------------------------------------------------------ rendering (rarely overridden)

    def test_input(self, data: Any) -> Any:
        """stdin text, or the call's argument list."""
        if self.style == "call":
            return list(data) if isinstance(data, tuple) else [data]
        if isinstance(data, (list, tuple)):
            return printed(*data)
        return f"{data}\n"

    def render(self, value: Any) -> Any:
        """What a correct program outputs for `value`: print()'s text, or the return value itself."""
        if self.style == "call":
            return value
        return printed(*value) if isinstance(value, list) else printed(value)

    def program(self, p: dict, label: str = "canonical") -> Program:
        return Program(label, self.code(p), lambda data: self.render(self.answer(p, data)))


def printed(*values: Any, sep: str = " ") -> str:
    """What ``print(*values, sep=sep)`` writes."""
    return sep.join(map(str, values)) + "\n"


def lines(values: list) -> str:
    """What ``for v in values: print(v)`` writes."""
    return "".join(f"{v}\n" for v in values)


# ---------------------------------------------------------------------------------------------- building


def split_of(family: str, params: dict, test_fraction: float = 0.2) -> str:
    """The split a (family, parameters) combination belongs to: "test" for a fixed ~`test_fraction`, else "train"."""
    digest = hashlib.sha256(json.dumps([family, params], sort_keys=True).encode()).hexdigest()
    return "test" if int(digest[:8], 16) / 2**32 < test_fraction else "train"


def _accepts(evaluator: str, style: str, expected: list, actual: list) -> list[bool]:
    return [compare(evaluator, e, a, style=style).ok for e, a in zip(expected, actual)]


def _predict(prog: Program, datas: list) -> list | None:
    try:
        return [prog.run(d) for d in datas]
    except Exception:  # e.g. max() of an empty filter: the program would crash, not give a wrong answer
        return None


def _sample_tests(fam: Family, p: dict, rng: random.Random, n_tests: int) -> tuple[list, list] | None:
    datas, expected, seen = [], [], set()
    for _ in range(n_tests * 20):
        data = fam.sample_input(rng, p)
        key = json.dumps(data)
        if key in seen:
            continue
        try:
            value = fam.render(fam.answer(p, data))
        except Exception:  # the answer is undefined for this input (e.g. an empty filter under max)
            continue
        seen.add(key)
        datas.append(data)
        expected.append(json.loads(json.dumps(value)) if fam.style == "call" else value)
        if len(datas) == n_tests:
            return datas, expected
    return None


def build_problem(fam: Family, p: dict, rng: random.Random, *, split: str, n_tests: int = 5) -> MicroProblem | None:
    """Sample tests for parameters `p` and keep the programs whose predicted outputs behave; None if no test set
    within `TEST_TRIES` gives a strict-rejected variant (format families) and at least `MIN_WRONG` wrong programs."""
    canonical = fam.program(p)
    for _ in range(TEST_TRIES):
        sampled = _sample_tests(fam, p, rng, n_tests)
        if sampled is None:
            continue
        datas, expected = sampled
        outs = _predict(canonical, datas)
        if outs is None or not all(_accepts("strict", fam.style, expected, outs)):
            continue
        correct = [Variant(canonical.code, canonical.label, True)]
        for v in fam.variants(p):
            outs = _predict(v, datas)
            if outs is not None and all(_accepts("microcoder", fam.style, expected, outs)):
                correct.append(Variant(v.code, v.label, all(_accepts("strict", fam.style, expected, outs))))
        if fam.fmt and all(v.strict_ok for v in correct):
            continue  # this test set does not show the format difference
        codes = {v.code for v in correct}
        wrong: list[Variant] = []
        for label, p2 in fam.perturb(p):
            prog = fam.program(p2, label)
            outs = _predict(prog, datas)
            if prog.code in codes or outs is None or all(_accepts("microcoder", fam.style, expected, outs)):
                continue
            codes.add(prog.code)
            wrong.append(Variant(prog.code, label))
        if len(wrong) < MIN_WRONG:
            continue
        tests = [{"input": fam.test_input(d), "output": e} for d, e in zip(datas, expected)]
        digest = hashlib.sha256(json.dumps([fam.name, p, tests], sort_keys=True).encode()).hexdigest()[:12]
        d = {"id": f"micro-{fam.name}-{digest}", "style": fam.style, "platform": fam.platform,
             "difficulty": fam.difficulty, "tests": tests, "family": fam.name, "tier": fam.tier, "split": split}
        if fam.style == "call":
            d["fn_name"] = fam.fn_name(p)
        return MicroProblem(Problem.from_dict(d), fam.prompt(p), fam.name, fam.tier, split, dict(p), correct,
                            wrong[:MAX_WRONG])
    return None
