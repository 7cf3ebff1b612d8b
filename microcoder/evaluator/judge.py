"""Judge programs against problems: run every test in the sandbox, compare outputs, give verdicts.

    from microcoder.evaluator import judge, Problem
    v = judge(code, problem, evaluator="microcoder")      # Verdict(verdict="pass", passed=5, total=5, ...)
    compute_score("lcb", response_text, ground_truth_json)  # verl's reward-function signature

Execution and comparison are separate steps: a program's outputs are produced once and may be compared by
several evaluators (``microcoder judge --evaluator both`` shows where they disagree). Verdicts per test are
``pass``, ``fail`` (wrong answer, or a special checker's rejection or crash), ``timeout`` and ``error`` (compile
error, exception, non-zero exit, signal, resource or policy violation); a program passes iff every test passes,
otherwise its verdict is that of its first test that did not pass. Each evaluator judges under `rules_for(problem, evaluator)` (the problem's stated
options, its platform's conventions, defaults); a problem's special checker runs in the sandbox
(`checker`). Nothing a judged program (or checker) does raises here: ``compute_score`` returns score 0 for it.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

from .checker import run_checker
from .comparators import COMPARATORS, PLATFORM_CONVENTIONS, compare
from .conventions import JudgingRules, judging_rules
from .extraction import extract_code
from .problems import Problem, ProblemError, problem_from_ground_truth
from .sandbox import Limits, RunResult, Sandbox, SandboxPool, decode_value, shared_pool

VERDICTS = ("pass", "fail", "timeout", "error")
PREVIEW_CHARS = 60  # how much of the expected and actual output a wrong answer's reason shows


@dataclass
class TestVerdict:
    index: int
    verdict: str
    reason: str = ""
    strategy: str | None = None  # the comparator strategy that accepted the output
    time_s: float = 0.0


@dataclass
class Verdict:
    problem_id: str
    evaluator: str
    verdict: str
    passed: int
    total: int
    tests: list[TestVerdict] = field(default_factory=list)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == "pass"

    def to_dict(self) -> dict:
        return asdict(self)


def rules_for(problem: Problem, evaluator: str) -> JudgingRules:
    """The judging rules `evaluator` applies to `problem`: its stated options, then (for evaluators that follow
    them) its platform's convention, then the evaluator's defaults (see `conventions`)."""
    return judging_rules(problem.options, problem.platform,
                         platform_conventions=PLATFORM_CONVENTIONS.get(evaluator, True),
                         real_valued=problem.real_valued)


def _compare_one(evaluator: str, problem: Problem, index: int, run: RunResult, rules: JudgingRules | None = None,
                 checked: tuple[bool, str] | None = None) -> TestVerdict:
    """One test's verdict from its run: the checker's decision (`checked`) when the problem has one, else the
    evaluator's comparison under `rules` (default: `rules_for(problem, evaluator)`)."""
    if run.status != "ok":
        reason = run.reason or run.status
        last = next((ln.strip() for ln in reversed((run.stderr or "").splitlines()) if ln.strip()), "")
        if run.status == "error" and last and last not in reason:
            reason = f"{reason}: {last[:160]}"  # e.g. "non-zero exit status 1: ValueError: boom"
        return TestVerdict(index, run.status, reason, time_s=run.time_s)
    if checked is not None:
        ok, why = checked
        return TestVerdict(index, "pass", strategy="checker", time_s=run.time_s) if ok else \
            TestVerdict(index, "fail", why, time_s=run.time_s)
    expected = problem.tests[index].output
    if problem.style == "call":
        try:
            actual = decode_value(run.result or "")
        except Exception as e:  # malformed bytes on fd 3 written by the program itself
            return TestVerdict(index, "error", f"unreadable return value ({type(e).__name__})", time_s=run.time_s)
    else:
        actual = run.stdout
    try:
        c = compare(evaluator, expected, actual, style=problem.style, rules=rules or rules_for(problem, evaluator))
    except Exception as e:  # a comparator bug must cost this test, not the trainer
        return TestVerdict(index, "fail", f"comparator error: {type(e).__name__}: {e}", time_s=run.time_s)
    if c.ok:
        return TestVerdict(index, "pass", strategy=c.strategy, time_s=run.time_s)
    return TestVerdict(index, "fail", f"wrong answer: expected {_preview(expected)}, got {_preview(actual)}",
                       time_s=run.time_s)


def _preview(value: Any, limit: int = PREVIEW_CHARS) -> str:
    """A short one-line view of an expected or actual output, for a wrong answer's reason."""
    text = repr(value) if not isinstance(value, str) else repr(value.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _summarise(problem: Problem, evaluator: str, tests: list[TestVerdict]) -> Verdict:
    passed = sum(t.verdict == "pass" for t in tests)
    total = len(problem.tests)
    first_bad = next((t for t in tests if t.verdict != "pass"), None)
    if first_bad is None and passed == total:
        return Verdict(problem.id, evaluator, "pass", passed, total, tests)
    assert first_bad is not None
    reason = f"test {first_bad.index}: {first_bad.reason}" if first_bad.reason else f"test {first_bad.index}"
    return Verdict(problem.id, evaluator, first_bad.verdict, passed, total, tests, reason)


def judge_multi(program: str | None, problem: Problem, evaluators: Sequence[str] = ("microcoder",),
                limits: Limits | None = None, *, sandbox: Sandbox | None = None, pool: SandboxPool | None = None,
                stop_early: bool = True) -> dict[str, Verdict]:
    """Run `program` on every test of `problem` once; a Verdict per evaluator.

    stop_early: stop running tests once every evaluator has seen a failure (the program's verdict is then fixed).
    """
    for name in evaluators:
        COMPARATORS.get(name)  # unknown names fail before anything runs, listing the valid ones
    if program is None or not program.strip():
        return {e: Verdict(problem.id, e, "error", 0, len(problem.tests), [], "no code found in the response")
                for e in evaluators}
    limits = limits or Limits()
    own_pool = pool is None and sandbox is None
    pool = shared_pool() if own_pool else pool
    sb = sandbox or pool.acquire()  # type: ignore[union-attr]
    per_eval: dict[str, list[TestVerdict]] = {e: [] for e in evaluators}
    rules = {e: rules_for(problem, e) for e in evaluators}
    checker = problem.options.checker  # stated, so every evaluator follows it: run once per test
    try:
        for i, test in enumerate(problem.tests):
            run = sb.run(program, style=problem.style, input=test.input, fn_name=problem.fn_name, limits=limits,
                         platform=problem.platform)
            checked = None
            if checker and run.status == "ok":
                checked = run_checker(sb, checker, problem.style, test.input, test.output, run, limits)
            for e in evaluators:
                per_eval[e].append(_compare_one(e, problem, i, run, rules[e], checked))
            if stop_early and all(any(t.verdict != "pass" for t in tv) for tv in per_eval.values()):
                break
    finally:
        if sandbox is None:
            pool.release(sb)  # type: ignore[union-attr]
    return {e: _summarise(problem, e, tv) for e, tv in per_eval.items()}


def judge(program: str | None, problem: Problem, evaluator: str = "microcoder", limits: Limits | None = None,
          **kw: Any) -> Verdict:
    """Judge one program on one problem with one evaluator (see `judge_multi` for the keyword arguments)."""
    return judge_multi(program, problem, (evaluator,), limits, **kw)[evaluator]


def judge_many(pairs: Iterable[tuple[str | None, Problem]], evaluators: Sequence[str] = ("microcoder",),
               limits: Limits | None = None, *, pool: SandboxPool | None = None, stop_early: bool = True,
               progress: Callable[[int], None] | None = None) -> list[dict[str, Verdict]]:
    """Judge many (program, problem) pairs on a pool of sandboxes; results in input order.

    progress: called with the number of pairs finished so far, after each one.
    """
    items = list(pairs)
    pool = pool or shared_pool()
    done, lock = 0, threading.Lock()

    def work(item):
        nonlocal done
        res = judge_multi(item[0], item[1], evaluators, limits, pool=pool, stop_early=stop_early)
        if progress is not None:
            with lock:
                done += 1
                progress(done)
        return res

    with ThreadPoolExecutor(max_workers=pool.size) as ex:
        return list(ex.map(work, items))


PROBLEM_CACHE_SIZE = 32
"""Problems kept parsed per reward process: verl scores a prompt's n responses one after another, and a
LiveCodeBench ground truth (private tests included) can be megabytes of JSON."""
_EXTRA_KEYS = ("id", "index", "fn_name", "platform", "difficulty", "options")


@lru_cache(maxsize=PROBLEM_CACHE_SIZE)
def _parsed_problem(ground_truth: str, extra_key: str) -> Problem:
    return problem_from_ground_truth(ground_truth, json.loads(extra_key))


def _problem_of(ground_truth: Any, extra: dict) -> Problem:
    """`problem_from_ground_truth`, parsed once per (ground truth text, the extra_info it reads) in this process."""
    if not isinstance(ground_truth, str):
        return problem_from_ground_truth(ground_truth, extra)
    try:
        key = json.dumps({k: extra.get(k) for k in _EXTRA_KEYS if k in extra}, sort_keys=True,
                         default=lambda o: o.item() if hasattr(o, "item") else str(o))  # numpy scalars of parquet
    except (TypeError, ValueError):  # extra_info values that are not JSON: parse without the cache
        return problem_from_ground_truth(ground_truth, extra)
    return _parsed_problem(ground_truth, key)


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None,
                  **kwargs: Any) -> dict:
    """verl reward function: score 1.0 iff the response's last python block passes every test, else 0.0.

    Returns a dict that verl's reward managers copy into each response's `reward_extra_info` (design.md §5), every
    row with the same keys (verl stacks them): `score`; `acc` (1.0/0.0, the pass itself: DAPO's overlong penalty is
    added to the score, never to `acc`); `answered` (the response closed a code block: `has_answer`, the truncation
    mask's non-incorrect reading); `platform` and `difficulty` of the problem (for test/accuracy per cell);
    `verdict`, `passed`, `total`.

    The evaluator is ``kwargs["evaluator"]``, else ``extra_info["evaluator"]``, else $MICROCODER_EVALUATOR, else
    ``microcoder``. Limits come from ``time_limit_s``/``memory_mb`` in kwargs or extra_info. ``workers_per_node``
    (verl's reward workers on this node; translate.py passes it) sizes the one sandbox pool this process keeps
    (`shared_pool`). Never raises for anything the response contains; a broken data row scores 0.
    """
    extra = extra_info if isinstance(extra_info, dict) else {}
    evaluator = kwargs.get("evaluator") or extra.get("evaluator") or os.environ.get("MICROCODER_EVALUATOR",
                                                                                    "microcoder")
    lim = {k: kwargs.get(k, extra.get(k)) for k in ("time_limit_s", "memory_mb")}
    limits = Limits(**{k: v for k, v in lim.items() if v is not None})
    text = solution_str or ""
    code = extract_code(text)  # once: `answered` is has_answer(text), i.e. a code block was extracted
    row = {"score": 0.0, "acc": 0.0, "answered": code is not None,
           "platform": str(extra.get("platform") or "unknown"), "difficulty": str(extra.get("difficulty") or "unknown"),
           "verdict": "error", "passed": 0, "total": 0}
    try:
        problem = _problem_of(ground_truth, extra)
    except ProblemError:
        return row
    pool = shared_pool(int(kwargs.get("workers_per_node") or 1))
    v = judge(code, problem, evaluator, limits, pool=pool)
    row.update(score=1.0 if v.ok else 0.0, acc=1.0 if v.ok else 0.0, verdict=v.verdict, passed=v.passed,
               total=v.total, platform=str(problem.platform or row["platform"]),
               difficulty=str(problem.difficulty or row["difficulty"]))
    return row
