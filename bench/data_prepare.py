"""Benchmark of `microcoder data prepare` on a LiveCodeBench-sized release: rows/s and peak memory, streaming.

    .venv/bin/python bench/data_prepare.py [--problems 10000] [--tests 12] [--test-bytes 1500] [--keep]

What it does: writes a generated 10,000-problem file in LiveCodeBench's `code_generation_lite` schema (a third
LeetCode functional problems with metadata.func_name and starter code, the rest AtCoder/Codeforces stdin
problems; public tests as JSON, private tests base64 → zlib → pickle → JSON like the real release), then times,
each in a fresh subprocess so that its peak RSS (``ru_maxrss`` of the child) is its own:
  * reference: a bare json-lines read of the same file (``json.loads`` per line, nothing else),
  * reference+decode: the same plus decoding every private-test blob (the least any loader must do),
  * prepare: `microcoder.data.prepare.prepare` → test.parquet + test.jsonl + manifest.json,
and prints rows/s, peak RSS and the ratios prepare / reference. Target (issue #9): streaming, peak ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD_REFERENCE = """
import json, sys
n = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        row = json.loads(line); n += 1
print(n)
"""

CHILD_DECODE = """
import base64, json, pickle, sys, zlib
n = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        row = json.loads(line)
        tests = json.loads(pickle.loads(zlib.decompress(base64.b64decode(row["private_test_cases"]))))
        n += len(tests)
print(n)
"""

CHILD_PREPARE = """
import sys
from microcoder.data.prepare import prepare
e = prepare("livecodebench", [sys.argv[1]], sys.argv[2], split="test", progress=False, log=lambda s: None)
print(e["counts"]["written"], e["counts"]["tests"])
"""


def _text(rng: random.Random, size: int) -> str:
    lines, total = [], 0
    while total < size:
        line = " ".join(str(rng.randint(-10**9, 10**9)) for _ in range(8))
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


def generate(path: Path, problems: int, tests: int, test_bytes: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(problems):
            functional = i % 3 == 0
            if functional:
                cases = [{"input": f"{json.dumps([rng.randint(0, 99) for _ in range(test_bytes // 8)])}\n"
                                   f"{rng.randint(0, 9)}",
                          "output": json.dumps(rng.randint(0, 10**6)), "testtype": "functional"}
                         for _ in range(tests)]
                platform, starter = "leetcode", ("class Solution:\n    def solve(self, nums: List[int], k: int) "
                                                 "-> int:\n        ")
                meta = json.dumps({"func_name": "solve"})
            else:
                cases = [{"input": _text(rng, test_bytes), "output": _text(rng, 40), "testtype": "stdin"}
                         for _ in range(tests)]
                platform, starter, meta = rng.choice(["atcoder", "codeforces"]), "", "{}"
            private = base64.b64encode(zlib.compress(pickle.dumps(json.dumps(cases[1:])))).decode()
            row = {"question_title": f"P{i}", "question_content": f"Problem {i}: " + "lorem ipsum " * 60,
                   "platform": platform, "question_id": f"q{i}", "contest_id": f"c{i // 5}",
                   "contest_date": f"202{3 + i % 3}-0{1 + i % 9}-15T00:00:00", "starter_code": starter,
                   "difficulty": rng.choice(["easy", "medium", "hard"]), "public_test_cases": json.dumps(cases[:1]),
                   "private_test_cases": private, "metadata": meta}
            f.write(json.dumps(row) + "\n")


def run_child(code: str, *args: str) -> tuple[float, float, str]:
    """(seconds, peak RSS MiB, stdout) of a fresh Python running `code`; the RSS is that child's own
    (``os.wait4`` returns the rusage of exactly that process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MICROCODER_PROGRESS": "0"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed with exit code {proc.returncode}")
    return dt, usage.ru_maxrss / 1024, out.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--problems", type=int, default=10_000)
    ap.add_argument("--tests", type=int, default=12, help="tests per problem (1 public, the rest private)")
    ap.add_argument("--test-bytes", type=int, default=1500, help="bytes of each test's input")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mc-bench-data-"))
    try:
        src = tmp / "test.jsonl"
        t0 = time.perf_counter()
        generate(src, args.problems, args.tests, args.test_bytes)
        size_mb = src.stat().st_size / 2**20
        print(f"generated {args.problems} problems × {args.tests} tests: {size_mb:.0f} MiB in "
              f"{time.perf_counter() - t0:.1f} s ({src})")
        ref_s, ref_mb, _ = run_child(CHILD_REFERENCE, str(src))
        dec_s, dec_mb, _ = run_child(CHILD_DECODE, str(src))
        prep_s, prep_mb, out = run_child(CHILD_PREPARE, str(src), str(tmp / "out"))
        written, tests = map(int, out.split())
        assert written == args.problems, out
        n = args.problems
        print(f"reference  (json-lines read)       {ref_s:7.2f} s  {n / ref_s:8.0f} rows/s  peak RSS {ref_mb:6.0f} MiB")
        print(f"reference + private-test decoding  {dec_s:7.2f} s  {n / dec_s:8.0f} rows/s  peak RSS {dec_mb:6.0f} MiB")
        print(f"prepare (parquet + jsonl)          {prep_s:7.2f} s  {n / prep_s:8.0f} rows/s  peak RSS   {prep_mb:6.0f} MiB"
              f"  ({tests} tests written)")
        print(f"ratio prepare / json-lines read: {prep_s / ref_s:.1f}×; prepare / read+decode: {prep_s / dec_s:.1f}×; "
              f"peak RSS {'≤' if prep_mb <= 1024 else '>'} 1 GiB target")
        outs = {p.name: p.stat().st_size / 2**20 for p in (tmp / "out").iterdir()}
        print("outputs: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in sorted(outs.items())))
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
