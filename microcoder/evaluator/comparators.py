"""Output comparators: does a program's output match the expected answer?

The study's evaluator axis (MicroCoder-Insights, "Code Evaluator Robustness") has two arms, chosen by name:

    from microcoder.evaluator.comparators import compare
    compare("microcoder", "0.3\\n", "0.30000000000000004\\r\\n", style="stdin")  # Comparison(ok=True, ...)
    compare("strict", [1, 2], (1, 2), style="call")                           # Comparison(ok=True, ...)

``style="stdin"``: both sides are text (the program's stdout). ``style="call"``: ``expected`` is a JSON value and
``actual`` the function's return value, made only of builtins (tuples and sets kept, dict keys may be non-str).

Both follow the problem's `conventions.JudgingRules` (``rules=``): its case rule is applied first (letter case
folded where it does not count), its stated float tolerance replaces the default, ``unordered`` enables the
order-free strategy. Numbers follow `number_rules` in both: a tolerance for a non-integer expected number (read as
a double, however many digits it is written with); an expected integer not matched by a float (``5`` rejects
``5.0``) unless the problem's answers are reals (`JudgingRules.real_valued`). A special checker is not a
comparison: the judge runs it in the sandbox (`checker`).

**microcoder** (robust): strategies tried in order, each inside ``try`` (one that raises never stops the
others); the first that accepts names ``Comparison.strategy``. stdin (`STDIN_STRATEGIES`):

1. ``exact``        text equal after CRLF/CR → LF, trailing spaces of each line and trailing blank lines dropped;
2. ``tokens``       same lines (blank lines dropped) of whitespace-split tokens; a token matches when its text or
                    its exact decimal value is equal (``2.50`` = ``2.5``; ``5`` for ``5.0``, never ``5.0`` for ``5``);
3. ``numeric_tolerance``  as 2, and a number token matches within the stated tolerance, else `RTOL`/`ATOL` or
                    equality after rounding both to `ROUND_DECIMALS` decimals — only where the tolerance applies;
4. ``line_breaks``  as 3 over the whole token sequence, line breaks ignored (``1 2`` = ``1\\n2``);
5. ``literal``      both texts parse (``ast.literal_eval``) as containers that are structurally equal
                    (``(1, 2)`` = ``[1,2]``, see call strategy 2);
6. ``unordered``    only when the problem says ``unordered``: multisets of tokens (expected has one token a
                    line, or one line) or of lines, or of a parsed container's elements.

call (`CALL_STRATEGIES`): ``exact`` (the strict check), ``structural`` (tuples → lists at every depth, floats
within tolerance, int dict keys = their JSON str form), ``unordered`` (top-level multiset; only when flagged),
``text`` (both str: the stdin strategies), ``parsed_string`` (a str returned for a list/dict: parsed as JSON or
a Python literal), ``string_form`` (a str expected, a number/container returned: its JSON and str() forms
compared as text). So a returned str is judged like printed text (``"1  2"`` passes for ``"1 2"``), but a str
returned for a number (``"5"`` for 5) fails, and a bool or None is never taken for its name (``True`` ≠ ``"True"``).

Never accepted, by either arm: a changed integer, a float for an integer, a missing or extra non-empty line, a
case change (``yes`` for ``YES``) unless the rules' case says so, ``True`` for ``1`` or ``1`` for ``True`` (bool is
distinct from int at every depth), ``""`` for missing output, ``[2, 1]`` for ``[1, 2]`` unless unordered, a dict
with an extra key. Tolerance choice: RTOL 1e-6 (the usual contest "absolute or relative error 1e-6") not
np.allclose's 1e-5, which takes an off-by-one float answer from 1e5 on (100001.5 for 100000.5); from 1e6 on 1e-6
takes it too, as contest checkers do. ``unordered`` is top-level only: inner order still counts.

**strict** (LiveCodeBench's grader, re-implemented): stdin — strip the whole output, split on ``\\n``, strip each
line, same line count, each line equal as text or as a list of ``Decimal`` (exact: ``2.50`` = ``2.5``,
``0.30000000000000004`` ≠ ``0.3``). call — a top-level tuple becomes a list, then exact equality (nested
tuples rejected) except that bool never equals int. It follows what the problem *states* (case_insensitive,
float_tolerance, unordered as a multiset of its lines/values) but no platform convention and no default of its
own (`PLATFORM_CONVENTIONS`): on LiveCodeBench's own data, which states none, it is LiveCodeBench's grader.
Two deliberate differences from LCB: bool ≠ int, and an integer expected rejects a float (LCB takes ``5.0``
for ``5``; the platforms do not). Everything strict accepts, microcoder accepts (tested).

Run the tests: ``.venv/bin/pytest -q tests/evaluator/test_comparators.py``.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from microcoder.registry import Registry

from .conventions import DEFAULT_RULES, JudgingRules
from .number_rules import decimal_of, tokens_close, tokens_equal, values_close

LITERAL_MAX_CHARS = 200_000  # longer texts are not parsed as Python literals (bounds the cost of a rejection)
GREEDY_MAX_ITEMS = 500  # order-free matching falls back to O(n²) pairing only up to this many items
STYLES = ("stdin", "call")

_NUMBER = (int, float)
_SEQ = (list, tuple)
_SET = (set, frozenset)
_CONTAINER = (list, tuple, set, frozenset, dict)


@dataclass(frozen=True)
class Comparison:
    ok: bool
    strategy: str | None = None  # the strategy that accepted; None when rejected

    def __bool__(self) -> bool:
        return self.ok


REJECTED = Comparison(False, None)
Comparator = Callable[..., Comparison]  # (expected, actual, *, style, rules) -> Comparison
COMPARATORS: Registry[Comparator] = Registry("evaluator")
# whether an evaluator follows platform conventions for what a problem leaves unstated (conventions.py)
PLATFORM_CONVENTIONS = {"microcoder": True, "strict": False}


def compare(evaluator: str, expected: Any, actual: Any, *, style: str, unordered: bool = False,
            rules: JudgingRules | None = None) -> Comparison:
    """Compare with the comparator registered as `evaluator` (an unknown name lists the valid ones).

    rules: the problem's judging rules (`conventions.judging_rules`); `unordered=True` also sets rules.unordered.
    """
    comparator = COMPARATORS.get(evaluator)
    _check_style(style)
    return comparator(expected, actual, style=style, rules=_rules(rules, unordered))


def _rules(rules: JudgingRules | None, unordered: bool) -> JudgingRules:
    rules = rules or DEFAULT_RULES
    if unordered and not rules.unordered:
        rules = dataclasses.replace(rules, unordered=True)
    return rules


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; valid: {', '.join(STYLES)}")


# ---------------------------------------------------------------------------------------------- letter case

_YES_NO = re.compile(r"(?<!\S)(?:yes|no)(?!\S)", re.IGNORECASE)


def _fold_text(text: str, case: str) -> str:
    if case == "any":
        return text.lower()
    return _YES_NO.sub(lambda m: m.group(0).lower(), text)


def fold_case(value: Any, case: str) -> Any:
    """`value` with letter case removed where `case` says it does not count (strings at any depth; dict keys kept)."""
    if case == "exact":
        return value
    t = type(value)
    if t is str:
        return _fold_text(value, case)
    if t is list:
        return [fold_case(v, case) for v in value]
    if t is tuple:
        return tuple(fold_case(v, case) for v in value)
    if t in _SET:
        return t(fold_case(v, case) for v in value)
    if t is dict:
        return {k: fold_case(v, case) for k, v in value.items()}
    return value


# ---------------------------------------------------------------------------------------------- values


def _values_equal(e: Any, a: Any, tol: float | None = None, real: bool = False) -> bool:
    """Structural equality: tuples = lists at every depth, float tolerance, bool ≠ int, JSON-form dict keys."""
    te, ta = type(e), type(a)
    if te is bool or ta is bool:
        return te is ta and e == a
    if e is None or a is None:
        return e is None and a is None
    if te in _NUMBER and ta in _NUMBER:
        return values_close(e, a, tol, real_valued=real)
    if te is str or ta is str:
        return te is ta and e == a
    if te in _SEQ and ta in _SEQ:
        return len(e) == len(a) and all(_values_equal(x, y, tol, real) for x, y in zip(e, a))
    if te is dict and ta is dict:
        return _dicts_equal(e, a, tol, real)
    if te in _SET and ta in _SET:
        return _multiset_equal(list(e), list(a), lambda x, y: _values_equal(x, y, tol, real), _sort_key)
    return False


def _key_form(k: Any) -> Any:
    """A dict key as JSON writes it (1 → "1", True → "true"); tuple/frozenset keys keep their structure."""
    t = type(k)
    if t is str:
        return k
    if t is bool:
        return "true" if k else "false"
    if k is None:
        return "null"
    if t in _NUMBER:
        return json.dumps(k)
    if t is tuple:
        return ("tuple",) + tuple(_key_form(x) for x in k)
    if t is frozenset:
        return ("frozenset", frozenset(_key_form(x) for x in k))
    raise TypeError(f"unsupported dict key type {t.__name__}")


def _dicts_equal(e: dict, a: dict, tol: float | None = None, real: bool = False) -> bool:
    ek = {_key_form(k): v for k, v in e.items()}
    ak = {_key_form(k): v for k, v in a.items()}
    if len(ek) != len(e) or len(ak) != len(a) or ek.keys() != ak.keys():  # extra/missing or ambiguous keys
        return False
    return all(_values_equal(ek[k], ak[k], tol, real) for k in ek)


def _sort_key(x: Any) -> tuple:
    """A total order over builtin values that puts values `_values_equal` would match next to each other."""
    t = type(x)
    if x is None:
        return (0,)
    if t is bool:
        return (1, int(x))
    if t in _NUMBER:
        return (2, x) if x == x else (3,)  # NaN apart
    if t is str:
        return (4, x)
    if t in _SEQ:
        return (5, tuple(_sort_key(i) for i in x))
    if t in _SET:
        return (6, tuple(sorted(_sort_key(i) for i in x)))
    if t is dict:
        return (7, tuple(sorted((repr(_key_form(k)), _sort_key(v)) for k, v in x.items())))
    return (8, repr(x))


def _multiset_equal(xs: list, ys: list, eq: Callable[[Any, Any], bool], key: Callable[[Any], Any]) -> bool:
    """Can xs and ys be paired one-to-one under eq? Sort-and-zip first, greedy pairing for small inputs."""
    if len(xs) != len(ys):
        return False
    try:
        if all(eq(x, y) for x, y in zip(sorted(xs, key=key), sorted(ys, key=key))):
            return True
    except TypeError:
        pass
    if len(xs) > GREEDY_MAX_ITEMS:
        return False
    free = list(ys)
    for x in xs:
        j = next((j for j, y in enumerate(free) if eq(x, y)), None)
        if j is None:
            return False
        free.pop(j)
    return True


def _strict_equal(e: Any, a: Any, tol: float | None = None, real: bool = False) -> bool:
    """Python's == (2.0 == 2, list ≠ tuple), except that a bool equals only a bool and an int expected only an
    int, at every depth; a float expected within `tol` when the problem states one."""
    te, ta = type(e), type(a)
    if te is bool or ta is bool:
        return te is ta and e == a
    if te in _NUMBER and ta in _NUMBER:
        return values_close(e, a, tol, default_tolerance=False, real_valued=real)
    if te in _SEQ and te is ta:
        return len(e) == len(a) and all(_strict_equal(x, y, tol, real) for x, y in zip(e, a))
    if te is dict and ta is dict:
        ek, ak = {_tag(k): v for k, v in e.items()}, {_tag(k): v for k, v in a.items()}
        return ek.keys() == ak.keys() and all(_strict_equal(ek[k], ak[k], tol, real) for k in ek)
    if te in _SET and ta in _SET:
        return {_tag(x) for x in e} == {_tag(x) for x in a}
    return te is ta and (te is str or e is None) and e == a  # str, None; anything else is unequal


def _tag(x: Any) -> tuple:
    return (type(x) is bool, x)  # keeps True and 1 apart as dict keys and set members


def _parse_literal(text: str) -> Any:
    text = text.strip()
    if not text or len(text) > LITERAL_MAX_CHARS:
        raise ValueError("not parsed")
    value = ast.literal_eval(text)
    _check_finite(value)
    return value


def _check_finite(value: Any) -> None:
    """Python literals cannot spell inf/nan, so one in a parsed value is an overflow (1e400): refuse it."""
    t = type(value)
    if t is float and (value != value or value in (float("inf"), float("-inf"))):
        raise ValueError("overflowing float literal")
    if t in _SEQ + _SET:
        for v in value:
            _check_finite(v)
    elif t is dict:
        for k, v in value.items():
            _check_finite(k)
            _check_finite(v)


# ---------------------------------------------------------------------------------------------- stdin strategies

Strategy = Callable[[Any, Any, JudgingRules], bool]  # (expected, actual, rules) -> accepted?


def _normalised_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _token_lines(text: str) -> list[list[str]]:
    return [toks for toks in (line.split() for line in text.replace("\r", "\n").split("\n")) if toks]


def _lines_match(e: list[list[str]], a: list[list[str]], eq: Callable[[str, str], bool]) -> bool:
    return len(e) == len(a) and all(
        len(x) == len(y) and all(eq(p, q) for p, q in zip(x, y)) for x, y in zip(e, a)
    )


def _close(rules: JudgingRules) -> Callable[[str, str], bool]:
    return lambda e, a: tokens_close(e, a, rules.float_tolerance, real_valued=rules.real_valued)


def _text_exact(expected: str, actual: str, rules: JudgingRules) -> bool:
    return _normalised_lines(expected) == _normalised_lines(actual)


def _text_tokens(expected: str, actual: str, rules: JudgingRules) -> bool:
    return _lines_match(_token_lines(expected), _token_lines(actual), tokens_equal)


def _text_numeric(expected: str, actual: str, rules: JudgingRules) -> bool:
    return _lines_match(_token_lines(expected), _token_lines(actual), _close(rules))


def _text_line_breaks(expected: str, actual: str, rules: JudgingRules) -> bool:
    e, a, close = expected.split(), actual.split(), _close(rules)
    return len(e) == len(a) and all(close(x, y) for x, y in zip(e, a))


def _text_literal(expected: str, actual: str, rules: JudgingRules) -> bool:
    e, a = _parse_literal(expected), _parse_literal(actual)
    return type(e) in _CONTAINER and type(a) in _CONTAINER and _values_equal(e, a, rules.float_tolerance,
                                                                              rules.real_valued)


def _token_key(token: str) -> tuple:
    d = decimal_of(token)
    return (0, d) if d is not None and d.is_finite() else (1, token)


def _text_unordered(expected: str, actual: str, rules: JudgingRules) -> bool:
    if not rules.unordered:
        return False
    e, a, close = _token_lines(expected), _token_lines(actual), _close(rules)
    if len(e) <= 1 or all(len(line) == 1 for line in e):  # a list of items: order-free tokens
        flat_e, flat_a = [t for line in e for t in line], [t for line in a for t in line]
        if _multiset_equal(flat_e, flat_a, close, _token_key):
            return True
    elif _multiset_equal(e, a, lambda x, y: _lines_match([x], [y], close),
                         lambda line: tuple(_token_key(t) for t in line)):
        return True
    try:
        pe, pa = _parse_literal(expected), _parse_literal(actual)
    except Exception:
        return False
    return _container_unordered(pe, pa, rules.float_tolerance, rules.real_valued)


def _container_unordered(e: Any, a: Any, tol: float | None = None, real: bool = False) -> bool:
    if type(e) not in _SEQ + _SET or type(a) not in _SEQ + _SET:
        return False
    return _multiset_equal(list(e), list(a), lambda x, y: _values_equal(x, y, tol, real), _sort_key)


STDIN_STRATEGIES: list[tuple[str, Strategy]] = [
    ("exact", _text_exact),
    ("tokens", _text_tokens),
    ("numeric_tolerance", _text_numeric),
    ("line_breaks", _text_line_breaks),
    ("literal", _text_literal),
    ("unordered", _text_unordered),
]


def _first_accepting(strategies: list[tuple[str, Strategy]], expected: Any, actual: Any, rules: JudgingRules):
    for name, strategy in strategies:
        try:
            if strategy(expected, actual, rules):
                return name
        except Exception:  # a strategy that cannot handle this output must not stop the others
            continue
    return None


# ---------------------------------------------------------------------------------------------- call strategies


def _call_exact(expected: Any, actual: Any, rules: JudgingRules) -> bool:
    return _strict_equal(expected, list(actual) if type(actual) is tuple else actual, rules.float_tolerance,
                         rules.real_valued)


def _call_structural(expected: Any, actual: Any, rules: JudgingRules) -> bool:
    return _values_equal(expected, actual, rules.float_tolerance, rules.real_valued)


def _call_unordered(expected: Any, actual: Any, rules: JudgingRules) -> bool:
    return rules.unordered and _container_unordered(expected, actual, rules.float_tolerance, rules.real_valued)


def _call_text(expected: Any, actual: Any, rules: JudgingRules) -> bool:
    return type(expected) is str and type(actual) is str and (
        _first_accepting(STDIN_STRATEGIES, expected, actual, rules) is not None
    )


def _call_parsed_string(expected: Any, actual: Any, rules: JudgingRules) -> bool:
    if type(actual) is not str or type(expected) not in _CONTAINER:
        return False
    tol = rules.float_tolerance
    for parse in (json.loads, _parse_literal):
        try:
            value = parse(actual)
        except Exception:
            continue
        real = rules.real_valued
        if _values_equal(expected, value, tol, real) or (rules.unordered and _container_unordered(expected, value, tol,
                                                                                                         real)):
            return True
    return False


def _jsonable(x: Any) -> Any:
    if type(x) in _SEQ:
        return [_jsonable(i) for i in x]
    if type(x) is dict:
        return {k: _jsonable(v) for k, v in x.items()}
    return x


def _call_string_form(expected: Any, actual: Any, rules: JudgingRules) -> bool:
    if type(expected) is not str or type(actual) not in _NUMBER + _SEQ + (dict,):
        return False  # bool and None are never taken for their names
    for render in (lambda x: json.dumps(_jsonable(x)), str):
        try:
            text = render(actual)
        except Exception:
            continue
        if _first_accepting(STDIN_STRATEGIES, expected, text, rules) is not None:
            return True
    return False


CALL_STRATEGIES: list[tuple[str, Strategy]] = [
    ("exact", _call_exact),
    ("structural", _call_structural),
    ("unordered", _call_unordered),
    ("text", _call_text),
    ("parsed_string", _call_parsed_string),
    ("string_form", _call_string_form),
]


# ---------------------------------------------------------------------------------------------- the two arms


@COMPARATORS.register("microcoder")
def microcoder(expected: Any, actual: Any, *, style: str, unordered: bool = False,
               rules: JudgingRules | None = None) -> Comparison:
    """The robust MicroCoder-Evaluator: the first of the style's strategies that accepts wins."""
    _check_style(style)
    rules = _rules(rules, unordered)
    expected, actual = fold_case(expected, rules.case), fold_case(actual, rules.case)
    strategies = STDIN_STRATEGIES if style == "stdin" else CALL_STRATEGIES
    name = _first_accepting(strategies, expected, actual, rules)
    return REJECTED if name is None else Comparison(True, name)


def _lcb_lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().split("\n")]


def _lcb_lines_equal(x: str, y: str, tol: float | None, real: bool = False) -> bool | None:
    """LiveCodeBench's line rule: equal text, or equal lists of Decimal (None: not both number lines)."""
    if x == y:
        return True
    ex, ay = x.split(), y.split()
    if any(decimal_of(t) is None for t in ex + ay):
        return None
    return len(ex) == len(ay) and all(tokens_close(p, q, tol, default_tolerance=False, real_valued=real)
                                      for p, q in zip(ex, ay))


def _strict_unordered(expected: Any, actual: Any, style: str, tol: float | None, real: bool = False) -> bool:
    """Stated order-freedom, the strict way: the same multiset of LCB lines / of top-level values."""
    if style == "call":
        if type(expected) is not list or type(actual) not in _SEQ:
            return False
        return _multiset_equal(expected, list(actual), lambda x, y: _strict_equal(x, y, tol, real), _sort_key)
    e, a = _lcb_lines(expected), _lcb_lines(actual)
    return _multiset_equal(e, a, lambda x, y: bool(_lcb_lines_equal(x, y, tol, real)), lambda line: line)


@COMPARATORS.register("strict")
def strict(expected: Any, actual: Any, *, style: str, unordered: bool = False,
           rules: JudgingRules | None = None) -> Comparison:
    """LiveCodeBench's grader (exact lines or exact Decimal tokens; exact values), but bool ≠ int and an integer
    expected needs an integer; follows what the problem states (rules), no leniency of its own."""
    _check_style(style)
    rules = _rules(rules, unordered)
    tol = rules.float_tolerance
    try:
        expected, actual = fold_case(expected, rules.case), fold_case(actual, rules.case)
        if style == "call":
            if _call_exact(expected, actual, rules):
                return Comparison(True, "exact")
            return Comparison(True, "unordered") if rules.unordered and _strict_unordered(
                expected, actual, style, tol, rules.real_valued) else REJECTED
        e, a = _lcb_lines(expected), _lcb_lines(actual)
        if len(e) == len(a) and all(_lcb_lines_equal(x, y, tol, rules.real_valued) for x, y in zip(e, a)):
            return Comparison(True, "exact" if e == a else "decimal")
        if rules.unordered and _strict_unordered(expected, actual, style, tol, rules.real_valued):
            return Comparison(True, "unordered")
        return REJECTED
    except Exception:
        return REJECTED
