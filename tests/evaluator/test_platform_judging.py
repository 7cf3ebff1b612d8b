"""Judged as the platforms judge: letter case, stated float tolerances, the number rules and order-free answers,
through the real sandbox and verl's compute_score path (the ground truth carries platform and options)."""

import json

import pytest

from microcoder.evaluator import Problem, compute_score
from microcoder.evaluator.comparators import compare
from microcoder.evaluator.conventions import JudgingRules

from both_evaluators import BOTH, verdicts  # tests/evaluator/both_evaluators.py; `pool`: conftest.py


def yes_no(platform, **options):
    return Problem.from_dict({"id": f"even-{platform}", "style": "stdin", "platform": platform, "options": options,
                              "tests": [{"input": "4\n", "output": "YES\n"}, {"input": "7\n", "output": "NO\n"}]})


LOWER = "print('yes' if int(input()) % 2 == 0 else 'no')"
MIXED = "print('Yes' if int(input()) % 2 == 0 else 'nO')"
EXACT = "print('YES' if int(input()) % 2 == 0 else 'NO')"
WRONG = "print('NO' if int(input()) % 2 == 0 else 'YES')"


def test_codeforces_accepts_yes_no_in_any_case_by_its_convention(pool):
    for code in (LOWER, MIXED):
        assert verdicts(code, yes_no("codeforces"), pool) == {"microcoder": "pass", "strict": "fail"}
    assert verdicts(EXACT, yes_no("codeforces"), pool) == {"microcoder": "pass", "strict": "pass"}
    assert verdicts(WRONG, yes_no("codeforces"), pool) == {"microcoder": "fail", "strict": "fail"}


def test_atcoder_is_strict_on_case(pool):
    problem = Problem.from_dict({"id": "abc-yes", "style": "stdin", "platform": "atcoder", "tests": [
        {"input": "4\n", "output": "Yes\n"}, {"input": "7\n", "output": "No\n"}]})
    assert verdicts("print('YES' if int(input()) % 2 == 0 else 'NO')", problem, pool) == \
        {"microcoder": "fail", "strict": "fail"}
    assert verdicts("print('Yes' if int(input()) % 2 == 0 else 'No')", problem, pool) == \
        {"microcoder": "pass", "strict": "pass"}


def test_case_insensitivity_only_when_the_platform_or_an_option_says(pool):
    assert verdicts(LOWER, yes_no(None), pool) == {"microcoder": "fail", "strict": "fail"}
    assert verdicts(LOWER, yes_no("atcoder", case_insensitive=True), pool) == {"microcoder": "pass", "strict": "pass"}
    assert verdicts(LOWER, yes_no("codeforces", case_insensitive=False), pool) == \
        {"microcoder": "fail", "strict": "fail"}


def test_codeforces_convention_covers_only_yes_no_words():
    rules = JudgingRules(case="yes_no")
    assert compare("microcoder", "YES\nNO YES\n", "yes\nNo yEs\n", style="stdin", rules=rules)
    assert not compare("microcoder", "ABC\n", "abc\n", style="stdin", rules=rules)
    assert not compare("microcoder", "YES\n", "YESS\n", style="stdin", rules=rules)
    assert compare("microcoder", "ABC\n", "abc\n", style="stdin", rules=JudgingRules(case="any"))


def test_compute_score_follows_the_platform_carried_by_the_ground_truth():
    gt = json.dumps({"id": "cf", "style": "stdin", "platform": "codeforces",
                     "tests": [{"input": "4\n", "output": "YES\n"}]})
    response = f"```python\n{LOWER}\n```"
    assert compute_score("codeforces", response, gt, {"evaluator": "microcoder"})["score"] == 1.0
    assert compute_score("codeforces", response, gt, {"evaluator": "strict"})["score"] == 0.0
    at = json.dumps({"id": "at", "style": "stdin", "tests": [{"input": "4\n", "output": "YES\n"}]})
    assert compute_score("atcoder", response, at, {"evaluator": "microcoder", "platform": "atcoder"})["score"] == 0.0


# ------------------------------------------------------------------------------------------------ numbers

THIRD = Problem.from_dict({"id": "third", "style": "stdin", "options": {"float_tolerance": 1e-6},
                           "tests": [{"input": "1 3\n", "output": "0.333333333\n"}]})


def test_a_stated_float_tolerance_accepts_a_close_answer_under_both_evaluators(pool):
    assert verdicts("print('0.3333333')", THIRD, pool) == {"microcoder": "pass", "strict": "pass"}
    assert verdicts("print('0.3333')", THIRD, pool) == {"microcoder": "fail", "strict": "fail"}


def test_strict_has_no_tolerance_unless_one_is_stated(pool):
    unstated = Problem.from_dict({"id": "third0", "style": "stdin",
                                  "tests": [{"input": "1 3\n", "output": "0.333333333\n"}]})
    assert verdicts("print('0.3333333')", unstated, pool) == {"microcoder": "pass", "strict": "fail"}


@pytest.mark.parametrize("evaluator", BOTH)
@pytest.mark.parametrize("tolerance", [None, 1e-6])
def test_an_expected_integer_is_never_matched_by_a_float(evaluator, tolerance):
    rules = JudgingRules(float_tolerance=tolerance)
    for actual in ("3.0\n", "3e0\n", "3.0000001\n", "2.9999999\n"):
        assert not compare(evaluator, "3\n", actual, style="stdin", rules=rules), actual
    assert compare(evaluator, "3\n", "3\n", style="stdin", rules=rules)
    assert not compare(evaluator, 3, 3.0, style="call", rules=rules)
    assert not compare(evaluator, [1, 3], [1, 3.0], style="call", rules=rules)
    assert compare(evaluator, 3.0, 3, style="call", rules=rules)  # an integer for a float expected is fine


def test_stated_tolerance_is_absolute_or_relative():
    rules = JudgingRules(float_tolerance=1e-6)
    for evaluator in BOTH:
        assert compare(evaluator, "1000000.5\n", "1000000.9\n", style="stdin", rules=rules)  # relative 4e-7
        assert compare(evaluator, "0.0000001\n", "0.0000009\n", style="stdin", rules=rules)  # absolute 8e-7
        assert not compare(evaluator, "0.5\n", "0.500002\n", style="stdin", rules=rules)
        assert compare(evaluator, 0.5, 0.5000005, style="call", rules=rules)
        assert not compare(evaluator, 0.5, 0.500002, style="call", rules=rules)


def test_a_stated_tolerance_replaces_the_robust_default():
    tight = JudgingRules(float_tolerance=1e-9)
    assert compare("microcoder", "0.5\n", "0.5000004\n", style="stdin")  # the default (rounding to 6 decimals)
    assert not compare("microcoder", "0.5\n", "0.5000004\n", style="stdin", rules=tight)
    assert compare("microcoder", "0.5\n", "0.5000000001\n", style="stdin", rules=tight)


@pytest.mark.parametrize("evaluator", BOTH)
def test_an_expected_real_written_with_more_digits_than_a_double_is_read_as_a_double(evaluator):
    """AtCoder prints reference answers with ~20 digits (abc028_d: 0.48148148148148148148) and its checker allows
    1e-6: accepted solutions print a double's 17 digits."""
    rules = JudgingRules(float_tolerance=1e-6)
    ref = "0.48148148148148148148\n"
    assert compare(evaluator, ref, "0.48148148148148145\n", style="stdin", rules=rules)
    assert not compare(evaluator, ref, "0.481483\n", style="stdin", rules=rules)  # 1.5e-6 off
    assert compare("microcoder", ref, "0.4814814814814815\n", style="stdin")  # the robust default, unstated
    assert not compare("strict", ref, "0.4814814814814815\n", style="stdin")  # strict: exact unless stated


@pytest.mark.parametrize("evaluator", BOTH)
def test_an_integer_expected_by_a_real_valued_problem_accepts_a_float_within_its_tolerance(evaluator, pool):
    """abc259_b (rotate a point): the answer '-2 -2' is a pair of reals; -2.0000000000000004 is accepted."""
    rules = JudgingRules(float_tolerance=1e-6, real_valued=True)
    assert compare(evaluator, "-2 -2\n", "-2.0000000000000004 -1.9999999999999998\n", style="stdin", rules=rules)
    assert not compare(evaluator, "-2 -2\n", "-2.1 -2\n", style="stdin", rules=rules)
    problem = Problem.from_dict({"id": "rot", "style": "stdin", "platform": "atcoder", "tests": [
        {"input": "2 2 180\n", "output": "-2 -2\n"}, {"input": "5 0 120\n", "output": "-2.5 4.330127018922193\n"}]})
    assert problem.real_valued
    code = ("import math\na, b, d = map(int, input().split())\nt = math.radians(d)\n"
            "print(a * math.cos(t) - b * math.sin(t), a * math.sin(t) + b * math.cos(t))")
    assert verdicts(code, problem, pool)["microcoder"] == "pass"
    integer = Problem.from_dict({"id": "int", "style": "stdin", "tests": [{"input": "1\n", "output": "3\n"}]})
    assert not integer.real_valued  # an integer problem keeps integers exact (test above)


def test_stdin_program_with_float_noise_passes_a_stated_tolerance(pool):
    problem = Problem.from_dict({"id": "avg", "style": "stdin", "platform": "atcoder",
                                 "options": {"float_tolerance": 1e-6},
                                 "tests": [{"input": "1 2 2\n", "output": "1.6666666667\n"}]})
    code = "xs = list(map(int, input().split()))\nprint(sum(xs) / len(xs))"
    assert verdicts(code, problem, pool) == {"microcoder": "pass", "strict": "pass"}


# ------------------------------------------------------------------------------------------------ order-free answers


def test_a_stated_unordered_option_accepts_any_order_in_both_evaluators(pool):
    problem = Problem.from_dict({"id": "subsets", "style": "call", "fn_name": "subsets", "platform": "leetcode",
                                 "options": {"unordered": True},
                                 "tests": [{"input": [[1, 2]], "output": [[], [1], [2], [1, 2]]}]})
    code = "class Solution:\n    def subsets(self, nums):\n        return [[1, 2], [2], [], [1]]"
    assert verdicts(code, problem, pool) == {"microcoder": "pass", "strict": "pass"}
    wrong = "class Solution:\n    def subsets(self, nums):\n        return [[1, 2], [2], [], [2]]"
    assert verdicts(wrong, problem, pool) == {"microcoder": "fail", "strict": "fail"}
    ordered = Problem.from_dict({**{"id": "o", "style": "call", "fn_name": "subsets"},
                                 "tests": [{"input": [[1, 2]], "output": [[], [1], [2], [1, 2]]}]})
    assert verdicts(code, ordered, pool) == {"microcoder": "fail", "strict": "fail"}


def test_strict_unordered_stdin_is_a_multiset_of_its_lines():
    rules = JudgingRules(unordered=True)
    assert compare("strict", "1 2\n3 4\n", "3 4\n1 2\n", style="stdin", rules=rules)
    assert not compare("strict", "1 2\n3 4\n", "3 4\n2 1\n", style="stdin", rules=rules)
    assert compare("microcoder", "1 2\n3 4\n", "3 4\n1 2\n", style="stdin", rules=rules)


@pytest.mark.parametrize("evaluator", BOTH)
def test_a_real_valued_call_style_answer_reads_an_integer_expected_value_as_a_real(evaluator):
    rules = JudgingRules(float_tolerance=1e-5, real_valued=True)
    assert compare(evaluator, 2, 2.0000001, style="call", rules=rules)
    assert compare(evaluator, [2, 3.5], [2.0, 3.5], style="call", rules=rules)
    assert not compare(evaluator, [2, 3.5], [2.1, 3.5], style="call", rules=rules)
    assert not compare(evaluator, 2, 2.0, style="call", rules=JudgingRules(float_tolerance=1e-5))  # not real-valued
