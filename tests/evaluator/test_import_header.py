"""LeetCode's / LiveCodeBench's standard import header: real-world solutions that rely on it pass, in the real sandbox.

LiveCodeBench prepends its `import_string` to call-style code and to stdin programs alike
(lcb_runner/evaluation/testing_util.py: grade_call_based, make_function), so both styles and both evaluators get it.
"""

import pytest

from microcoder.evaluator import Problem, judge_multi
from microcoder.evaluator.jail_worker import IMPORT_HEADER

from both_evaluators import LIM, verdicts  # tests/evaluator/both_evaluators.py; `pool`: conftest.py


PERMS = Problem.from_dict({"id": "permute", "style": "call", "fn_name": "permute", "platform": "leetcode", "tests": [
    {"input": [[1, 2, 3]], "output": [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]]},
    {"input": [[0, 1]], "output": [[0, 1], [1, 0]]}]})
TOPK = Problem.from_dict({"id": "top-k", "style": "call", "fn_name": "topKFrequent", "platform": "leetcode", "tests": [
    {"input": [[1, 1, 1, 2, 2, 3], 2], "output": [1, 2]}, {"input": [[4], 1], "output": [4]}]})
GROUP = Problem.from_dict({"id": "group-anagrams", "style": "call", "fn_name": "groupAnagrams", "tests": [
    {"input": [["eat", "tea", "tan", "ate", "nat", "bat"]], "output": [["eat", "tea", "ate"], ["tan", "nat"], ["bat"]]}]})

# the solutions as LeetCode users write them: no imports at all
SOLUTION_PERMUTE = '''
class Solution:
    def permute(self, nums: List[int]) -> List[List[int]]:
        return [list(p) for p in permutations(nums)]
'''
BARE_TOPK = '''
def topKFrequent(nums: List[int], k: int) -> List[int]:
    count = defaultdict(int)
    for x in nums:
        count[x] += 1
    return [x for _, x in heapq.nlargest(k, ((c, x) for x, c in count.items()))]
'''
SOLUTION_TOPK = '''
class Solution:
    def topKFrequent(self, nums: List[int], k: int) -> List[int]:
        heap: List[Tuple[int, int]] = []
        for x, c in Counter(nums).items():
            heappush(heap, (-c, x))
        return [heappop(heap)[1] for _ in range(k)]
'''
SOLUTION_GROUP = '''
class Solution:
    def groupAnagrams(self, strs: List[str]) -> List[List[str]]:
        groups: Dict[str, List[str]] = defaultdict(list)
        for s in strs:
            groups["".join(sorted(s))].append(s)
        return list(groups.values())
'''


@pytest.mark.parametrize("code,problem", [
    (SOLUTION_PERMUTE, PERMS), (BARE_TOPK, TOPK), (SOLUTION_TOPK, TOPK), (SOLUTION_GROUP, GROUP)],
    ids=["class-Solution-permutations", "bare-function-defaultdict-heapq", "class-Solution-Counter-heappush",
         "class-Solution-Dict-defaultdict"])
def test_leetcode_solutions_without_imports_pass_under_both_evaluators(code, problem, pool):
    assert verdicts(code, problem, pool) == {"microcoder": "pass", "strict": "pass"}


def test_a_wrong_solution_using_the_header_still_fails(pool):
    wrong = SOLUTION_PERMUTE.replace("permutations(nums)", "combinations(nums, 2)")
    assert verdicts(wrong, PERMS, pool) == {"microcoder": "fail", "strict": "fail"}


def test_stdin_programs_get_the_header_too(pool):
    problem = Problem.from_dict({"id": "gcd-queue", "style": "stdin", "tests": [
        {"input": "12 18\n", "output": "6 inf\n"}, {"input": "7 21\n", "output": "7 inf\n"}]})
    code = "a, b = map(int, input().split())\nq = deque([gcd(a, b)])\nprint(q.popleft(), inf)"
    assert verdicts(code, problem, pool) == {"microcoder": "pass", "strict": "pass"}


def test_header_stream_names_are_the_programs_own_streams(pool):
    # `from sys import *` binds stdin/stdout: they must be this test's input and output, not the worker's
    problem = Problem.from_dict({"id": "echo", "style": "stdin", "tests": [{"input": "hello\n", "output": "HELLO\n"}]})
    code = "line = stdin.readline().strip()\nstdout.write(line.upper() + '\\n')"
    assert verdicts(code, problem, pool) == {"microcoder": "pass", "strict": "pass"}


def test_a_header_name_is_never_taken_for_the_missing_function(pool):
    # itertools' `count` is in the header; a program that defines no `count` must not be judged by calling it
    problem = Problem.from_dict({"id": "cnt", "style": "call", "fn_name": "count", "tests": [
        {"input": [3], "output": 3}]})
    v = judge_multi("def other(x):\n    return x", problem, ("microcoder",), LIM, pool=pool)["microcoder"]
    assert v.verdict == "error" and "not found" in v.reason


def test_a_program_may_shadow_header_names(pool):
    problem = Problem.from_dict({"id": "shadow", "style": "call", "fn_name": "f", "tests": [
        {"input": [2], "output": 4}]})
    code = "def List(x):\n    return x * 2\ndef f(x):\n    return List(x)"
    assert verdicts(code, problem, pool) == {"microcoder": "pass", "strict": "pass"}


def test_the_headers_recursion_limit_applies(pool):
    # LiveCodeBench's header raises the limit to 50000: a 20000-deep recursive solution is correct there
    problem = Problem.from_dict({"id": "deep", "style": "call", "fn_name": "depth", "tests": [
        {"input": [20000], "output": 20000}]})
    code = "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)"
    assert verdicts(code, problem, pool) == {"microcoder": "pass", "strict": "pass"}


def test_header_matches_livecodebench_import_string():
    # the names LiveCodeBench's import_string star-imports and imports, in its order
    stars = [ln.split()[1] for ln in IMPORT_HEADER.splitlines() if ln.startswith("from ")]
    plain = [ln.split()[1] for ln in IMPORT_HEADER.splitlines() if ln.startswith("import ")]
    assert stars == ["string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
                     "statistics", "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing"]
    assert plain == stars[:16]


def test_leetcode_programs_may_use_sortedlist_without_importing_it_as_on_leetcode(pool):
    """LeetCode 2817 etc.: accepted solutions use SortedList with no import (LeetCode's environment provides it).
    Other platforms' programs do not get the name."""
    code = ("class Solution:\n    def kth(self, nums: List[int], k: int) -> int:\n        sl = SortedList(nums)\n"
            "        return sl[k]")
    tests = [{"input": [[5, 1, 4], 1], "output": 4}]
    leetcode = Problem.from_dict({"id": "lc", "style": "call", "fn_name": "kth", "platform": "LeetCode",
                                  "tests": tests})
    assert verdicts(code, leetcode, pool) == {"microcoder": "pass", "strict": "pass"}
    other = Problem.from_dict({"id": "x", "style": "call", "fn_name": "kth", "platform": "atcoder", "tests": tests})
    v = judge_multi(code, other, ("microcoder",), LIM, pool=pool)["microcoder"]
    assert v.verdict == "error" and "SortedList" in v.reason
    explicit = "from sortedcontainers import SortedList\n" + code
    assert verdicts(explicit, other, pool) == {"microcoder": "pass", "strict": "pass"}  # importable in the jail
