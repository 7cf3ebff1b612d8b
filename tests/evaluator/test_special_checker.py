"""Special checkers (Open-R1's `checker.py input.txt correct_output.txt solution_output.txt` → "1"): they decide
tests in the sandbox, a crashing or hanging checker fails the test and never the judge."""

import pytest

from microcoder.evaluator import Limits, Problem, SandboxPool, jail_mode, judge_multi

LIM = Limits(time_limit_s=3.0, memory_mb=512)
BOTH = ("microcoder", "strict")

# "print any permutation of 1..n whose adjacent elements differ by more than one" (expected: one valid answer)
PERMUTATION_CHECKER = '''
import sys
inp, ans, out = (open(p).read() for p in sys.argv[1:4])
n = int(inp.split()[0])
try:
    p = list(map(int, out.split()))
except ValueError:
    print(0); sys.exit(0)
ok = sorted(p) == list(range(1, n + 1)) and all(abs(a - b) > 1 for a, b in zip(p, p[1:]))
print("checked", file=sys.stderr)
print(1 if ok else 0)
'''


def problem(checker, **extra):
    return Problem.from_dict({"id": "perm", "style": "stdin", "platform": "codeforces", "options": {"checker": checker},
                              "tests": [{"input": "4\n", "output": "3 1 4 2\n"}, {"input": "5\n", "output": "3 5 1 4 2\n"}],
                              **extra})


# a correct solution whose answers differ from the reference's
EVENS_FIRST = "n = int(input())\nprint(*(list(range(2, n + 1, 2)) + list(range(1, n + 1, 2))))"
SORTED = "n = int(input())\nprint(*range(1, n + 1))"


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(1) as p:
        yield p


def run(code, prob, pool, evaluators=BOTH):
    return judge_multi(code, prob, evaluators, LIM, pool=pool, stop_early=False)


def test_a_valid_answer_other_than_the_reference_passes_through_the_checker(pool):
    res = run(EVENS_FIRST, problem(PERMUTATION_CHECKER), pool)
    assert {e: v.verdict for e, v in res.items()} == {"microcoder": "pass", "strict": "pass"}
    assert all(t.strategy == "checker" for t in res["microcoder"].tests)


def test_an_invalid_answer_is_rejected_by_the_checker(pool):
    res = run(SORTED, problem(PERMUTATION_CHECKER), pool)
    assert {e: (v.verdict, v.passed) for e, v in res.items()} == {"microcoder": ("fail", 0), "strict": ("fail", 0)}
    assert "rejected by the checker" in res["microcoder"].reason


def test_without_the_checker_the_same_valid_answer_fails_the_comparison(pool):
    plain = Problem.from_dict({"id": "perm", "style": "stdin", "tests": [{"input": "4\n", "output": "3 1 4 2\n"}]})
    assert run(EVENS_FIRST, plain, pool)["microcoder"].verdict == "fail"


@pytest.mark.parametrize("checker,why", [
    ("raise RuntimeError('checker bug')", "checker failed"),
    ("import sys\nsys.exit(3)", "checker failed"),
    ("while True:\n    pass", "checker timed out"),
    ("pass", "checker printed no verdict"),
    ("print('1 0')", "rejected by the checker"),
    ("print('wrong answer: expected 3, got 1')", "rejected by the checker: wrong answer"),
    ("import os\nos.kill(os.getpid(), 9)", "checker failed"),
], ids=["raises", "exits-non-zero", "hangs", "silent", "last-token-0", "message-ending-in-1", "kills-itself"])
def test_a_broken_checker_fails_the_test_never_the_judge(pool, checker, why, monkeypatch):
    from microcoder.evaluator import checker as checker_mod
    monkeypatch.setattr(checker_mod, "CHECKER_MIN_TIME_S", 1.0)  # keep the hanging case short
    res = run(EVENS_FIRST, problem(checker), pool)
    v = res["microcoder"]
    assert v.verdict == "fail" and why in v.reason, v.reason
    # the worker survives: a good checker works right after
    assert run(EVENS_FIRST, problem(PERMUTATION_CHECKER), pool)["microcoder"].verdict == "pass"


def test_the_checker_is_not_run_when_the_program_itself_failed(pool):
    res = run("raise SystemExit(1)", problem("print(1)"), pool)
    assert res["microcoder"].verdict == "error"


@pytest.mark.skipif(jail_mode() != "bwrap", reason="the filesystem view is the jail's")
def test_the_checker_runs_inside_the_jail_not_in_the_judges_process(pool):
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    assert os.path.exists(here)
    spy = f"import os\nprint(0 if os.path.exists({here!r}) else 1)"  # accepts only where the project is invisible
    assert run(EVENS_FIRST, problem(spy), pool)["microcoder"].verdict == "pass"


def test_call_style_checker_reads_json_arguments_and_values(pool):
    checker = '''
import json, sys
args = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
expected, actual = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
nums, target = args
i, j = actual
print(1 if i != j and nums[i] + nums[j] == target and len(expected) == 2 else 0)
'''
    prob = Problem.from_dict({"id": "two-sum", "style": "call", "fn_name": "twoSum", "options": {"checker": checker},
                              "tests": [{"input": [[3, 3, 4, 2], 6], "output": [0, 1]}]})
    other_pair = "class Solution:\n    def twoSum(self, nums, target):\n        return (2, 3)"
    wrong = "class Solution:\n    def twoSum(self, nums, target):\n        return [0, 2]"
    assert run(other_pair, prob, pool)["strict"].verdict == "pass"
    assert run(wrong, prob, pool)["strict"].verdict == "fail"
