"""`microcoder judge`: tables, JSON lines, malformed input, and the sandbox's fallback warning."""

import io
import json
import warnings

import pytest

from microcoder.cli import main
from microcoder.evaluator import sandbox
from microcoder.evaluator.judge_command import run_judge

PROBLEMS = [
    {"id": "add", "style": "stdin", "tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "5 5\n", "output": "10\n"}]},
    {"id": "half", "style": "stdin", "tests": [{"input": "", "output": "0.3\n"}]},
]
SOLUTIONS = [
    {"id": "add", "code": "a, b = map(int, input().split())\nprint(a + b)"},
    {"id": "half", "response": "<think>hmm</think>\n```python\nprint(0.1 + 0.2)\n```"},
]


def write_jsonl(path, rows, extra_lines=()):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
        for line in extra_lines:
            f.write(line + "\n")
    return str(path)


def test_json_output_has_one_line_per_solution_and_evaluator(tmp_path):
    probs = write_jsonl(tmp_path / "p.jsonl", PROBLEMS)
    sols = write_jsonl(tmp_path / "s.jsonl", SOLUTIONS)
    out, err = io.StringIO(), io.StringIO()
    rc = run_judge(probs, sols, "both", as_json=True, workers=1, out=out, err=err)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rc == 0
    got = {(r["id"], r["evaluator"]): r["verdict"] for r in rows}
    assert got == {("add", "microcoder"): "pass", ("add", "strict"): "pass",
                   ("half", "microcoder"): "pass", ("half", "strict"): "fail"}
    assert all(set(r) >= {"id", "evaluator", "verdict", "tests"} for r in rows)
    assert rows[0]["tests"][0]["verdict"] == "pass"


def test_table_lists_where_the_evaluators_disagree(tmp_path):
    probs = write_jsonl(tmp_path / "p.jsonl", PROBLEMS)
    sols = write_jsonl(tmp_path / "s.jsonl", SOLUTIONS)
    out = io.StringIO()
    run_judge(probs, sols, "both", workers=1, out=out, err=io.StringIO())
    text = out.getvalue()
    assert "where the evaluators disagree (1)" in text
    assert "half: microcoder=pass, strict=fail" in text


def test_malformed_lines_are_reported_with_file_and_line_and_the_rest_is_judged(tmp_path):
    probs = write_jsonl(tmp_path / "p.jsonl", PROBLEMS, ['{"id": "bad", "style": "weird", "tests": []}', "{oops"])
    sols = write_jsonl(tmp_path / "s.jsonl", SOLUTIONS, ['{"id": "add"}', '{"id": "ghost", "code": "print(1)"}'])
    out, err = io.StringIO(), io.StringIO()
    rc = run_judge(probs, sols, "microcoder", as_json=True, workers=1, out=out, err=err)
    assert rc == 1
    msgs = err.getvalue()
    assert f"{probs}:3:" in msgs and "style" in msgs
    assert f"{probs}:4:" in msgs and "invalid JSON" in msgs
    assert f"{sols}:3:" in msgs
    assert "ghost" in msgs
    assert len(out.getvalue().splitlines()) == 2  # both good solutions still judged


def test_cli_rejects_bad_limits_and_evaluators(tmp_path, capsys):
    for argv in (["judge", "p", "s", "--time-limit", "-1"], ["judge", "p", "s", "--evaluator", "lenient"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
    assert "lenient" in capsys.readouterr().err


def test_missing_jail_falls_back_with_a_loud_warning(monkeypatch):
    monkeypatch.setenv("MICROCODER_SANDBOX", "none")
    sandbox.jail_mode.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert sandbox.jail_mode() == "none"
        assert any("NOT ISOLATED" in str(w.message) for w in caught)
    finally:
        sandbox.jail_mode.cache_clear()
