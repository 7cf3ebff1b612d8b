"""Open-R1 rows: `open-r1/verifiable-coding-problems-python` and `open-r1/codeforces`.

verifiable-coding-problems-python: problem_id, in_source_id, source (the original site), task_type, prompt (the
statement with instructions), gold_standard_solution, verification_info (a dict or JSON text:
{language, test_cases: [{type: stdin_stdout|function_call, input, output, fn_name?}]}, PrimeIntellect's layout),
metadata (JSON: difficulty, time_limit, memory_limit).

codeforces: id ("1A"), contest_id, contest_start (epoch s), index, title, description, input_format,
output_format, interaction_format, note, examples [{input, output}], official_tests [{input, output}],
official_tests_complete, input_mode (stdio|file), time_limit (s), memory_limit (MB), rating, tags,
generated_checker (Python source of a checker for problems with several right answers). Interactive problems and
file-I/O problems are rejected (our sandbox judges stdin → stdout); the checker is carried as the judging option
``checker``; time and memory limits and the rating go to the record's extra; difficulty comes from the rating.
"""

from __future__ import annotations

from ..record import ProblemRecord, Rejected, RowError, as_dict, codeforces_difficulty, iso_date, norm_difficulty, \
    normalise_tests
from .base import add_source, content_id, first_text, platform_of
from .deepcoder import typed_tests


def parse_verifiable(row: dict) -> ProblemRecord:
    question = first_text(row, "prompt", "problem", "question")
    if not question:
        raise RowError("missing prompt (the statement)")
    info = as_dict(row.get("verification_info"), "verification_info")
    cases = info.get("test_cases")
    if cases is None:
        raise RowError("verification_info has no test_cases")
    if isinstance(cases, str):
        from ..record import parse_structured

        cases = parse_structured(cases, "verification_info.test_cases")
    if not isinstance(cases, list):
        raise RowError("verification_info.test_cases must be a list")
    if info.get("language") not in (None, "python"):
        raise Rejected(f"verification language is {info.get('language')!r}, not python")
    style, fn_name, tests = typed_tests(cases, "verification_info.test_cases")
    meta = as_dict(row.get("metadata"), "metadata")
    pid = row.get("problem_id") or row.get("in_source_id") or content_id("open-r1-verifiable", question)
    extra = {k: meta[k] for k in ("time_limit", "memory_limit") if meta.get(k) is not None}
    if row.get("in_source_id"):
        extra["in_source_id"] = str(row["in_source_id"])
    return ProblemRecord(id=str(pid), source="open-r1-verifiable", question=question, style=style, tests=tests,
                         fn_name=fn_name if style == "call" else None, platform=platform_of(row.get("source")),
                         difficulty=norm_difficulty(meta.get("difficulty")), extra=extra)


def _statement(row: dict) -> str:
    if isinstance(row.get("prompt"), str) and row["prompt"].strip() and not row.get("description"):
        return row["prompt"]
    parts = [row.get("title") or "", row.get("description") or ""]
    for head, key in (("Input", "input_format"), ("Output", "output_format"), ("Note", "note")):
        if row.get(key):
            parts.append(f"{head}\n{row[key]}")
    for i, ex in enumerate(row.get("examples") or [], 1):
        if isinstance(ex, dict):
            parts.append(f"Example {i}\nInput\n{ex.get('input', '')}\nOutput\n{ex.get('output', '')}")
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def parse_codeforces(row: dict) -> ProblemRecord:
    if not row.get("id"):
        raise RowError("missing id")
    question = _statement(row)
    if not question:
        raise RowError("missing description")
    if row.get("interaction_format"):
        raise Rejected("interactive problem (needs an interactor)")
    if (row.get("input_mode") or "stdio") != "stdio":
        raise Rejected(f"input_mode {row.get('input_mode')!r} (only stdio is judged)")
    official = row.get("official_tests")
    if isinstance(official, str):
        from ..record import parse_structured

        official = parse_structured(official, "official_tests")
    used = "official_tests"
    if not official:
        official, used = row.get("examples") or [], "examples"
    if not isinstance(official, list):
        raise RowError(f"{used} must be a list of {{input, output}}")
    pairs = [(t.get("input"), t.get("output")) if isinstance(t, dict) else (None, None) for t in official]
    tests = normalise_tests(pairs, "stdin", used)
    options = {}
    if isinstance(row.get("generated_checker"), str) and row["generated_checker"].strip():
        options["checker"] = row["generated_checker"]
    extra = {"contest_id": str(row.get("contest_id") or ""), "tests_from": used,
             "official_tests_complete": bool(row.get("official_tests_complete"))}
    for k in ("time_limit", "memory_limit", "rating"):
        if row.get(k) is not None:
            extra[k] = row[k]
    return ProblemRecord(id=str(row["id"]), source="open-r1-codeforces", question=question, style="stdin",
                         tests=tests, platform="codeforces", difficulty=codeforces_difficulty(row.get("rating")),
                         date=iso_date(row.get("contest_start")), title=row.get("title") or "", options=options,
                         extra=extra)


add_source("open-r1-verifiable", parse_verifiable, "open-r1/verifiable-coding-problems-python",
           "Open-R1 verifiable-coding-problems-python (verification_info.test_cases)")
add_source("open-r1-codeforces", parse_codeforces, "open-r1/codeforces",
           "Open-R1 codeforces (official_tests, limits, rating → difficulty, generated_checker)")
