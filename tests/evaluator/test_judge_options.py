"""JudgeOptions (contract 1): parsed from the ground truth, validated, carried to Problem.options and the rules."""

import json

import pytest

from microcoder.evaluator.conventions import JudgingRules, judging_rules
from microcoder.evaluator.judge import rules_for
from microcoder.evaluator.problems import JudgeOptions, Problem, ProblemError, problem_from_ground_truth

TESTS = [{"input": "1\n", "output": "YES\n"}]


def test_unknown_option_key_is_rejected_naming_the_key_and_the_allowed_ones():
    with pytest.raises(ProblemError) as e:
        Problem.from_dict({"id": "p", "tests": TESTS, "options": {"case_insensitve": True}})
    msg = str(e.value)
    assert "'case_insensitve'" in msg and "problem 'p'" in msg
    assert "allowed: unordered, case_insensitive, float_tolerance, checker" in msg


@pytest.mark.parametrize("options,key", [
    ({"unordered": "yes"}, "unordered"),
    ({"case_insensitive": 1}, "case_insensitive"),
    ({"float_tolerance": 0}, "float_tolerance"),
    ({"float_tolerance": "1e-6"}, "float_tolerance"),
    ({"float_tolerance": True}, "float_tolerance"),
    ({"float_tolerance": 2.0}, "float_tolerance"),
    ({"checker": ""}, "checker"),
    ({"checker": 3}, "checker"),
])
def test_bad_option_values_are_rejected_naming_the_key(options, key):
    with pytest.raises(ProblemError, match=f"options.{key}"):
        Problem.from_dict({"id": "p", "tests": TESTS, "options": options})


def test_options_must_be_an_object():
    with pytest.raises(ProblemError, match="options must be a JSON object"):
        Problem.from_dict({"id": "p", "tests": TESTS, "options": ["unordered"]})


def test_unstated_options_stay_none_and_null_means_unstated():
    p = Problem.from_dict({"id": "p", "tests": TESTS, "options": {"float_tolerance": None, "checker": None}})
    assert p.options == JudgeOptions() and p.options.to_dict() == {}


def test_to_dict_writes_only_what_is_stated():
    o = JudgeOptions.from_dict({"case_insensitive": False, "float_tolerance": 1e-6})
    assert o.to_dict() == {"case_insensitive": False, "float_tolerance": 1e-6}
    assert JudgeOptions.from_dict(o.to_dict()) == o


def test_top_level_unordered_stays_accepted_and_a_contradiction_is_refused():
    assert Problem.from_dict({"id": "p", "tests": TESTS, "unordered": True}).options.unordered is True
    assert Problem.from_dict({"id": "p", "tests": TESTS, "unordered": True}).unordered is True
    assert Problem.from_dict({"id": "p", "tests": TESTS, "unordered": True,
                              "options": {"unordered": True}}).unordered
    with pytest.raises(ProblemError, match="contradicts"):
        Problem.from_dict({"id": "p", "tests": TESTS, "unordered": False, "options": {"unordered": True}})


def test_ground_truth_options_reach_the_problem_and_the_judging_rules():
    gt = json.dumps({"id": "cf-1", "style": "stdin", "platform": "codeforces", "tests": TESTS,
                     "options": {"float_tolerance": 1e-6, "unordered": True, "checker": "print(1)"}})
    p = problem_from_ground_truth(gt)
    assert p.options == JudgeOptions(unordered=True, float_tolerance=1e-6, checker="print(1)")
    # a stated tolerance makes the answers reals (number_rules)
    assert rules_for(p, "microcoder") == JudgingRules(unordered=True, case="yes_no", float_tolerance=1e-6,
                                                      checker="print(1)", real_valued=True)
    assert rules_for(p, "strict") == JudgingRules(unordered=True, case="exact", float_tolerance=1e-6,
                                                  checker="print(1)", real_valued=True)


def test_extra_info_supplies_platform_and_options_the_ground_truth_lacks():
    gt = json.dumps({"id": "x", "style": "stdin", "tests": TESTS})
    extra = {"platform": "codeforces", "difficulty": "easy",
             "options": {"unordered": None, "case_insensitive": None, "float_tolerance": 1e-9, "checker": None}}
    p = problem_from_ground_truth(gt, extra)  # parquet structs fill absent keys with None: unstated
    assert (p.platform, p.difficulty, p.options) == ("codeforces", "easy", JudgeOptions(float_tolerance=1e-9))
    gt2 = json.dumps({"id": "x", "style": "stdin", "tests": TESTS, "platform": "atcoder",
                      "options": {"case_insensitive": True}})
    p2 = problem_from_ground_truth(gt2, extra)  # the ground truth wins
    assert (p2.platform, p2.options) == ("atcoder", JudgeOptions(case_insensitive=True))


def test_a_bad_option_in_the_ground_truth_is_a_problem_error_not_a_crash():
    with pytest.raises(ProblemError, match="unknown option 'tolerance'"):
        problem_from_ground_truth(json.dumps({"id": "x", "tests": TESTS, "options": {"tolerance": 1e-6}}))


def test_prepared_data_keys_are_kept_in_meta():
    p = Problem.from_dict({"id": "p", "tests": TESTS, "prompt": "Solve", "question": "Q", "starter_code": "",
                           "source": "livecodebench", "options": {}})
    assert {"prompt", "question", "starter_code", "source"} <= set(p.meta) and "options" not in p.meta


@pytest.mark.parametrize("platform,stated,microcoder_case,strict_case", [
    ("codeforces", None, "yes_no", "exact"),
    ("Codeforces", None, "yes_no", "exact"),  # platform names are case-insensitive
    ("atcoder", None, "exact", "exact"),
    ("leetcode", None, "exact", "exact"),
    ("taco", None, "exact", "exact"),  # no documented convention: the evaluator's default
    (None, None, "exact", "exact"),
    ("codeforces", False, "exact", "exact"),  # a stated option beats the convention
    ("atcoder", True, "any", "any"),
])
def test_case_rule_is_stated_then_platform_convention_then_default(platform, stated, microcoder_case, strict_case):
    options = JudgeOptions(case_insensitive=stated)
    assert judging_rules(options, platform, platform_conventions=True).case == microcoder_case
    assert judging_rules(options, platform, platform_conventions=False).case == strict_case


def test_lcb_functional_inputs_are_one_json_value_a_line():
    # "[1,2,3]" on one line is ONE list argument in LiveCodeBench's format, not three arguments
    gt = {"inputs": ["[1,2,3]\n2", "[4]\n1"], "outputs": ["[1,2]", "[4]"], "fn_name": "topK"}
    p = problem_from_ground_truth(json.dumps(gt))
    assert [t.input for t in p.tests] == [[[1, 2, 3], 2], [[4], 1]] and p.tests[0].output == [1, 2]
    tests = [{"input": "[1,2,3]", "output": "6", "testtype": "functional"}]
    p2 = problem_from_ground_truth(json.dumps({"tests": tests, "fn_name": "total"}))
    assert p2.tests[0].input == [[1, 2, 3]] and p2.tests[0].output == 6
