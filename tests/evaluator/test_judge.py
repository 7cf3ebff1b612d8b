"""Verdicts of whole programs, verl's compute_score, and the cheats that fool in-process graders."""

import json

import pytest

from microcoder.evaluator import Limits, Problem, SandboxPool, compute_score, judge, judge_many, judge_multi

LIM = Limits(time_limit_s=2.0, memory_mb=256)

ADD = Problem.from_dict({"id": "add", "style": "stdin", "tests": [
    {"input": "1 2\n", "output": "3\n"}, {"input": "10 -4\n", "output": "6\n"}, {"input": "0 0\n", "output": "0\n"}]})
SECRET = 987654321
CALL = Problem.from_dict({"id": "secret", "style": "call", "fn_name": "f", "tests": [
    {"input": [1], "output": SECRET}, {"input": [2], "output": SECRET + 1}]})
PAIRS = Problem.from_dict({"id": "pairs", "style": "call", "fn_name": "f", "tests": [
    {"input": [2], "output": [[0, 1], [1, 2]]}]})


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2) as p:
        yield p


def test_correct_program_passes_every_test(pool):
    v = judge("a, b = map(int, input().split())\nprint(a + b)", ADD, limits=LIM, pool=pool)
    assert (v.verdict, v.passed, v.total) == ("pass", 3, 3)


def test_wrong_answer_is_fail_and_names_the_first_failing_test(pool):
    v = judge("a, b = map(int, input().split())\nprint(a + b if a < 5 else 0)", ADD, limits=LIM, pool=pool, stop_early=False)
    assert v.verdict == "fail" and v.passed == 2 and "test 1" in v.reason


def test_stop_early_skips_the_tests_after_a_failure(pool):
    v = judge("print(0)", ADD, limits=LIM, pool=pool)
    assert v.verdict == "fail" and len(v.tests) == 1 and v.total == 3


@pytest.mark.parametrize("code,verdict", [
    ("while True:\n    pass", "timeout"),
    ("raise RuntimeError('x')", "error"),
    ("def broken(:\n    pass", "error"),
    ("import sys\nsys.exit(2)", "error"),
])
def test_program_failures_map_to_verdicts(pool, code, verdict):
    v = judge(code, ADD, limits=Limits(time_limit_s=0.5, memory_mb=256), pool=pool)
    assert v.verdict == verdict


def test_missing_code_is_an_error_not_an_exception(pool):
    assert judge(None, ADD, pool=pool).verdict == "error"
    assert judge("   ", ADD, pool=pool).verdict == "error"


def test_unknown_evaluator_fails_before_running_and_lists_valid_names(pool):
    with pytest.raises(KeyError) as e:
        judge("print(3)", ADD, evaluator="lenient", pool=pool)
    assert "microcoder" in str(e.value) and "strict" in str(e.value)


def test_stack_peeking_finds_no_expected_output(pool):
    code = (
        "import sys, gc\n"
        "def f(x):\n"
        "    seen = []\n"
        "    fr = sys._getframe()\n"
        "    while fr is not None:\n"
        "        seen += [v for v in list(fr.f_locals.values()) + list(fr.f_globals.values()) if type(v) is int]\n"
        "        fr = fr.f_back\n"
        "    seen += [o for o in gc.get_objects() if type(o) is int][:100000]\n"
        "    big = [v for v in seen if v > 10**8]\n"
        "    return big[0] if big else -1\n"
    )
    v = judge(code, CALL, limits=LIM, pool=pool)
    assert v.verdict != "pass"


def test_always_equal_object_does_not_pass(pool):
    code = "class E:\n    def __eq__(self, o):\n        return True\n    __hash__ = None\ndef f(x):\n    return E()"
    assert judge(code, CALL, limits=LIM, pool=pool).verdict == "error"


def test_monkeypatching_json_and_builtins_does_not_pass(pool):
    code = ("import json, builtins\njson.loads = lambda *a, **k: 987654321\njson.dumps = lambda *a, **k: '987654321'\n"
            "builtins.isinstance = lambda *a: True\ndef f(x):\n    return 0")
    for evaluator in ("microcoder", "strict"):
        assert judge(code, CALL, evaluator, limits=LIM, pool=pool).verdict == "fail"


def test_true_does_not_pass_for_one(pool):
    p = Problem.from_dict({"id": "one", "style": "call", "fn_name": "f", "tests": [{"input": [], "output": 1}]})
    for evaluator in ("microcoder", "strict"):
        assert judge("def f():\n    return True", p, evaluator, limits=LIM, pool=pool).verdict == "fail"


def test_nested_tuples_pass_microcoder_but_not_strict(pool):
    code = "def f(n):\n    return [(i, i + 1) for i in range(n)]"
    both = judge_multi(code, PAIRS, ("microcoder", "strict"), LIM, pool=pool)
    assert both["microcoder"].verdict == "pass" and both["strict"].verdict == "fail"


def test_float_noise_passes_microcoder_but_not_strict(pool):
    p = Problem.from_dict({"id": "fl", "style": "stdin", "tests": [{"input": "", "output": "0.3\n"}]})
    both = judge_multi("print(0.1 + 0.2)", p, ("microcoder", "strict"), LIM, pool=pool)
    assert both["microcoder"].verdict == "pass" and both["strict"].verdict == "fail"


def test_stdout_buffer_writes_are_seen(pool):
    v = judge("import sys\na, b = map(int, input().split())\nsys.stdout.buffer.write(str(a + b).encode() + b'\\n')",
              ADD, limits=LIM, pool=pool)
    assert v.verdict == "pass"


def test_one_line_program_passes(pool):
    assert judge("print(sum(map(int,input().split())))", ADD, limits=LIM, pool=pool).verdict == "pass"


def test_judge_many_keeps_input_order_and_reports_progress(pool):
    codes = ["print(sum(map(int, input().split())))", "print(0)", "raise SystemExit(1)"] * 3
    seen = []
    res = judge_many([(c, ADD) for c in codes], ("microcoder",), LIM, pool=pool, progress=seen.append)
    assert [r["microcoder"].verdict for r in res] == ["pass", "fail", "error"] * 3
    assert sorted(seen) == list(range(1, 10))


# --------------------------------------------------------------------------------------- compute_score

GT = json.dumps({"style": "stdin", "tests": [{"input": "2 3\n", "output": "5\n"}]})


def test_compute_score_extracts_the_last_python_block():
    response = ("<think>maybe ```python\nprint(0)\n```</think>\nHere:\n```python\nprint(1)\n```\n"
                "Final:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```")
    out = compute_score("micro", response, GT)
    assert out == {"score": 1.0, "acc": 1.0, "answered": True, "platform": "unknown", "difficulty": "unknown",
                   "verdict": "pass", "passed": 1, "total": 1}


def test_compute_score_is_zero_for_crashing_and_garbage_responses():
    for response in ["```python\nimport os\nos.abort()\n```", "no code at all", "", "```python\n" + "(" * 5000 + "\n```"]:
        out = compute_score("micro", response, GT)
        assert out["score"] == 0.0 and out["acc"] == 0.0
        assert set(out) == {"score", "acc", "answered", "platform", "difficulty", "verdict", "passed", "total"}


def test_compute_score_survives_a_broken_ground_truth():
    out = compute_score("micro", "```python\nprint(5)\n```", "{not json")
    assert out["score"] == 0.0 and out["verdict"] == "error"
    assert set(out) == set(compute_score("micro", "no code", GT))  # every row has the same keys: verl stacks them


def test_compute_score_reads_livecodebench_call_style_ground_truth():
    gt = json.dumps({"inputs": ["[1, 2]\n3"], "outputs": ["[1, 2, 3]"], "fn_name": "add"})
    resp = "```python\nclass Solution:\n    def add(self, xs, y):\n        return xs + [y]\n```"
    assert compute_score("lcb", resp, gt)["score"] == 1.0


def test_compute_score_evaluator_is_selectable():
    gt = json.dumps({"style": "stdin", "tests": [{"input": "", "output": "0.3\n"}]})
    resp = "```python\nprint(0.1 + 0.2)\n```"
    assert compute_score("x", resp, gt, evaluator="microcoder")["score"] == 1.0
    assert compute_score("x", resp, gt, extra_info={"evaluator": "strict"})["score"] == 0.0


def test_workers_survive_the_threads_that_used_them():
    # bwrap's --die-with-parent follows the starting *thread*: judging threads end after every call
    with SandboxPool(2) as pool:
        for _ in range(3):
            res = judge_many([("print(sum(map(int, input().split())))", ADD)] * 4, ("microcoder",), LIM, pool=pool)
            assert all(r["microcoder"].verdict == "pass" for r in res)
        assert [sb.restarts for sb in pool._all] == [0, 0]


def test_a_wrong_answer_says_what_was_expected_and_what_came_out():
    problem = Problem.from_dict({"id": "a", "style": "stdin", "tests": [{"input": "1\n", "output": "2\n"}]})
    assert judge("print(3)", problem).reason == "test 0: wrong answer: expected '2', got '3'"
    long = judge("print('x' * 500)", problem).reason
    assert long.startswith("test 0: wrong answer: expected '2', got 'xxx") and long.endswith("…") and len(long) < 120


def test_compute_score_parses_a_ground_truth_once_for_the_responses_of_a_prompt():
    from microcoder.evaluator.judge import _parsed_problem

    _parsed_problem.cache_clear()
    for response in ["```python\nprint(1)\n```", "```python\nprint(2)\n```", "no code"]:
        compute_score("micro", response, GT, {"platform": "atcoder"})
    info = _parsed_problem.cache_info()
    assert (info.misses, info.hits) == (1, 2)
    compute_score("micro", "```python\nprint(1)\n```", GT, {"platform": "codeforces"})  # other extra: other problem
    assert _parsed_problem.cache_info().misses == 2
