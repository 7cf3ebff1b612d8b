"""One problem record for every source, and the decoding helpers the source loaders share.

Why: LiveCodeBench, DeepCoder, Open-R1, TACO/APPS and our own JSONL each store a problem differently (tests as
JSON text, Python literals, base64-zlib-pickle blobs; call-style outputs wrapped in a list or not; metadata as a
dict or as JSON text). Every loader turns a row into a `ProblemRecord`, and everything downstream — `data
prepare`, the verl parquet, our JSONL, the judge's ground truth (contract 1) — reads only the record.

    rec = ProblemRecord(id="lcb/abc100_a", source="livecodebench", question="...", style="stdin",
                        tests=[{"input": "1 2\\n", "output": "3\\n"}], platform="atcoder", difficulty="easy")
    rec.ground_truth()      # {"id", "style", "tests", "platform", "difficulty", "starter_code"?, "options"?}

Tests are normalised here: stdin style keeps strings; call style keeps `input` as the JSON list of arguments and
`output` as the decoded return value. Loaders write only the judging options the source states (contract 1:
unordered, case_insensitive, float_tolerance, checker); platform defaults are the judge's business.
"""

from __future__ import annotations

import ast
import base64
import io
import json
import pickle
import zlib
from dataclasses import dataclass, field
from typing import Any

STYLES = ("stdin", "call")
OPTION_KEYS = ("unordered", "case_insensitive", "float_tolerance", "checker")
PLATFORMS = ("atcoder", "codeforces", "leetcode")
DIFFICULTIES = ("easy", "medium", "hard")


class RowError(ValueError):
    """A row that cannot be read at all (malformed): reported with file and row, counted and skipped."""


class Rejected(ValueError):
    """A well-formed row that cannot become a usable problem (e.g. no usable test); the message is the reason."""


@dataclass
class ProblemRecord:
    id: str
    source: str
    question: str
    style: str
    tests: list[dict]
    fn_name: str | None = None
    starter_code: str = ""
    platform: str | None = None
    difficulty: str | None = None
    date: str | None = None  # ISO date (YYYY-MM-DD…) of the contest, when the source says
    title: str = ""
    options: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # source-specific facts worth keeping (contest_id, limits, rating…)

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise Rejected(f"style must be one of {', '.join(STYLES)}, got {self.style!r}")
        if self.style == "call" and not (isinstance(self.fn_name, str) and self.fn_name.isidentifier()):
            raise Rejected(f"call style needs a function name (a Python identifier), got {self.fn_name!r}")
        bad = sorted(set(self.options) - set(OPTION_KEYS))
        if bad:
            raise RowError(f"unknown judging option(s) {', '.join(bad)}; allowed: {', '.join(OPTION_KEYS)}")
        if not self.tests:
            raise Rejected("no usable test")

    def ground_truth(self) -> dict:
        """Contract 1: the problem dict the judge reads (`problem_from_ground_truth`)."""
        gt: dict[str, Any] = {"id": self.id, "style": self.style}
        if self.style == "call":
            gt["fn_name"] = self.fn_name
        gt["tests"] = self.tests if self.style == "stdin" else [
            {"input": t["input"], "output": _protect_string(t["output"])} for t in self.tests]
        for key in ("platform", "difficulty"):
            if getattr(self, key):
                gt[key] = getattr(self, key)
        if self.starter_code:
            gt["starter_code"] = self.starter_code
        if self.options:
            gt["options"] = dict(self.options)
        return gt


def _protect_string(value: Any) -> Any:
    """A call-style expected string that is itself JSON text ("100", "true", "[1]") is written as its JSON text:
    `problem_from_ground_truth` decodes string outputs (LiveCodeBench keeps call outputs as JSON text), and the
    string must come back a string. `prepare` checks the round trip for every call-style problem."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            return value
        return json.dumps(value)
    return value


# ------------------------------------------------------------------------------------------------ decoding


def parse_structured(value: Any, what: str) -> Any:
    """A JSON value from JSON text or a Python literal (DeepCoder/TACO files hold both); non-strings pass through.

    Never `eval`: `ast.literal_eval` accepts literals only. Raises RowError naming `what`."""
    if not isinstance(value, (str, bytes)):
        return value
    text = value.decode("utf-8") if isinstance(value, bytes) else value
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        json_err = e
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        raise RowError(f"{what} is neither JSON nor a Python literal ({json_err.msg} at column {json_err.colno})") \
            from None


class _StrOnlyUnpickler(pickle.Unpickler):
    """LiveCodeBench pickles a plain str; refusing every global makes a hostile pickle unable to run code."""

    def find_class(self, module: str, name: str):  # noqa: D401
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} (only plain strings are expected)")


def decode_lcb_tests(value: Any, what: str) -> list:
    """LiveCodeBench test cases: JSON text, or base64 → zlib → pickle (of a str) → JSON text (private tests)."""
    if isinstance(value, list):
        return value
    if not isinstance(value, (str, bytes)) or not value:
        return []
    text = value.decode("utf-8") if isinstance(value, bytes) else value
    try:
        return _as_list(json.loads(text), what)
    except json.JSONDecodeError:
        pass
    try:
        raw = zlib.decompress(base64.b64decode(text, validate=False))
        obj = _StrOnlyUnpickler(io.BytesIO(raw)).load()
    except (ValueError, zlib.error, pickle.UnpicklingError, EOFError, TypeError) as e:
        raise RowError(f"{what} is neither JSON nor base64-zlib-pickle ({type(e).__name__}: {e})") from None
    if isinstance(obj, bytes):
        obj = obj.decode("utf-8")
    if not isinstance(obj, str):
        raise RowError(f"{what}: the decoded pickle holds {type(obj).__name__}, not JSON text")
    try:
        return _as_list(json.loads(obj), what)
    except json.JSONDecodeError as e:
        raise RowError(f"{what}: the decoded pickle is not JSON ({e.msg})") from None


def _as_list(obj: Any, what: str) -> list:
    if not isinstance(obj, list):
        raise RowError(f"{what} must be a JSON list of tests, got {type(obj).__name__}")
    return obj


def as_dict(value: Any, what: str) -> dict:
    """Metadata that may be a dict, JSON text, a Python literal, empty or missing → a dict."""
    if value is None or value == "":
        return {}
    obj = parse_structured(value, what)
    if not isinstance(obj, dict):
        raise RowError(f"{what} must be an object, got {type(obj).__name__}")
    return obj


def call_args(inp: Any, what: str, per_line: bool = False) -> list:
    """Call-style arguments as a list. A list passes. Text: `per_line` (LiveCodeBench) reads one JSON value per
    line, each an argument; otherwise JSON text of the argument list, falling back to one value per line."""
    if isinstance(inp, (list, tuple)) and not per_line:
        return list(inp)
    if not isinstance(inp, str):
        raise Rejected(f"{what}: call-style input must be a list of arguments or JSON text, got {type(inp).__name__}")
    if not per_line:
        try:
            obj = json.loads(inp)
            if isinstance(obj, list):
                return obj
        except json.JSONDecodeError:
            pass
    try:
        return [json.loads(line) for line in inp.splitlines() if line.strip()]
    except json.JSONDecodeError as e:
        raise Rejected(f"{what}: call-style input is not one JSON value per line ({e.msg})") from None


def call_output(out: Any, what: str) -> Any:
    """A call-style expected value: JSON text is decoded (LCB keeps outputs as text); other values pass."""
    if isinstance(out, str):
        try:
            return json.loads(out)
        except json.JSONDecodeError:
            try:
                return ast.literal_eval(out)
            except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
                raise Rejected(f"{what}: call-style output is not a JSON value") from None
    return out


def stdin_text(value: Any, what: str) -> str:
    """A stdin-style input/output as text (TACO sometimes stores a list of lines)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value) + ("\n" if value and not value[-1].endswith("\n") else "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise Rejected(f"{what}: stdin-style tests need text, got {type(value).__name__}")


def normalise_tests(pairs: list[tuple[Any, Any]], style: str, what: str, unwrap_single: bool = False,
                    per_line: bool = False) -> list[dict]:
    """(input, output) pairs → our tests for `style`. `unwrap_single`: a call output held as a 1-element list is
    the element (DeepCoder primeintellect, TACO and APPS wrap return values so); `per_line`: LiveCodeBench's text
    form — call inputs one JSON value per line, outputs JSON text (elsewhere an output is the value itself)."""
    tests = []
    for i, (inp, out) in enumerate(pairs):
        where = f"{what}[{i}]"
        if style == "stdin":
            tests.append({"input": stdin_text(inp, where + ".input"), "output": stdin_text(out, where + ".output")})
        else:
            value = call_output(out, where + ".output") if per_line else out  # LCB keeps outputs as JSON text
            if unwrap_single and isinstance(value, list) and len(value) == 1:
                value = value[0]
            tests.append({"input": call_args(inp, where + ".input", per_line), "output": value})
    return tests


def iso_date(value: Any) -> str | None:
    """An ISO date string from a date/datetime/ISO text/epoch seconds; None when absent."""
    if value is None or value == "":
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        import datetime as _dt

        return _dt.datetime.fromtimestamp(value, tz=_dt.timezone.utc).replace(tzinfo=None).isoformat()
    return str(value)


def norm_difficulty(value: Any) -> str | None:
    """Lower-case difficulty names (LCB 'easy'/'medium'/'hard'; others kept as given, lower-cased)."""
    if value is None or value == "":
        return None
    return str(value).strip().lower()


def codeforces_difficulty(rating: Any) -> str | None:
    """Codeforces rating → easy (< 1400), medium (1400–1999), hard (≥ 2000): our bands (the sources state only the
    rating, which is kept in the record's extra). None when unrated."""
    try:
        r = int(rating)
    except (TypeError, ValueError):
        return None
    return "easy" if r < 1400 else "medium" if r < 2000 else "hard"
