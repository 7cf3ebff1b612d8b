"""Problems and solutions as the evaluator sees them, and their JSONL files.

A problem is one JSON object a line::

    {"id": "add", "style": "stdin" | "call", "fn_name": "f"?, "platform": "atcoder"?, "difficulty": "easy"?,
     "tests": [{"input": ..., "output": ...}, ...], "options": {...}?, "unordered": false?}

stdin style: ``input``/``output`` are the program's stdin and expected stdout (strings). Call style: ``input`` is a
JSON array of arguments (a list, or a string holding one) and ``output`` the expected return value (a JSON value);
``fn_name`` names a top-level function or a method of ``class Solution`` (LeetCode).

``options`` are the judging options the *source* states (`JudgeOptions`; every key optional, unknown keys refused):
``unordered`` (the answer's order carries no meaning), ``case_insensitive`` (any letter case is accepted),
``float_tolerance`` (absolute-or-relative error allowed on non-integer numbers; null = the evaluator's default),
``checker`` (a special checker program, Python source: see `microcoder.evaluator.checker`). A top-level
``unordered`` is still accepted (it means ``options.unordered``). What a source does not state is decided by the
platform's convention and then the evaluator's defaults (`microcoder.evaluator.conventions`), never written here.
Any other key (``prompt``, ``question``, ``starter_code``, ``source``, ... of prepared data) is kept in ``meta``.

A solution is ``{"id", "code"}`` or ``{"id", "response"}`` (a model response; the code is extracted from its last
fenced python block). verl's reward input — ``ground_truth`` as a JSON string — is parsed by `problem_from_ground_truth`,
which also accepts the LiveCodeBench/DeepCoder ``{"inputs": [...], "outputs": [...], "fn_name"?}`` shape.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from .number_rules import text_has_real, value_has_real

STYLES = ("stdin", "call")


class ProblemError(ValueError):
    """A malformed problem or solution; the message names what is wrong."""


@dataclass(frozen=True)
class TestCase:
    input: Any
    output: Any


@dataclass(frozen=True)
class JudgeOptions:
    """The judging options a problem's source states; None = not stated (conventions and defaults decide)."""

    unordered: bool | None = None
    """The answer's order carries no meaning (top-level items, or lines/tokens of printed output)."""
    case_insensitive: bool | None = None
    """Any letter case is accepted in the whole answer (Codeforces statements: "in any case")."""
    float_tolerance: float | None = None
    """Absolute-or-relative error allowed where the expected token is a non-integer number (e.g. 1e-6)."""
    checker: str | None = None
    """A special checker program (Python source) that decides each test instead of a comparison."""

    @classmethod
    def from_dict(cls, d: Any, where: str = "options") -> "JudgeOptions":
        """Validate a JSON object of options; a bad key or value raises ProblemError naming it and what is allowed."""
        if d is None:
            return cls()
        if not isinstance(d, dict):
            raise ProblemError(f"{where} must be a JSON object, got {type(d).__name__}")
        allowed = [f.name for f in fields(cls)]
        for key in d:
            if key not in allowed:
                raise ProblemError(f"{where}: unknown option {key!r}; allowed: {', '.join(allowed)}")
        for key in ("unordered", "case_insensitive"):
            if d.get(key) is not None and not isinstance(d[key], bool):
                raise ProblemError(f"{where}.{key} must be true, false or null, got {d[key]!r}")
        tol = d.get("float_tolerance")
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float))
                                or not math.isfinite(tol) or not 0 < tol < 1):
            raise ProblemError(f"{where}.float_tolerance must be a number in (0, 1) or null, got {tol!r}")
        checker = d.get("checker")
        if checker is not None and not (isinstance(checker, str) and checker.strip()):
            raise ProblemError(f"{where}.checker must be Python source text or null, got {checker!r:.60}")
        return cls(**{k: (float(v) if k == "float_tolerance" and v is not None else v) for k, v in d.items()})

    def to_dict(self) -> dict:
        """The stated options only (None values left out): what a loader writes into the ground truth."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class Problem:
    id: str
    style: str
    tests: tuple[TestCase, ...]
    fn_name: str | None = None
    platform: str | None = None
    difficulty: str | None = None
    options: JudgeOptions = JudgeOptions()
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def unordered(self) -> bool:
        """The source says the answer's order carries no meaning."""
        return bool(self.options.unordered)

    @cached_property
    def real_valued(self) -> bool:
        """A non-integer number appears among the expected outputs: the answers are real numbers, which the
        platform's checker reads as doubles (number_rules). Computed once per problem (one regex scan a test)."""
        if self.style == "stdin":
            return any(text_has_real(t.output) for t in self.tests if isinstance(t.output, str))
        return any(value_has_real(t.output) for t in self.tests)

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
        options = _options(d, pid)
        platform = d.get("platform")
        if platform is not None and not isinstance(platform, str):
            raise ProblemError(f"problem {pid!r}: platform must be a string, got {platform!r}")
        known = {"id", "style", "fn_name", "unordered", "platform", "difficulty", "tests", "options"}
        return cls(id=str(pid), style=style, tests=tuple(tests), fn_name=fn_name if style == "call" else None,
                   platform=platform, difficulty=d.get("difficulty"), options=options,
                   meta={k: v for k, v in d.items() if k not in known})


def _options(d: dict, pid: Any) -> JudgeOptions:
    """`options`, with the legacy top-level `unordered` folded in (a contradiction between the two is refused)."""
    raw = d.get("options")
    options = JudgeOptions.from_dict(raw, f"problem {pid!r}: options")
    legacy = d.get("unordered")
    if legacy is None:
        return options
    if not isinstance(legacy, bool):
        raise ProblemError(f"problem {pid!r}: unordered must be true or false, got {legacy!r}")
    if options.unordered is not None and options.unordered != legacy:
        raise ProblemError(f"problem {pid!r}: unordered={legacy} contradicts options.unordered={options.unordered}")
    return JudgeOptions(**{**options.__dict__, "unordered": legacy})


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


def _lcb_call_input(text: str, pid: Any) -> list:
    """LiveCodeBench's functional input: one JSON value a line, one line per argument ("[1,2]" is ONE list)."""
    try:
        return [json.loads(line) for line in text.split("\n") if line.strip()]
    except json.JSONDecodeError as e:
        raise ProblemError(f"problem {pid!r}: a functional test input is not one JSON value a line: {e}") from None


GROUND_TRUTH_KEYS = ("id", "style", "fn_name", "tests", "platform", "difficulty", "starter_code", "options",
                     "unordered")
"""The keys of a prepared JSONL line (`microcoder data prepare`) that are its ground truth; the rest is text."""


def is_prepared_line(obj: Any) -> bool:
    """A line `microcoder data prepare` wrote: a ground truth plus the problem's text (question, messages)."""
    return isinstance(obj, dict) and "tests" in obj and ("messages" in obj or "question" in obj)


def problem_from_prepared_line(obj: dict) -> Problem:
    """The Problem of a prepared JSONL line, read as verl reads its ground truth (`problem_from_ground_truth`):
    call-style outputs that are JSON text come back as the values (or protected strings) they stand for."""
    return problem_from_ground_truth({k: obj[k] for k in GROUND_TRUTH_KEYS if k in obj})


def problem_from_ground_truth(ground_truth: Any, extra_info: dict | None = None) -> Problem:
    """Build a Problem from verl's ``ground_truth`` (JSON text or a dict) in our or LCB/DeepCoder shape.

    Its judging options (``options``, contract 1) become ``Problem.options``; ``platform``, ``difficulty`` and
    ``options`` missing from the ground truth are taken from ``extra_info`` when it has them.
    """
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
        lcb_lines = "inputs" in gt  # LCB's input_output: each input is one JSON value a line
        fixed = []
        for t in gt.get("tests") or []:
            if not isinstance(t, dict):
                fixed.append(t)
                continue
            out, inp = t.get("output"), t.get("input")
            if isinstance(out, str):  # LCB keeps call-style outputs as JSON text
                try:
                    out = json.loads(out)
                except json.JSONDecodeError:
                    pass
            if isinstance(inp, str) and (lcb_lines or t.get("testtype") == "functional"):
                inp = _lcb_call_input(inp, gt.get("id", "?"))
            fixed.append({**t, "input": inp, "output": out})
        gt["tests"] = fixed
    gt.setdefault("id", extra.get("id", extra.get("index", "?")))
    for key in ("platform", "difficulty", "options"):  # extra_info carries them too (contract 5); ground truth wins
        if gt.get(key) is None and extra.get(key) is not None:
            gt[key] = extra[key]
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
            try:  # a prepared line is a ground truth (its call outputs are JSON text), else our problem schema
                p = problem_from_prepared_line(obj) if is_prepared_line(obj) else Problem.from_dict(obj)
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
