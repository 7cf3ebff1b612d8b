"""Small rows in each real source schema (written by the tests themselves; the hubs are unreachable), each with
the Problem it must become and one known-correct and one known-wrong program."""

from __future__ import annotations

import base64
import json
import pickle
import zlib

STDIN_TESTS = [("1 2\n", "3\n"), ("10 -4\n", "6\n"), ("0 0\n", "0\n")]
CALL_TESTS = [(([1, 2], 3), [4, 5]), (([], 7), []), (([0, -1, 5], -2), [-2, -3, 3])]
STDIN_OK = "a, b = map(int, input().split())\nprint(a + b)\n"
STDIN_BAD = "a, b = map(int, input().split())\nprint(a - b)\n"
STARTER = "class Solution:\n    def addAll(self, nums: List[int], k: int) -> List[int]:\n        "
# explicit import: the judge's LeetCode import header is another helper's part (see the report)
CALL_OK_METHOD = ("from typing import List\n\nclass Solution:\n    def addAll(self, nums: List[int], k: int) -> "
                  "List[int]:\n        return [x + k for x in nums]\n")
CALL_OK_FN = "def addAll(nums, k):\n    return [x + k for x in nums]\n"
CALL_BAD_FN = "def addAll(nums, k):\n    return [x - k for x in nums]\n"
# Open-R1's checker contract: argv = input, correct output, solution output; prints 1 to accept
CHECKER = ("import sys\nexp = open(sys.argv[2]).read().split()\ngot = open(sys.argv[3]).read().split()\n"
           "print(1 if [int(x) for x in exp] == [int(x) for x in got] else 0)\n")


def lcb_private(tests: list[dict]) -> str:
    """LiveCodeBench's encoding of private tests: JSON text → pickle → zlib → base64."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def _lcb_stdin_tests():
    return [{"input": i, "output": o, "testtype": "stdin"} for i, o in STDIN_TESTS]


def _lcb_call_tests():
    return [{"input": "\n".join(json.dumps(a) for a in args), "output": json.dumps(out), "testtype": "functional"}
            for args, out in CALL_TESTS]


def lcb_rows() -> list[dict]:
    st, ct = _lcb_stdin_tests(), _lcb_call_tests()
    return [
        {"question_title": "Add", "question_content": "Print A+B.", "platform": "atcoder", "question_id": "abc900_a",
         "contest_id": "abc900", "contest_date": "2025-03-01T00:00:00", "starter_code": "", "difficulty": "easy",
         "public_test_cases": json.dumps(st[:1]), "private_test_cases": lcb_private(st[1:]), "metadata": "{}"},
        {"question_title": "Add all", "question_content": "Add k to each number.", "platform": "leetcode",
         "question_id": "3999", "contest_id": "weekly-contest-450", "contest_date": "2024-06-01T00:00:00",
         "starter_code": STARTER, "difficulty": "medium", "public_test_cases": json.dumps(ct[:1]),
         "private_test_cases": json.dumps(ct[1:]), "metadata": json.dumps({"func_name": "addAll"})},
    ]


# name → (source, rows, expected problems: id-less facts per row in order, correct, wrong programs per row)
def schemas() -> dict[str, dict]:
    stdin_cases = [{"input": i, "output": o} for i, o in STDIN_TESTS]
    call_cases = [{"input": list(a), "output": o} for a, o in CALL_TESTS]
    stdin = {"style": "stdin", "fn_name": None, "tests": stdin_cases}
    call = {"style": "call", "fn_name": "addAll", "tests": call_cases}
    return {
        "livecodebench": {"source": "livecodebench", "rows": lcb_rows(),
                          "expect": [{**stdin, "id": "abc900_a", "platform": "atcoder", "difficulty": "easy"},
                                     {**call, "id": "3999", "platform": "leetcode", "difficulty": "medium"}],
                          "programs": [(STDIN_OK, STDIN_BAD), (CALL_OK_METHOD, CALL_BAD_FN)]},
        "deepcoder-primeintellect": {
            "source": "deepcoder-primeintellect",
            "rows": [{"problem": "Add k to each.", "metadata": {"difficulty": "MEDIUM"},
                      "tests": json.dumps([{"type": "function_call", "fn_name": "addAll", "input": list(a),
                                            "output": [o]} for a, o in CALL_TESTS])},
                     {"problem": "Print a+b.", "metadata": json.dumps({}),
                      "tests": json.dumps([{"type": "stdin_stdout", "input": i, "output": o}
                                           for i, o in STDIN_TESTS])}],
            "expect": [{**call, "difficulty": "medium"}, {**stdin}],
            "programs": [(CALL_OK_FN, CALL_BAD_FN), (STDIN_OK, STDIN_BAD)]},
        "deepcoder-taco": {
            "source": "deepcoder-taco",
            "rows": [{"problem": "Print a+b (taco).",  # a Python literal, not JSON (single quotes)
                      "tests": repr({"inputs": [i for i, _ in STDIN_TESTS], "outputs": [o for _, o in STDIN_TESTS]})},
                     {"problem": "Add k (taco).", "metadata": "{}",
                      "tests": json.dumps({"fn_name": "addAll", "inputs": [list(a) for a, _ in CALL_TESTS],
                                           "outputs": [[o] for _, o in CALL_TESTS]})}],
            "expect": [stdin, call], "programs": [(STDIN_OK, STDIN_BAD), (CALL_OK_FN, CALL_BAD_FN)]},
        "deepcoder-lcbv5": {
            "source": "deepcoder-lcbv5",
            "rows": [{"problem": "Add k (lcbv5).", "starter_code": STARTER, "metadata": json.dumps({}),
                      "tests": json.dumps(_lcb_call_tests())}],
            "expect": [call], "programs": [(CALL_OK_METHOD, CALL_BAD_FN)]},
        "deepcoder-codeforces": {
            "source": "deepcoder-codeforces",
            "rows": [{"problem": "Print a+b (cf).", "metadata": {"rating": 800},
                      "tests": repr([{"input": i, "output": o} for i, o in STDIN_TESTS])}],
            "expect": [{**stdin, "platform": "codeforces"}], "programs": [(STDIN_OK, STDIN_BAD)]},
        "open-r1-verifiable": {
            "source": "open-r1-verifiable",
            "rows": [{"problem_id": "vcp_1", "source": "codeforces", "task_type": "verifiable_code",
                      "in_source_id": "1000_A", "prompt": "Solve: print a+b.", "gold_standard_solution": STDIN_OK,
                      "verification_info": json.dumps({"language": "python", "test_cases": [
                          {"type": "stdin_stdout", "input": i, "output": o} for i, o in STDIN_TESTS]}),
                      "metadata": json.dumps({"difficulty": "easy", "time_limit": "1 second"})},
                     {"problem_id": "vcp_2", "source": "apps", "prompt": "Add k.", "verification_info": {
                         "language": "python", "test_cases": [{"type": "function_call", "fn_name": "addAll",
                                                                "input": list(a), "output": [o]}
                                                               for a, o in CALL_TESTS]}, "metadata": {}}],
            "expect": [{**stdin, "id": "vcp_1", "platform": "codeforces", "difficulty": "easy"},
                       {**call, "id": "vcp_2"}],
            "programs": [(STDIN_OK, STDIN_BAD), (CALL_OK_FN, CALL_BAD_FN)]},
        "open-r1-codeforces": {
            "source": "open-r1-codeforces",
            "rows": [{"id": "2000A", "contest_id": "2000", "contest_start": 1735689600, "index": "A",
                      "title": "Sum", "description": "Print a+b.", "input_format": "Two integers.",
                      "output_format": "Their sum.", "interaction_format": None, "note": None,
                      "examples": [{"input": "1 2\n", "output": "3\n"}],
                      "official_tests": [{"input": i, "output": o} for i, o in STDIN_TESTS],
                      "official_tests_complete": True, "input_mode": "stdio", "time_limit": 2.0,
                      "memory_limit": 256.0, "rating": 1500, "tags": ["math"],
                      "generated_checker": CHECKER, "executable": True}],
            "expect": [{**stdin, "id": "2000A", "platform": "codeforces", "difficulty": "medium",
                        "options": {"checker": CHECKER}}],
            "programs": [(STDIN_OK, STDIN_BAD)]},
        "taco": {
            "source": "taco",
            "rows": [{"question": "Add k (taco set).", "starter_code": "def addAll(nums, k):\n\t",
                      "input_output": json.dumps({"fn_name": "addAll", "inputs": [list(a) for a, _ in CALL_TESTS],
                                                  "outputs": [[o] for _, o in CALL_TESTS]}),
                      "difficulty": "MEDIUM_HARD", "source": "codewars", "url": "https://www.codewars.com/kata/x",
                      "name": "add"}],
            "expect": [{**call, "difficulty": "hard", "platform": "codewars"}], "programs": [(CALL_OK_FN, CALL_BAD_FN)]},
        "apps": {
            "source": "apps",
            "rows": [{"problem_id": 4321, "question": "Print a+b (apps).", "solutions": json.dumps([STDIN_OK]),
                      "input_output": json.dumps({"inputs": [i for i, _ in STDIN_TESTS],
                                                  "outputs": [o for _, o in STDIN_TESTS]}),
                      "difficulty": "introductory", "url": "https://atcoder.jp/contests/abc086/tasks/abc086_a",
                      "starter_code": ""}],
            "expect": [{**stdin, "id": "apps/4321", "difficulty": "easy", "platform": "atcoder"}],
            "programs": [(STDIN_OK, STDIN_BAD)]},
        "microcoder": {
            "source": "microcoder",
            "rows": [{"id": "own-1", "question": "Add k to each.", "style": "call", "fn_name": "addAll",
                      "tests": call_cases, "platform": "leetcode", "difficulty": "hard",
                      "options": {"unordered": True}},
                     {"id": "own-2", "question": "Print a+b.", "tests": stdin_cases}],
            "expect": [{**call, "id": "own-1", "platform": "leetcode", "difficulty": "hard",
                        "options": {"unordered": True}}, {**stdin, "id": "own-2"}],
            "programs": [(CALL_OK_FN, CALL_BAD_FN), (STDIN_OK, STDIN_BAD)]},
    }


def write_jsonl(path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
