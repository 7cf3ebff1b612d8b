"""Benchmark: judging throughput of the sandbox against the common reference (a fresh python3 per test case).

Both judge the same batch (default 600 short programs, both styles, 5 tests each; correct, wrong and crashing
programs) with the same comparator and the same parallelism (one worker per core), in the same run. Prints
both throughputs, their ratio, and checks that every per-test verdict is identical. Target: ratio >= 5 on 2
cores with the jail on.

    python bench/evaluator.py [--programs 600] [--tests 5] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from microcoder.evaluator import Limits, Problem, SandboxPool, jail_mode, judge_many
from microcoder.evaluator.judge import _compare_one, _summarise
from microcoder.evaluator.sandbox import RunResult, WORKER_SCRIPT, python_for_jail

# (kind, correct code, wrong code, input maker, answer maker)
STDIN_TASKS = [
    ("sum", "print(sum(map(int, input().split())))", "print(sum(map(int, input().split())) + 1)",
     lambda r: " ".join(str(r.randint(-99, 99)) for _ in range(r.randint(1, 8))),
     lambda s: str(sum(map(int, s.split())))),
    ("rev", "print(input()[::-1])", "print(input())",
     lambda r: "".join(r.choice("abcxyz") for _ in range(r.randint(2, 9))), lambda s: s[::-1]),
    ("max", "n = list(map(int, input().split()))\nprint(max(n))", "n = list(map(int, input().split()))\nprint(min(n))",
     lambda r: " ".join(str(r.randint(0, 999)) for _ in range(r.randint(2, 8))),
     lambda s: str(max(map(int, s.split())))),
]
CALL_TASKS = [
    ("square", "f", "def f(x):\n    return x * x", "def f(x):\n    return x + x", lambda r: [r.randint(3, 50)],
     lambda a: a[0] * a[0]),
    ("evens", "f", "def f(xs):\n    return [x for x in xs if x % 2 == 0]", "def f(xs):\n    return xs[:1]",
     lambda r: [[r.randint(0, 20) for _ in range(r.randint(2, 6))]], lambda a: [x for x in a[0] if x % 2 == 0]),
    ("sol", "count", "class Solution:\n    def count(self, s):\n        return s.count('a')",
     "class Solution:\n    def count(self, s):\n        return len(s)",
     lambda r: ["".join(r.choice("ab") for _ in range(r.randint(3, 9)))], lambda a: a[0].count("a")),
]
CRASH = "raise ValueError('boom')"


def make_batch(n_programs: int, n_tests: int, seed: int = 0) -> list[tuple[str, Problem]]:
    r = random.Random(seed)
    batch = []
    for i in range(n_programs):
        kind_r = r.random()
        if i % 2 == 0:
            name, good, bad, mk_in, mk_out = r.choice(STDIN_TASKS)
            inputs = [mk_in(r) for _ in range(n_tests)]
            tests = [{"input": s + "\n", "output": mk_out(s) + "\n"} for s in inputs]
            prob = {"id": f"p{i}-{name}", "style": "stdin", "tests": tests}
        else:
            name, fn, good, bad, mk_in, mk_out = r.choice(CALL_TASKS)
            inputs = [mk_in(r) for _ in range(n_tests)]
            tests = [{"input": a, "output": mk_out(a)} for a in inputs]
            prob = {"id": f"p{i}-{name}", "style": "call", "fn_name": fn, "tests": tests}
        code = good if kind_r < 0.7 else bad if kind_r < 0.9 else CRASH
        batch.append((code, Problem.from_dict(prob)))
    return batch


HARNESS = r"""
import json, sys, runpy
sys.path.insert(0, sys.argv[1])
from jail_worker import encode_value
ns = runpy.run_path(sys.argv[2], run_name="solution")
fn_name = sys.argv[3]
sol = ns.get("Solution")
fn = getattr(sol(), fn_name) if isinstance(sol, type) and hasattr(sol, fn_name) else ns[fn_name]
sys.stdout.write(encode_value(fn(*json.loads(sys.stdin.read()))))
"""


def reference_run(exe: str, tmpdir: Path, code: str, problem: Problem, idx: int, limits: Limits) -> RunResult:
    """The common approach: write the program to a file, one fresh interpreter per test case."""
    path = tmpdir / f"{problem.id}.py"
    if not path.exists():
        path.write_text(code)
    test = problem.tests[idx]
    if problem.style == "stdin":
        cmd, stdin = [exe, str(path)], test.input
    else:
        cmd = [exe, "-c", HARNESS, str(WORKER_SCRIPT.parent), str(path), problem.fn_name or ""]
        stdin = json.dumps(test.input)
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=limits.time_limit_s)
    except subprocess.TimeoutExpired:
        return RunResult("timeout", "wall-clock limit", time_s=time.monotonic() - t0)
    if p.returncode != 0:
        return RunResult("error", f"exit {p.returncode}", stderr=p.stderr[-500:], time_s=time.monotonic() - t0)
    if problem.style == "call":
        return RunResult("ok", result=p.stdout, time_s=time.monotonic() - t0)
    return RunResult("ok", stdout=p.stdout, time_s=time.monotonic() - t0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--programs", type=int, default=600)
    ap.add_argument("--tests", type=int, default=5)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    limits = Limits(time_limit_s=4.0, memory_mb=512)
    batch = make_batch(args.programs, args.tests)
    n_tests = sum(len(p.tests) for _, p in batch)
    print(f"batch: {len(batch)} programs, {n_tests} tests; workers: {args.workers}; jail: {jail_mode()}")

    with SandboxPool(args.workers) as pool:
        judge_many(batch[:4], ("microcoder",), limits, pool=pool, stop_early=False)  # start the workers
        t0 = time.perf_counter()
        ours = judge_many(batch, ("microcoder",), limits, pool=pool, stop_early=False)
        ours_s = time.perf_counter() - t0

    exe, _ = python_for_jail()
    with tempfile.TemporaryDirectory() as tmp:
        def ref_one(item):
            code, prob = item
            tvs = [_compare_one("microcoder", prob, i, reference_run(exe, Path(tmp), code, prob, i, limits))
                   for i in range(len(prob.tests))]
            return _summarise(prob, "microcoder", tvs)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.workers) as ex:
            ref = list(ex.map(ref_one, batch))
        ref_s = time.perf_counter() - t0

    mismatches = [
        (p.id, [t.verdict for t in o["microcoder"].tests], [t.verdict for t in r.tests])
        for (_, p), o, r in zip(batch, ours, ref)
        if [t.verdict for t in o["microcoder"].tests] != [t.verdict for t in r.tests]
    ]
    verdicts = {}
    for o in ours:
        verdicts[o["microcoder"].verdict] = verdicts.get(o["microcoder"].verdict, 0) + 1
    ours_tps, ref_tps = n_tests / ours_s, n_tests / ref_s
    print(f"program verdicts (sandbox): {dict(sorted(verdicts.items()))}")
    print(f"sandbox (jail={jail_mode()}, warm workers): {ours_s:7.2f} s  {ours_tps:8.1f} tests/s")
    print(f"reference (fresh python3 per test):       {ref_s:7.2f} s  {ref_tps:8.1f} tests/s")
    print(f"ratio: {ours_tps / ref_tps:.1f}x (target >= 5x)")
    print(f"verdicts identical: {not mismatches} ({len(mismatches)} programs differ)")
    for m in mismatches[:5]:
        print("  differs:", m)
    return 0 if not mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
