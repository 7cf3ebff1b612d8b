"""Special checkers: a problem's own program decides whether an output is right ("print any valid permutation").

Contract — the one Open-R1's ``codeforces`` dataset uses for its ``generated_checker`` (Python), itself the
CMS/testlib convention of a checker that reads three files:

    python checker.py input.txt correct_output.txt solution_output.txt

``input.txt`` is the test's input, ``correct_output.txt`` the reference answer, ``solution_output.txt`` what the
judged program printed. The output is **accepted iff the checker exits with status 0 and the last line of its
stdout is ``1``** (Open-R1's grader reads ``stdout.strip() == "1"``; a checker that prints a message on the lines
before its verdict still works, but "wrong answer: expected 3, got 1" is a rejection). Call-style problems get the arguments one JSON value a line, and the expected and actual
return values as JSON.

Where it runs: in the sandbox, in a fresh child of the same jailed worker, after the judged program's child and
all its processes are gone — never in the judge's process. Its limits are the program's, with at least
`CHECKER_MIN_TIME_S` of wall time. A checker that crashes, times out, prints nothing or anything but a final
``1`` fails that test (verdict ``fail``, reason ``checker ...``); nothing it does raises in the judge.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .sandbox import Limits, RunResult, Sandbox, decode_value

CHECKER_ARGV = ["checker.py", "input.txt", "correct_output.txt", "solution_output.txt"]
CHECKER_MIN_TIME_S = 10.0


def _json_text(value: Any) -> str:
    return json.dumps(value, default=lambda v: sorted(v, key=repr) if isinstance(v, (set, frozenset)) else repr(v))


def checker_files(style: str, test_input: Any, expected: Any, run: RunResult) -> dict[str, str]:
    """The three files a checker reads, for one test and one run of the judged program."""
    if style == "stdin":
        return {"input.txt": test_input, "correct_output.txt": expected, "solution_output.txt": run.stdout}
    try:
        actual = _json_text(decode_value(run.result or ""))
    except Exception:
        actual = run.result or ""
    return {"input.txt": "\n".join(_json_text(a) for a in test_input) + "\n",
            "correct_output.txt": _json_text(expected) + "\n", "solution_output.txt": actual + "\n"}


def run_checker(sb: Sandbox, checker: str, style: str, test_input: Any, expected: Any, run: RunResult,
                limits: Limits) -> tuple[bool, str]:
    """(accepted, reason) of the checker on one test's output; never raises."""
    try:
        files = checker_files(style, test_input, expected, run)
        lim = dataclasses.replace(limits, time_limit_s=max(limits.time_limit_s, CHECKER_MIN_TIME_S))
        res = sb.run(checker, style="stdin", input="", limits=lim, files=files, argv=list(CHECKER_ARGV))
    except Exception as e:  # a judge-side failure to run it still costs only this test
        return False, f"checker could not run: {type(e).__name__}: {e}"
    if res.status != "ok":
        last = next((ln.strip() for ln in reversed((res.stderr or "").splitlines()) if ln.strip()), "")
        why = f"{res.reason or res.status}" + (f": {last[:120]}" if last else "")
        return False, f"checker {'timed out' if res.status == 'timeout' else 'failed'} ({why})"
    lines = [ln.strip() for ln in (res.stdout or "").splitlines() if ln.strip()]
    if lines and lines[-1] == "1":  # the verdict is its own last line: "got 1" at the end of a message is not one
        return True, ""
    return False, f"rejected by the checker: {lines[-1][:120]}" if lines else "checker printed no verdict"


__all__ = ["CHECKER_ARGV", "CHECKER_MIN_TIME_S", "checker_files", "run_checker"]
