"""TACO and APPS rows: question, starter_code, input_output (JSON text {inputs, outputs, fn_name?}), difficulty,
url / source; call style when input_output names fn_name (return values wrapped in a one-element list, as
APPS's grader also accepts). APPS difficulty introductory|interview|competition maps to easy|medium|hard; TACO's
EASY|MEDIUM|MEDIUM_HARD|HARD|VERY_HARD to easy|medium|hard|hard|hard (UNKNOWN_DIFFICULTY → none).
"""

from __future__ import annotations

from ..record import ProblemRecord, RowError, iso_date, parse_structured
from .base import add_source, content_id, first_text, platform_of
from .deepcoder import io_tests

DIFFICULTY = {"introductory": "easy", "interview": "medium", "competition": "hard", "easy": "easy",
              "medium": "medium", "medium_hard": "hard", "hard": "hard", "very_hard": "hard"}


def make_parser(name: str):
    def parse(row: dict) -> ProblemRecord:
        question = first_text(row, "question", "problem")
        if not question:
            raise RowError("missing question")
        spec = parse_structured(row.get("input_output") or "", "input_output")
        if not isinstance(spec, dict):
            raise RowError("input_output must be an object {inputs, outputs, fn_name?}")
        style, fn_name, tests = io_tests(spec, "input_output")
        pid = row.get("problem_id", row.get("id"))
        diff = str(row.get("difficulty") or "").strip().lower()
        return ProblemRecord(
            id=f"{name}/{pid}" if pid not in (None, "") else content_id(name, question), source=name,
            question=question, style=style, tests=tests, fn_name=fn_name if style == "call" else None,
            starter_code=row.get("starter_code") or "", platform=platform_of(row.get("source") or row.get("url")),
            difficulty=DIFFICULTY.get(diff), date=iso_date(row.get("date")), title=row.get("name") or "",
            extra={k: row[k] for k in ("url", "time_limit", "memory_limit") if row.get(k)})

    return parse


add_source("taco", make_parser("taco"), "BAAI/TACO", "TACO (input_output JSON; fn_name → call style)")
add_source("apps", make_parser("apps"), "codeparrot/apps", "APPS (input_output JSON; fn_name → call style)")
