"""DeepCoder-Preview-Dataset rows (agentica-org; its subsets store tests four ways — rllm's and NeMo-RL's loaders
read them so).

Row: ``problem`` (statement), ``tests`` (JSON text, sometimes a Python literal), ``starter_code`` (lcbv5),
``metadata`` (a dict or JSON text). The test layouts, detected per row:
  lcbv5           list of {input, output, testtype: stdin|functional}  (LiveCodeBench's; fn_name from metadata
                  func_name or the starter code)
  primeintellect  list of {type: stdin_stdout|function_call, input, output, fn_name?}; a function_call's input is
                  the argument list and its output the return value wrapped in a one-element list
  taco            {inputs: [...], outputs: [...], fn_name?}  (call style when fn_name; outputs wrapped likewise)
  codeforces      list of {input, output}  (stdin)
Rows have no id: ids are content hashes of the statement (so duplicated problems collapse).
"""

from __future__ import annotations

from ..record import ProblemRecord, Rejected, RowError, as_dict, iso_date, norm_difficulty, normalise_tests, \
    parse_structured
from .base import add_source, content_id, first_text, platform_of
from .livecodebench import fn_from_starter, lcb_tests

SUBSETS = ("primeintellect", "taco", "lcbv5", "codeforces")
PI_TYPES = {"stdin_stdout": "stdin", "function_call": "call"}


def typed_tests(tests: list, what: str) -> tuple[str, str | None, list[dict]]:
    """PrimeIntellect/SYNTHETIC-1 layout (also Open-R1's verification_info.test_cases) → (style, fn_name, tests)."""
    styles, names, pairs = set(), set(), []
    for i, t in enumerate(tests):
        if not isinstance(t, dict) or "input" not in t or "output" not in t:
            raise RowError(f"{what}[{i}] must be an object with input and output")
        kind = t.get("type", "stdin_stdout")
        if kind not in PI_TYPES:
            raise RowError(f"{what}[{i}].type must be one of {', '.join(PI_TYPES)}, got {kind!r}")
        styles.add(PI_TYPES[kind])
        if t.get("fn_name"):
            names.add(t["fn_name"])
        pairs.append((t["input"], t["output"]))
    if len(styles) > 1:
        raise Rejected("tests mix stdin_stdout and function_call types")
    if len(names) > 1:
        raise Rejected(f"tests name several functions: {', '.join(sorted(names))}")
    style = styles.pop() if styles else "stdin"
    fn_name = names.pop() if names else None
    return style, fn_name, normalise_tests(pairs, style, what, unwrap_single=True)


def io_tests(spec: dict, what: str) -> tuple[str, str | None, list[dict]]:
    """TACO/APPS layout {inputs, outputs, fn_name?} → (style, fn_name, tests)."""
    inputs, outputs = spec.get("inputs"), spec.get("outputs")
    if not isinstance(inputs, list) or not isinstance(outputs, list):
        raise RowError(f"{what} needs lists 'inputs' and 'outputs'")
    if len(inputs) != len(outputs):
        raise RowError(f"{what}: {len(inputs)} inputs but {len(outputs)} outputs")
    fn_name = spec.get("fn_name") or None
    style = "call" if fn_name else "stdin"
    return style, fn_name, normalise_tests(list(zip(inputs, outputs)), style, what, unwrap_single=True)


def parse_tests(raw, starter: str, meta: dict, what: str = "tests") -> tuple[str, str | None, list[dict]]:
    tests = parse_structured(raw, what)
    if isinstance(tests, dict):
        return io_tests(tests, what)
    if not isinstance(tests, list):
        raise RowError(f"{what} must be a list or an {{inputs, outputs}} object, got {type(tests).__name__}")
    if not tests:
        return "stdin", None, []
    first = tests[0] if isinstance(tests[0], dict) else {}
    if "testtype" in first:
        fn_name = meta.get("func_name") or fn_from_starter(starter)
        style, out = lcb_tests(tests, fn_name, what)
        return style, fn_name, out
    if "type" in first:
        style, fn_name, out = typed_tests(tests, what)
        return style, fn_name or meta.get("func_name") or fn_from_starter(starter), out
    return "stdin", None, normalise_tests([(t.get("input"), t.get("output")) if isinstance(t, dict) else (None, None)
                                           for t in tests], "stdin", what)


def make_parser(subset: str | None):
    def parse(row: dict) -> ProblemRecord:
        question = first_text(row, "problem", "question", "prompt")
        if not question:
            raise RowError("missing problem (the statement)")
        if "tests" not in row:
            raise RowError("missing tests")
        meta = as_dict(row.get("metadata"), "metadata")
        starter = row.get("starter_code") or meta.get("starter_code") or ""
        style, fn_name, tests = parse_tests(row["tests"], starter, meta)
        platform = "codeforces" if subset == "codeforces" else platform_of(meta.get("platform") or row.get("source"))
        name = f"deepcoder-{subset}" if subset else "deepcoder"
        return ProblemRecord(
            id=str(row.get("id") or content_id(name, question)), source=name, question=question, style=style,
            tests=tests, fn_name=fn_name if style == "call" else None, starter_code=starter, platform=platform,
            difficulty=norm_difficulty(meta.get("difficulty") or row.get("difficulty")),
            date=iso_date(meta.get("contest_date") or row.get("contest_date")), title=row.get("title") or "",
            extra={k: meta[k] for k in ("contest_id", "question_id", "rating") if k in meta})

    return parse


add_source("deepcoder", make_parser(None), "agentica-org/DeepCoder-Preview-Dataset",
           "DeepCoder-Preview (any subset; the test layout is detected per row)")
for _subset in SUBSETS:
    add_source(f"deepcoder-{_subset}", make_parser(_subset), f"agentica-org/DeepCoder-Preview-Dataset:{_subset}",
               f"DeepCoder-Preview subset {_subset}")
