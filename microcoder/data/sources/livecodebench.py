"""LiveCodeBench `code_generation_lite` rows (the study's test set; LiveCodeBench's own loader is
lcb_runner/benchmarks/code_generation.py).

Row: question_title, question_content, platform (leetcode|codeforces|atcoder), question_id, contest_id,
contest_date (ISO), starter_code, difficulty (easy|medium|hard), public_test_cases (JSON list of
{input, output, testtype: stdin|functional}), private_test_cases (the same as JSON, or base64 → zlib → pickle →
JSON text), metadata (JSON, ``func_name`` for LeetCode). A functional test's input is one JSON value per line (one
line per argument) and its output JSON text. Releases are cumulative files: release_v1 = test.jsonl, release_vN
adds test2.jsonl … testN.jsonl; `data prepare --release vN` reads the first N of a folder, and `--window` cuts by
contest_date (both recorded in the manifest, because "LCB v6" names different windows in different papers).
"""

from __future__ import annotations

import re
from typing import Any

from ..record import ProblemRecord, Rejected, RowError, as_dict, decode_lcb_tests, iso_date, norm_difficulty, \
    normalise_tests
from .base import add_source

TESTTYPES = {"stdin": "stdin", "functional": "call"}
_DEF = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


def fn_from_starter(starter_code: str) -> str | None:
    """The first method/function defined in LeetCode starter code that is not ``__init__``."""
    for name in _DEF.findall(starter_code or ""):
        if name != "__init__":
            return name
    return None


def lcb_tests(tests: list, fn_name: str | None, what: str) -> tuple[str, list[dict]]:
    """LCB-shaped tests (list of {input, output, testtype}) → (style, our tests). One style per problem."""
    styles = set()
    pairs = []
    for i, t in enumerate(tests):
        if not isinstance(t, dict) or "input" not in t or "output" not in t:
            raise RowError(f"{what}[{i}] must be an object with input and output")
        kind = t.get("testtype", "stdin")
        if kind not in TESTTYPES:
            raise RowError(f"{what}[{i}].testtype must be one of {', '.join(TESTTYPES)}, got {kind!r}")
        styles.add(TESTTYPES[kind])
        pairs.append((t["input"], t["output"]))
    if len(styles) > 1:
        raise Rejected("tests mix stdin and functional test types")
    style = styles.pop() if styles else "stdin"
    return style, normalise_tests(pairs, style, what, per_line=True)


def parse(row: dict) -> ProblemRecord:
    for key in ("question_id", "question_content"):
        if not row.get(key):
            raise RowError(f"missing {key}")
    meta = as_dict(row.get("metadata"), "metadata")
    public = decode_lcb_tests(row.get("public_test_cases"), "public_test_cases")
    private = decode_lcb_tests(row.get("private_test_cases"), "private_test_cases")
    starter = row.get("starter_code") or ""
    fn_name = meta.get("func_name") or fn_from_starter(starter)
    style, tests = lcb_tests(public + private, fn_name, "tests")
    platform: Any = (row.get("platform") or "").strip().lower() or None
    return ProblemRecord(
        id=str(row["question_id"]), source="livecodebench", question=row["question_content"], style=style,
        tests=tests, fn_name=fn_name if style == "call" else None, starter_code=starter, platform=platform,
        difficulty=norm_difficulty(row.get("difficulty")), date=iso_date(row.get("contest_date")),
        title=row.get("question_title") or "",
        extra={"contest_id": str(row.get("contest_id") or ""), "public_tests": len(public),
               "private_tests": len(private)})


add_source("livecodebench", parse, "livecodebench/code_generation_lite",
           "LiveCodeBench code_generation_lite (test*.jsonl release files; --release vN, --window START:END)",
           file_pattern="test*.jsonl")
