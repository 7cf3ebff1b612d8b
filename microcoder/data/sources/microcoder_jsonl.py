"""The MicroCoder-format JSONL: our documented format for the user's own data (the MicroCoder dataset is not
public; this is the format one converts it, or any data, into). One JSON object a line:

    {"id": "p1",                          required, unique
     "question": "Read two integers …",   required: the statement the prompt template shows
     "style": "stdin" | "call",           default stdin
     "fn_name": "twoSum",                 call style: a top-level function or a method of class Solution
     "starter_code": "class Solution: …", optional (shown by the template; LeetCode style)
     "tests": [{"input": …, "output": …}, …],   required, non-empty. stdin: strings (stdin, expected stdout).
                                          call: input = the argument list (a JSON array, or its JSON text),
                                          output = the expected return value (JSON)
     "platform": "atcoder", "difficulty": "easy", "date": "2025-01-31", "title": "…",   optional
     "options": {"unordered": true, "case_insensitive": true, "float_tolerance": 1e-6, "checker": "…"},  optional
     "extra": {…}}                        optional, kept in extra_info

Lines written by `microcoder data prepare` (our prepared <split>.jsonl) are also accepted: their prompt is
re-rendered by the chosen template.
"""

from __future__ import annotations

from ..record import STYLES, ProblemRecord, RowError, iso_date, norm_difficulty, normalise_tests
from .base import add_source


def parse(row: dict) -> ProblemRecord:
    for key in ("id", "question", "tests"):
        if key not in row or row[key] in (None, ""):
            raise RowError(f"missing {key}")
    tests = row["tests"]
    if not isinstance(tests, list):
        raise RowError("tests must be a list of {input, output}")
    style = row.get("style", "stdin")
    if style not in STYLES:
        raise RowError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    pairs = []
    for i, t in enumerate(tests):
        if not isinstance(t, dict) or "input" not in t or "output" not in t:
            raise RowError(f"tests[{i}] must be an object with input and output")
        pairs.append((t["input"], t["output"]))
    options = row.get("options") or {}
    if not isinstance(options, dict):
        raise RowError("options must be an object")
    if row.get("unordered") and "unordered" not in options:
        options = {**options, "unordered": True}
    extra = row.get("extra") or {}
    return ProblemRecord(
        id=str(row["id"]), source=row.get("source") or "microcoder", question=row["question"], style=style,
        tests=normalise_tests(pairs, style, "tests"),
        fn_name=row.get("fn_name"), starter_code=row.get("starter_code") or "", platform=row.get("platform"),
        difficulty=norm_difficulty(row.get("difficulty")), date=iso_date(row.get("date")), title=row.get("title") or "",
        options=options, extra=extra if isinstance(extra, dict) else {})


add_source("microcoder", parse, None, "MicroCoder-format JSONL (our documented format for your own data)")
