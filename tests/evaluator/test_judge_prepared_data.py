"""`microcoder judge PREPARED.jsonl SOLUTIONS.jsonl --evaluator both`: prepared data (contract 5) is judged as its
platforms judge it, with the agreement table; malformed lines are still named by file and line."""

import io
import json

from microcoder.cli import main
from microcoder.evaluator.judge_command import run_judge

PREPARED = [  # our problem dicts plus the keys `data prepare` adds
    {"id": "cf-1A", "style": "stdin", "platform": "codeforces", "difficulty": "easy", "source": "livecodebench",
     "prompt": "You will be given a question...", "question": "Is n even?", "starter_code": "", "fn_name": None,
     "date": "2024-08-01", "options": {}, "tests": [{"input": "4\n", "output": "YES\n"}]},
    {"id": "abc-1", "style": "stdin", "platform": "atcoder", "difficulty": "easy", "source": "livecodebench",
     "prompt": "...", "question": "Is n even?", "starter_code": "", "options": {},
     "tests": [{"input": "4\n", "output": "Yes\n"}]},
    {"id": "lc-1", "style": "call", "fn_name": "permute", "platform": "leetcode", "difficulty": "medium",
     "source": "livecodebench", "prompt": "...", "question": "All permutations",
     "starter_code": "class Solution:\n    def permute(self, nums: List[int]) -> List[List[int]]:\n        ",
     "options": {"unordered": True}, "tests": [{"input": [[1, 2]], "output": [[2, 1], [1, 2]]}]},
]
SOLUTIONS = [
    {"id": "cf-1A", "code": "print('yes' if int(input()) % 2 == 0 else 'no')"},
    {"id": "abc-1", "code": "print('Yes' if int(input()) % 2 == 0 else 'No')"},
    {"id": "lc-1", "response": "```python\nclass Solution:\n    def permute(self, nums: List[int]) -> List[List[int]]:"
                               "\n        return [list(p) for p in permutations(nums)]\n```"},
]


def write_jsonl(path, rows, extra_lines=()):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
        for line in extra_lines:
            f.write(line + "\n")
    return str(path)


def test_prepared_jsonl_is_judged_with_both_evaluators_and_an_agreement_table(tmp_path):
    probs = write_jsonl(tmp_path / "test.jsonl", PREPARED)
    sols = write_jsonl(tmp_path / "s.jsonl", SOLUTIONS)
    out, err = io.StringIO(), io.StringIO()
    rc = run_judge(probs, sols, "both", workers=1, out=out, err=err)
    text = out.getvalue()
    assert rc == 0, err.getvalue()
    rows = {line.split()[0]: line.split()[1:3] for line in text.splitlines() if line.startswith(("cf-", "abc-", "lc-"))}
    assert rows["cf-1A"] == ["pass", "1/1"] and "fail" in text.split("cf-1A")[1].splitlines()[0]
    assert rows["abc-1"] == ["pass", "1/1"] and rows["lc-1"] == ["pass", "1/1"]
    assert "agreement (microcoder vs strict)" in text
    agreement = {ln.split()[0]: ln.split()[1:] for ln in text.split("agreement")[1].splitlines()[1:5] if ln.strip()}
    assert agreement["all"][:2] == ["3", "66.7%"] and agreement["codeforces"][:2] == ["1", "0.0%"]
    assert "cf-1A: microcoder=pass, strict=fail" in text


def test_a_prepared_directory_with_one_jsonl_is_accepted(tmp_path):
    write_jsonl(tmp_path / "test.jsonl", PREPARED)
    sols = write_jsonl(tmp_path.parent / f"{tmp_path.name}-sols.jsonl", SOLUTIONS)
    assert main(["judge", str(tmp_path), sols, "--evaluator", "both", "--workers", "1"]) == 0
    out, err = io.StringIO(), io.StringIO()
    assert run_judge(str(tmp_path), sols, "both", workers=1, out=out, err=err) == 0
    assert "microcoder: 3/3 pass" in out.getvalue()
    write_jsonl(tmp_path / "train.jsonl", PREPARED)
    out, err = io.StringIO(), io.StringIO()
    assert run_judge(str(tmp_path), sols, "both", workers=1, out=out, err=err) == 1
    assert "found: test.jsonl, train.jsonl" in err.getvalue()


def test_malformed_prepared_lines_are_named_by_file_and_line(tmp_path):
    bad_option = {**PREPARED[0], "id": "bad-opt", "options": {"tolerance": 1e-6}}
    probs = write_jsonl(tmp_path / "test.jsonl", PREPARED + [bad_option], extra_lines=["{not json"])
    sols = write_jsonl(tmp_path / "s.jsonl", SOLUTIONS)
    out, err = io.StringIO(), io.StringIO()
    rc = run_judge(probs, sols, "both", workers=1, out=out, err=err)
    assert rc == 1
    assert f"{probs}:4: problem 'bad-opt': options: unknown option 'tolerance'; allowed: unordered" in err.getvalue()
    assert f"{probs}:5: invalid JSON" in err.getvalue()
    assert "microcoder: 3/3 pass" in out.getvalue()  # the rest is still judged


def test_a_string_return_value_that_looks_like_json_is_judged_as_the_string_it_is(tmp_path):
    """LeetCode 2710 ("remove trailing zeros") returns the string "512301": `prepare` writes it as JSON text and
    the judge must read the prepared line as verl reads its ground truth, or "512301" ≠ '"512301"'."""
    from microcoder.data.prepare import prepare

    src = tmp_path / "mine.jsonl"
    write_jsonl(src, [{"id": "lc2710", "question": "Remove trailing zeros of num.", "style": "call",
                       "fn_name": "removeTrailingZeros", "platform": "leetcode",
                       "tests": [{"input": ["51230100"], "output": "512301"}, {"input": ["123"], "output": "123"}]}])
    prepare("microcoder", [str(src)], tmp_path / "prep", split="test", progress=False)
    sols = write_jsonl(tmp_path / "s.jsonl", [{"id": "lc2710", "code": (
        "class Solution:\n    def removeTrailingZeros(self, num: str) -> str:\n        return num.rstrip('0')")}])
    out = io.StringIO()
    assert run_judge(str(tmp_path / "prep" / "test.jsonl"), sols, evaluator="both", out=out, as_json=True) == 0
    verdicts = {v["evaluator"]: v["verdict"] for v in map(json.loads, out.getvalue().splitlines())}
    assert verdicts == {"microcoder": "pass", "strict": "pass"}, out.getvalue()
