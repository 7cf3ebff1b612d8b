"""Judging one program with both evaluators, for the platform-convention tests (importable: conftest.py puts this
folder on sys.path, as tests/data does for its row builders)."""

from microcoder.evaluator import Limits, judge_multi

LIM = Limits(time_limit_s=4.0, memory_mb=512)
BOTH = ("microcoder", "strict")


def verdicts(code, problem, pool):
    """{evaluator: verdict} of `code` on every test of `problem`."""
    return {e: v.verdict for e, v in judge_multi(code, problem, BOTH, LIM, pool=pool, stop_early=False).items()}
