"""Problems and solutions as the evaluator sees them, and their JSONL files.

A problem is one JSON object a line::

    {"id": "add", "style": "stdin" | "call", "fn_name": "f"?, "unordered": false?,
     "platform": "atcoder"?, "difficulty": "easy"?, "tests": [{"input": ..., "output": ...}, ...]}

stdin style: ``input``/``output`` are the program's stdin and expected stdout (strings). Call style: ``input`` is a
JSON array of arguments (a list, or a string holding one) and ``output`` the expected return value (a JSON value);
``fn_name`` names a top-level function or a method of ``class Solution`` (LeetCode). ``unordered: true`` says the
answer's order carries no meaning (the robust comparator may then compare as sets).

A solution is ``{"id", "code"}`` or ``{"id", "response"}`` (a model response; the code is extracted from its last
fenced python block). verl's reward input — ``ground_truth`` as a JSON string — is parsed by `problem_from_ground_truth`,
which also accepts the LiveCodeBench/DeepCoder ``{"inputs": [...], "outputs": [...], "fn_name"?}`` shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

STYLES = ("stdin", "call")


class ProblemError(ValueError):
    """A malformed problem or solution; the message names what is wrong."""


@dataclass(frozen=True)
class TestCase:
    input: Any
    output: Any


@dataclass(frozen=True)
class Problem:
    id: str
    style: str
    tests: tuple[TestCase, ...]
    fn_name: str | None = None
    unordered: bool = False
    platform: str | None = None
    difficulty: str | None = None
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_dict(cls, d: Any) -> "Problem":
        if not isinstance(d, dict):
            raise ProblemError(f"a problem must be a JSON object, got {type(d).__name__}")
        pid = d.get("id", "?")
        style = d.get("style", "stdin")
        if style not in STYLES:
            raise ProblemError(f"problem {pid!r}: style must be one of {', '.join(STYLES)}, got {style!r}")
        fn_name = d.get("fn_name")
        if style == "call" and not (isinstance(fn_name, str) and fn_name.isidentifier()):
            raise ProblemError(f"problem {pid!r}: call style needs fn_name (a Python identifier), got {fn_name!r}")
        raw = d.get("tests")
        if not isinstance(raw, list) or not raw:
            raise ProblemError(f"problem {pid!r}: tests must be a non-empty list of {{input, output}} objects")
        tests = []
        for i, t in enumerate(raw):
            if not isinstance(t, dict) or "input" not in t or "output" not in t:
                raise ProblemError(f"problem {pid!r}: tests[{i}] must be an object with input and output")
            inp, out = t["input"], t["output"]
            if style == "stdin":
                if not isinstance(inp, str) or not isinstance(out, str):
                    raise ProblemError(f"problem {pid!r}: tests[{i}]: stdin style needs string input and output")
            else:
                inp = _call_args(inp, pid, i)
            tests.append(TestCase(inp, out))
        known = {"id", "style", "fn_name", "unordered", "platform", "difficulty", "tests"}
        return cls(id=str(pid), style=style, tests=tuple(tests), fn_name=fn_name if style == "call" else None,
                   unordered=bool(d.get("unordered", False)), platform=d.get("platform"),
                   difficulty=d.get("difficulty"), meta={k: v for k, v in d.items() if k not in known})


def _call_args(inp: Any, pid: Any, i: int) -> list:
    if isinstance(inp, str):
        try:
            inp = json.loads(inp)
        except json.JSONDecodeError:
            # LiveCodeBench keeps one JSON value per line
            try:
                inp = [json.loads(line) for line in inp.splitlines() if line.strip()]
            except json.JSONDecodeError as e:
                raise ProblemError(f"problem {pid!r}: tests[{i}].input is not JSON: {e}") from None
    if not isinstance(inp, list):
        raise ProblemError(f"problem {pid!r}: tests[{i}].input must be a JSON array of arguments")
    return inp


def problem_from_ground_truth(ground_truth: Any, extra_info: dict | None = None) -> Problem:
    """Build a Problem from verl's ``ground_truth`` (JSON text or a dict) in our or LCB/DeepCoder shape."""
    gt = ground_truth
    if isinstance(gt, (bytes, str)):
        try:
            gt = json.loads(gt)
        except json.JSONDecodeError as e:
            raise ProblemError(f"ground_truth is not JSON: {e}") from None
    if isinstance(gt, list):  # DeepCoder: a list of {"input", "output"} (optionally with "testtype")
        gt = {"tests": gt}
    if not isinstance(gt, dict):
        raise ProblemError(f"ground_truth must be a JSON object or list, got {type(gt).__name__}")
    gt = dict(gt)
    extra = extra_info or {}
    if "tests" not in gt and "inputs" in gt:
        outs = gt.get("outputs", [])
        gt["tests"] = [{"input": i, "output": o} for i, o in zip(gt["inputs"], outs)]
    fn_name = gt.get("fn_name") or extra.get("fn_name") or (gt.get("metadata") or {}).get("func_name")
    if "style" not in gt:
        gt["style"] = "call" if fn_name else "stdin"
    if gt["style"] == "call":
        gt["fn_name"] = fn_name
        fixed = []
        for t in gt.get("tests") or []:
            out = t.get("output") if isinstance(t, dict) else None
            if isinstance(out, str):  # LCB keeps call-style outputs as JSON text
                try:
                    out = json.loads(out)
                except json.JSONDecodeError:
                    pass
            fixed.append({**t, "output": out} if isinstance(t, dict) else t)
        gt["tests"] = fixed
    gt.setdefault("id", extra.get("id", extra.get("index", "?")))
    return Problem.from_dict(gt)


@dataclass(frozen=True)
class Solution:
    id: str
    code: str | None  # None when no code could be extracted from the response
    response: str | None = None


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Any, str | None]]:
    """Yield (line number, parsed object or None, error message or None) for each non-blank line."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line), None
            except json.JSONDecodeError as e:
                yield n, None, f"invalid JSON ({e.msg} at column {e.colno})"


def load_problems(path: str | Path) -> tuple[dict[str, Problem], list[str]]:
    """Problems by id, and one error message per malformed line (naming the file and line)."""
    problems: dict[str, Problem] = {}
    errors: list[str] = []
    for n, obj, err in iter_jsonl(path):
        if err is None:
            try:
                p = Problem.from_dict(obj)
                if p.id in problems:
                    err = f"duplicate problem id {p.id!r}"
                else:
                    problems[p.id] = p
            except ProblemError as e:
                err = str(e)
        if err:
            errors.append(f"{path}:{n}: {err}")
    return problems, errors


def load_solutions(path: str | Path) -> tuple[list[Solution], list[str]]:
    """Solutions in file order, and one error message per malformed line (naming the file and line)."""
    from .extraction import extract_code

    out: list[Solution] = []
    errors: list[str] = []
    for n, obj, err in iter_jsonl(path):
        if err is None:
            if not isinstance(obj, dict) or "id" not in obj:
                err = "a solution must be an object with an id"
            elif isinstance(obj.get("code"), str):
                out.append(Solution(str(obj["id"]), obj["code"]))
            elif isinstance(obj.get("response"), str):
                out.append(Solution(str(obj["id"]), extract_code(obj["response"]), obj["response"]))
            else:
                err = "a solution needs a string 'code' or 'response'"
        if err:
            errors.append(f"{path}:{n}: {err}")
    return out, errors
