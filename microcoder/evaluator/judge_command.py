"""`microcoder judge PROBLEMS.jsonl SOLUTIONS.jsonl`: judge a file of solutions, print verdicts and disagreements.

The table shows each solution's verdict under each evaluator (passed/total tests) and, with two evaluators,
lists the solutions on which they disagree together with the strategy of the robust comparator that accepted.
``--json`` prints one object a line instead: ``{"id", "evaluator", "verdict", "passed", "total", "tests": [...]}``.
Malformed lines are reported on stderr with file and line, and everything else is still judged (exit status 1
then, else 0).

PROBLEMS may be prepared data (`microcoder data prepare`, contract 5): its ``<split>.jsonl`` holds our problem
dicts plus keys such as ``prompt``/``question``/``starter_code``/``source``, which are kept aside, and each
problem's ``platform`` and ``options`` decide how it is judged. A prepared directory holding one ``*.jsonl`` may
be given instead of the file. With two evaluators the table ends with their agreement, overall and per platform.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

from .judge import judge_many
from .problems import load_problems, load_solutions
from .sandbox import Limits, SandboxPool
from ..cli_types import positive_float, positive_int

EVALUATOR_CHOICES = ("microcoder", "strict", "both")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Run each solution on its problem's tests inside the sandbox and print the verdicts. "
                          "Problems: one JSON object a line {id, style: stdin|call, fn_name?, unordered?, tests: "
                          "[{input, output}]}. Solutions: {id, code} or {id, response} (the last ```python block of "
                          "the response is judged).")
    parser.add_argument("problems", help="problems JSONL file")
    parser.add_argument("solutions", help="solutions JSONL file (ids refer to problems)")
    parser.add_argument("--evaluator", choices=EVALUATOR_CHOICES, default="both",
                        help="output comparator: the robust MicroCoder-Evaluator, the strict LiveCodeBench-style "
                             "one, or both side by side with their disagreements (default: both)")
    parser.add_argument("--time-limit", type=positive_float, default=4.0, metavar="S",
                        help="wall-clock seconds per test (default: 4)")
    parser.add_argument("--memory-mb", type=positive_int, default=1024, metavar="M",
                        help="address-space limit per program in MiB (default: 1024)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="sandbox workers (default: one per core)")
    parser.add_argument("--json", action="store_true", help="one JSON object a line per solution and evaluator")


def run(args: argparse.Namespace) -> int:
    return run_judge(args.problems, args.solutions, args.evaluator, args.time_limit, args.memory_mb, args.json,
                     args.workers)


def run_judge(problems_path: str, solutions_path: str, evaluator: str = "microcoder", time_limit_s: float = 4.0,
              memory_mb: int = 1024, as_json: bool = False, workers: int | None = None,
              out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from ..console import progress_bar  # rich: imported by the command, not by `microcoder --help`

    evaluators = ["microcoder", "strict"] if evaluator == "both" else [evaluator]
    try:
        problems_path = resolve_problems_path(problems_path)
    except ValueError as e:
        print(f"error: {e}", file=err)
        return 1
    problems, errors = load_problems(problems_path)
    solutions, sol_errors = load_solutions(solutions_path)
    errors += sol_errors
    pairs, kept = [], []
    for s in solutions:
        p = problems.get(s.id)
        if p is None:
            errors.append(f"{solutions_path}: solution {s.id!r}: no problem with this id in {problems_path}")
            continue
        pairs.append((s.code, p))
        kept.append(s)
    for e in errors:
        print(f"error: {e}", file=err)
    limits = Limits(time_limit_s=time_limit_s, memory_mb=memory_mb)
    with SandboxPool(workers) as pool, progress_bar(len(pairs), "judging", stream=err) as update:
        results = judge_many(pairs, evaluators, limits, pool=pool, stop_early=False, progress=update)
    if as_json:
        for s, res in zip(kept, results):
            for name in evaluators:
                v = res[name]
                out.write(json.dumps({"id": s.id, "evaluator": name, "verdict": v.verdict, "passed": v.passed,
                                      "total": v.total, "reason": v.reason,
                                      "tests": [t.__dict__ for t in v.tests]}) + "\n")
    else:
        print_table(kept, results, evaluators, out, platforms=[p.platform for _, p in pairs])
    return 1 if errors else 0


def resolve_problems_path(path: str) -> str:
    """A problems file, or a prepared-data directory holding exactly one ``*.jsonl``."""
    p = Path(path)
    if not p.is_dir():
        return path
    found = sorted(p.glob("*.jsonl"))
    if len(found) != 1:
        names = ", ".join(f.name for f in found) or "none"
        raise ValueError(f"{path} is a directory: give one of its JSONL files (found: {names})")
    return str(found[0])


def print_table(solutions, results, evaluators, out: TextIO, platforms=None) -> None:
    idw = max([len("solution")] + [len(s.id) for s in solutions])
    head = f"{'solution':<{idw}}  " + "  ".join(f"{e:<18}" for e in evaluators) + "  reason"
    out.write(head + "\n" + "-" * len(head) + "\n")
    counts = {e: 0 for e in evaluators}
    disagreements = []
    for s, res in zip(solutions, results):
        cells = []
        for e in evaluators:
            v = res[e]
            counts[e] += v.ok
            cells.append(f"{v.verdict:<8}{v.passed:>3}/{v.total:<5}  ")
        reason = next((res[e].reason for e in evaluators if res[e].reason), "")
        out.write(f"{s.id:<{idw}}  " + "".join(f"{c:<20}" for c in cells) + reason[:70] + "\n")
        if len({res[e].verdict for e in evaluators}) > 1:
            disagreements.append((s, res))
    out.write("\n" + "  ".join(f"{e}: {counts[e]}/{len(solutions)} pass" for e in evaluators) + "\n")
    if len(evaluators) > 1:
        print_agreement(results, evaluators, platforms or [None] * len(results), out)
        out.write(f"\nwhere the evaluators disagree ({len(disagreements)}):\n")
        for s, res in disagreements:
            verdicts = ", ".join(f"{e}={res[e].verdict}" for e in evaluators)
            strategies = sorted({t.strategy for t in res["microcoder"].tests if t.strategy})
            out.write(f"  {s.id}: {verdicts}; microcoder accepted by: {', '.join(strategies) or '-'}\n")


def print_agreement(results, evaluators, platforms, out: TextIO) -> None:
    """Agreement of the first two evaluators on pass/not-pass, overall and per platform."""
    if not results:
        return
    a, b = evaluators[:2]
    cells: dict[str, Counter] = {}
    for res, platform in zip(results, platforms):
        key = (res[a].ok, res[b].ok)
        for group in ("all", str(platform or "-").lower()):
            cells.setdefault(group, Counter())[key] += 1
    out.write(f"\nagreement ({a} vs {b}): group  n  agree  both-pass  both-not  only-{a}  only-{b}\n")
    for group in ["all"] + sorted(g for g in cells if g != "all"):
        c = cells[group]
        n = sum(c.values())
        agree = c[(True, True)] + c[(False, False)]
        out.write(f"  {group:<12} {n:>5} {agree / n:>6.1%} {c[(True, True)]:>6} {c[(False, False)]:>6} "
                  f"{c[(True, False)]:>6} {c[(False, True)]:>6}\n")
