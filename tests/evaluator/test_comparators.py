"""The two output comparators: what each must accept, what neither may accept, and strict ⊆ microcoder."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcoder.evaluator import comparators
from microcoder.evaluator.comparators import COMPARATORS, Comparison, compare
from microcoder.registry import RegistryError

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def micro(expected, actual, style="stdin", unordered=False) -> Comparison:
    return compare("microcoder", expected, actual, style=style, unordered=unordered)


def strict(expected, actual, style="stdin", unordered=False) -> Comparison:
    return compare("strict", expected, actual, style=style, unordered=unordered)


BOTH = pytest.mark.parametrize("evaluator", ["microcoder", "strict"])


# ----------------------------------------------------------------------------------------------------- registry / API


def test_registry_holds_exactly_the_two_arms():
    assert COMPARATORS.names() == ["microcoder", "strict"]
    assert COMPARATORS.kind == "evaluator"


def test_unknown_evaluator_error_lists_valid_names():
    with pytest.raises(RegistryError, match="valid: microcoder, strict"):
        compare("strikt", "1", "1", style="stdin")


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="valid: stdin, call"):
        compare("microcoder", "1", "1", style="stdout")


def test_comparison_is_truthy_only_when_ok_and_names_strategy():
    ok = micro("1\n", "1\n")
    assert ok and ok == Comparison(True, "exact")
    bad = micro("1\n", "2\n")
    assert not bad and bad.strategy is None


# ---------------------------------------------------------------------------------------- never accept a wrong answer

WRONG_STDIN = [
    ("-100000\n", "-100001\n"),  # np.allclose accepts this; integers are exact
    ("100000\n", "100001\n"),
    ("7\n", "8\n"),
    ("5\n", "5.0000001\n"),  # an integer expected stays exact
    ("1 2 3\n", "1 2 4\n"),
    ("1\n2\n", "1\n"),  # a missing line
    ("1\n", "1\n2\n"),  # an extra non-empty line
    ("YES\n", "NO\n"),
    ("NO\n", "YES\n"),
    ("YES\n", "yes\n"),  # case differences are wrong answers in the micro task suite
    ("Yes\n", "YES\n"),
    ("abc\n", "ABC\n"),
    ("0.3\n", "0.31\n"),
    ("1.5\n", "1\n"),
    ("100000.5\n", "100001.5\n"),  # off by one in a float answer (np.allclose's rtol 1e-5 accepts it)
    ("1\n", "True\n"),
    ("True\n", "1\n"),
    ("5\n", ""),  # missing output
    ("5\n", "\n\n"),
    ("1 2\n", "2 1\n"),  # order counts unless unordered
    ("[1, 2]\n", "[2, 1]\n"),
    ("{'a': 1}\n", "{'a': 1, 'b': 2}\n"),
    ("ab\n", "a b\n"),
    ("12\n", "1 2\n"),
    ("inf\n", "-inf\n"),
    ("1e400\n", "2e400\n"),  # huge numbers are compared exactly, not as float('inf')
    ("[1e400]\n", "[2e400]\n"),  # nor inside parsed literals
    ("[1, 2]\n", "[1, True]\n"),
    ("(1, 2)\n", "[1, 2, 3]\n"),
    ("hello world\n", "helloworld\n"),
    ("5\n", "5.0\n"),  # issue 9: an expected integer is never matched by a float (LCB took it; platforms do not)
    ("3\n", "3e0\n"),
]


@BOTH
@pytest.mark.parametrize("expected,actual", WRONG_STDIN)
def test_rejects_wrong_stdin_answer(evaluator, expected, actual):
    assert not compare(evaluator, expected, actual, style="stdin")


WRONG_CALL = [
    (1, True),  # bool is distinct from int
    (True, 1),
    (0, False),
    (False, 0),
    ([1, 0], [True, False]),
    ({"a": 1}, {"a": True}),
    (1, 1.5),
    (1.5, 1),
    (0.3, 0.31),
    (-100000, -100001),
    (2, 2.0000001),  # an int expected is exact
    (3, 3.0),  # issue 9: ... and never matched by a float
    ([1, 2], [2, 1]),
    ([1, 2], (2, 1)),
    ([1, 2], {1, 2}),  # a set is not a list unless unordered
    ({"a": 1}, {"a": 1, "b": 2}),  # an extra key
    ({"a": 1, "b": 2}, {"a": 1}),
    ("YES", "yes"),
    ("YES", "NO"),
    ("", None),
    (None, 0),
    (None, ""),
    ([], None),
    ([[1, 2]], [[1, 2], []]),
    ("1", True),
    ("True", True),  # a bool is never taken for its name
    ("None", None),
    (5, "5"),  # a str for a number is a type error
    ([1, 2], "[1, 3]"),
    ({"1": 2}, {1: 2, "1": 2}),  # ambiguous keys
    (float("inf"), float("-inf")),
]


@BOTH
@pytest.mark.parametrize("expected,actual", WRONG_CALL, ids=repr)
def test_rejects_wrong_call_answer(evaluator, expected, actual):
    assert not compare(evaluator, expected, actual, style="call")


@BOTH
def test_unordered_still_rejects_a_different_multiset(evaluator):
    for expected, actual, style in [
        ([1, 2, 2], {1, 2}, "call"),
        ([1, 2], [1, 3], "call"),
        ([[1, 2], [2, 1]], [[1, 2], [1, 2]], "call"),  # inner order still counts
        ("1 2 2\n", "2 1 1\n", "stdin"),
        ("1 2\n3 4\n", "1 3\n2 4\n", "stdin"),  # lines are items: tokens may not move between lines
        ("YES\nNO\n", "yes\nno\n", "stdin"),
    ]:
        assert not compare(evaluator, expected, actual, style=style, unordered=True), (expected, actual)


# -------------------------------------------------------------------------------- microcoder accepts valid variations

VALID_STDIN = [
    ("1 2\n3\n", "1 2\r\n3\r\n", "exact"),
    ("1 2\n3\n", "1 2\r3\r", "exact"),
    ("1 2\n", "1 2   \n\n\n", "exact"),
    ("1 2\n", "1 2", "exact"),
    ("", "", "exact"),
    ("", "\n \n", "exact"),
    ("hello world\n", "hello    world\n", "tokens"),
    ("hello world\n", "\thello world  \r\n", "tokens"),
    ("a\n\nb\n", "a\nb\n", "tokens"),
    ("2.5\n", "2.50\n", "tokens"),
    ("5.0\n", "5\n", "tokens"),  # an integer for a float expected is fine (not the reverse)
    ("0.3\n", "0.30000000000000004\n", "numeric_tolerance"),
    ("3.333333\n", "3.3333333333333335\n", "numeric_tolerance"),
    ("1e-12\n", "1.0000000001e-12\n", "numeric_tolerance"),
    ("nan\n", "NaN\n", "numeric_tolerance"),
    ("1 2 3\n", "1\n2\n3\n", "line_breaks"),
    ("1\n2\n3\n", "1 2 3", "line_breaks"),
    ("[1, 2]\n", "(1, 2)\n", "literal"),
    ("[1, 2]\n", "[1,2]\n", "literal"),
    ("[(1, 2), (3, 4)]\n", "[[1, 2], [3, 4]]\n", "literal"),
    ("['a', 'b']\n", '["a", "b"]\n', "literal"),
    ("[0.3]\n", "[0.30000000000000004]\n", "literal"),
]


@pytest.mark.parametrize("expected,actual,strategy", VALID_STDIN)
def test_microcoder_accepts_valid_stdin_variation(expected, actual, strategy):
    assert micro(expected, actual) == Comparison(True, strategy)


VALID_CALL = [
    ([1, 2], (1, 2), "exact"),
    (3.0, 3, "exact"),
    ({"a": [1, 2]}, {"a": [1, 2]}, "exact"),
    ([[1, 2], [3, 4]], [(1, 2), (3, 4)], "structural"),  # nested tuples
    ([[1, [2, 3]]], ((1, (2, 3)),), "structural"),
    (0.3, 0.1 + 0.2, "structural"),
    ([0.3, 1], [0.30000000000000004, 1], "structural"),
    ({"1": 2, "x": [0.3]}, {1: 2, "x": (0.30000000000000004,)}, "structural"),
    ("YES", "YES\n", "text"),
    ("1 2", "1  2", "text"),
    ([1, 2], "[1, 2]", "parsed_string"),
    ([[1, 2]], "[(1, 2)]", "parsed_string"),
    ({"a": True}, '{"a": true}', "parsed_string"),
    ("5", 5, "string_form"),
    ("0.3", 0.1 + 0.2, "string_form"),
    ("[1, 2]", (1, 2), "string_form"),
]


@pytest.mark.parametrize("expected,actual,strategy", VALID_CALL, ids=repr)
def test_microcoder_accepts_valid_call_variation(expected, actual, strategy):
    assert micro(expected, actual, style="call") == Comparison(True, strategy)


@pytest.mark.parametrize("expected,actual,style", [
    ([1, 2, 3], {3, 1, 2}, "call"),
    ([1, 2, 3], frozenset({3, 1, 2}), "call"),
    ([1, 2, 3], [3, 2, 1], "call"),
    ([[1, 2], [3]], ([3], (1, 2)), "call"),
    ([0.3, 1.0], [1, 0.30000000000000004], "call"),
    ("3 1 2\n", "1 2 3\n", "stdin"),
    ("3\n1\n2\n", "1 2 3", "stdin"),
    ("1 2\n3 4\n", "3 4\n1 2\n", "stdin"),
    ("[1, 2, 3]\n", "{3, 2, 1}\n", "stdin"),
])
def test_microcoder_accepts_any_order_only_when_unordered(expected, actual, style):
    assert micro(expected, actual, style=style, unordered=True) == Comparison(True, "unordered")
    assert not micro(expected, actual, style=style, unordered=False)
    assert not strict(expected, actual, style=style)  # issue 9: strict follows a stated flag, never assumes one


def test_microcoder_parses_a_returned_string_order_free_when_unordered():
    assert micro([1, 2], "{2, 1}", style="call", unordered=True) == Comparison(True, "parsed_string")
    assert not micro([1, 2], "{2, 1}", style="call")


def test_order_free_matching_falls_back_to_pairing_when_sorting_misleads():
    negated = lambda x, y: x == -y  # noqa: E731  (a match that sorting cannot line up)
    assert comparators._multiset_equal([1, 2, 3], [-3, -1, -2], negated, lambda v: v)
    assert not comparators._multiset_equal([1, 2, 3], [-3, -1, -1], negated, lambda v: v)
    many = list(range(comparators.GREEDY_MAX_ITEMS + 1))
    assert not comparators._multiset_equal(many, [-v for v in many], negated, lambda v: v)  # too big to pair


def test_microcoder_accepts_nan_for_nan_but_strict_follows_python_equality():
    assert micro(float("nan"), float("nan"), style="call")
    assert micro([1.0, float("nan")], (1.0, float("nan")), style="call")
    assert not strict(float("nan"), float("nan"), style="call")


# --------------------------------------------------------------------------------------------- strict = LiveCodeBench


@pytest.mark.parametrize("expected,actual,ok", [
    ("1 2\n3\n", "  1 2  \r\n3\n\n", True),  # whole output and every line stripped
    ("\n\n5\n", "5", True),
    ("1 2\n", "1    2\n", True),  # number tokens compared as Decimal lists
    ("2.5\n", "2.50\n", True),
    ("5.0\n", "5\n", True),  # (issue 9: "5.0" for "5" is now rejected, unlike LCB)
    ("1000\n", "1_000\n", True),  # Decimal's own syntax, as LCB
    ("0.3\n", "0.30000000000000004\n", False),  # exact decimals: no float noise
    ("hello world\n", "hello  world\n", False),  # words are compared as whole lines
    ("1 2 3\n", "1\n2\n3\n", False),  # line counts must match
    ("a\n\nb\n", "a\nb\n", False),
    ("nan\n", "nan\n", True),
    ("nan\n", "NaN\n", False),  # Decimal NaN is never equal
    ("sNaN\n", "snan\n", False),  # comparing a signalling NaN raises in Decimal: rejected, not crashed
])
def test_strict_matches_livecodebench_stdin_rules(expected, actual, ok):
    assert bool(strict(expected, actual)) is ok


@pytest.mark.parametrize("expected,actual,ok", [
    ([1, 2], (1, 2), True),  # top-level tuple → list
    ([[1, 2]], [(1, 2)], False),  # nested tuples are not converted
    ([[1, 2]], ((1, 2),), False),
    (2.0, 2, True),  # Python's 2.0 == 2 (issue 9: 2.0 for an expected 2 is rejected, unlike LCB)
    (1, True, False),  # but bool is not int
    ([True], [1], False),
    ({"a": 1}, {"a": 1}, True),
    ({"1": 1}, {1: 1}, False),
    ("abc", "abc", True),
    ("abc", "abc\n", False),
    (None, None, True),
])
def test_strict_matches_livecodebench_call_rules_but_bool_is_not_int(expected, actual, ok):
    assert bool(strict(expected, actual, style="call")) is ok


def test_strict_names_its_strategy():
    assert strict("1 2\n", "1 2\n") == Comparison(True, "exact")
    assert strict("2.5\n", "2.50\n") == Comparison(True, "decimal")
    assert strict([1], (1,), style="call") == Comparison(True, "exact")


# ---------------------------------------------------------------------------------------------------- fault tolerance


def _boom(expected, actual, unordered):
    raise RuntimeError("strategy bug")


def test_raising_stdin_strategy_does_not_abort_later_strategies(monkeypatch):
    patched = [(name, _boom if name in ("exact", "tokens") else fn) for name, fn in comparators.STDIN_STRATEGIES]
    monkeypatch.setattr(comparators, "STDIN_STRATEGIES", patched)
    assert micro("1 2\n", "1 2\n") == Comparison(True, "numeric_tolerance")
    assert not micro("1 2\n", "1 3\n")


def test_raising_call_strategy_does_not_abort_later_strategies(monkeypatch):
    patched = [(name, _boom if name == "exact" else fn) for name, fn in comparators.CALL_STRATEGIES]
    monkeypatch.setattr(comparators, "CALL_STRATEGIES", patched)
    assert micro([1, 2], [1, 2], style="call") == Comparison(True, "structural")


@pytest.mark.parametrize("actual", [
    "[" * 5000 + "]" * 5000,  # too deep for the literal parser
    "(" * 100_000,
    "9" * 100_000,  # int() refuses this many digits; Decimal does not
    "1e999999999 " * 3,
    "\x00\udcff\ufffd",
])
def test_microcoder_survives_hostile_stdin_output(actual):
    assert not micro("[1]\n", actual, unordered=True)
    assert not strict("[1]\n", actual)


def test_microcoder_survives_hostile_call_values():
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert not micro([1], deep, style="call", unordered=True)
    assert not micro("1", 10**5000, style="call")  # str() of a huge int raises ValueError
    assert micro(10**5000, 10**5000, style="call")
    assert not micro({"a": 1}, {(1, 2): 1}, style="call")


def test_huge_integers_are_compared_exactly():
    big = 10**40
    assert not micro(f"{big}\n", f"{big + 1}\n") and not strict(f"{big}\n", f"{big + 1}\n")
    assert not micro(big, big + 1, style="call") and not strict(big, big + 1, style="call")
    assert micro(float(big), big + 10**20, style="call")  # a float expected: relative 1e-20 is within RTOL


def test_float_tolerance_is_relative_1e6_or_six_decimals():
    assert micro("1000000.0\n", "1000000.9\n")  # relative 9e-7
    assert not micro("1000.0\n", "1000.01\n")  # relative 1e-5
    assert micro("0.0000001\n", "0.0000004\n")  # both round to 0.000000
    assert not micro("0.000001\n", "0.000002\n")
    assert micro("2.0\n", "2\n") and not micro("2.5\n", "3\n")


# --------------------------------------------------------------------------------------------------------- properties

ints = st.integers(min_value=-(10**12), max_value=10**12)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda x: abs(x) < 1e300)
number_rows = st.lists(st.lists(st.one_of(ints, floats), min_size=1, max_size=6), min_size=1, max_size=5)


def _render(rows, fmt=repr, sep=" ", eol="\n"):
    return eol.join(sep.join(fmt(x) for x in row) for row in rows) + eol


@FAST
@given(rows=number_rows, data=st.data())
def test_microcoder_accepts_reformatted_numbers(rows, data):
    expected = _render(rows)
    sep = data.draw(st.sampled_from([" ", "  ", "\t", " \t "]))
    eol = data.draw(st.sampled_from(["\n", "\r\n", " \n", "\n\n"]))
    layout = data.draw(st.sampled_from(["rows", "one_line", "one_per_line"]))
    noisy = data.draw(st.booleans())  # floats printed with 12 significant digits (relative error <= 5e-13)

    def fmt(x):
        return format(x, ".12g") if noisy and type(x) is float else repr(x)

    shaped = {"rows": rows, "one_line": [[x for r in rows for x in r]], "one_per_line": [[x] for r in rows for x in r]}
    actual = _render(shaped[layout], fmt, sep, eol) + data.draw(st.sampled_from(["", "\n", "  \n\n"]))
    assert micro(expected, actual)


@FAST
@given(rows=st.lists(st.lists(ints, min_size=1, max_size=6), min_size=1, max_size=5), data=st.data())
def test_changed_integer_is_rejected_by_both(rows, data):
    expected = _render(rows)
    r = data.draw(st.integers(0, len(rows) - 1))
    c = data.draw(st.integers(0, len(rows[r]) - 1))
    delta = data.draw(st.one_of(st.sampled_from([1, -1]), st.integers(-(10**6), 10**6).filter(bool)))
    changed = [list(row) for row in rows]
    changed[r][c] += delta
    for actual in (_render(changed), _render(changed, sep="  ", eol="\r\n"), str(changed)):
        assert not micro(expected, actual)
        assert not strict(expected, actual)
    assert not micro(rows, changed, style="call") and not strict(rows, changed, style="call")
    assert not micro(rows, changed, style="call", unordered=True)


TOKENS = ["1", "1.0", "01", "-0", "0", "+1", "1e0", "10", "2.5", "2.50", "0.3", "0.30000000000000004", "YES",
          "yes", "nan", "NaN", "inf", "Infinity", "[1,", "2]", "(1,", "2)", "1_0", "True", "", " ", "  "]
SEPS = [" ", "\n", "\r\n", "\t", "\r", "\n\n"]
texts = st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPS)), max_size=8).map(
    lambda parts: "".join(t + s for t, s in parts))


def _mutate(text: str, data) -> str:
    """Mostly small edits of the expected text, so that strict accepts often enough to be tested."""
    ops = data.draw(st.lists(st.sampled_from(["space", "crlf", "strip", "swap", "same"]), max_size=3))
    for op in ops:
        if op == "space":
            text = text.replace(" ", "  ")
        elif op == "crlf":
            text = text.replace("\n", "\r\n")
        elif op == "strip":
            text = text.strip() + "\n"
        elif op == "swap":
            text = text.replace("2.5", "2.50").replace("1.0", "1").replace("10", "1_0")
    return text


@settings(max_examples=300, deadline=None)
@given(expected=texts, data=st.data())
def test_strict_accepts_subset_of_microcoder_stdin(expected, data):
    actual = data.draw(st.one_of(texts, st.just(expected).map(lambda t: _mutate(t, data))))
    if strict(expected, actual):
        assert micro(expected, actual), (expected, actual)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, 0.3, 1.0, 2.0]),
              st.sampled_from(["a", "1", "[1]", ""])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["a", "1"]), inner, max_size=2)),
    max_leaves=8,
)


def _pythonise(value, data):
    """A return value a program could give for `value`: tuples for lists, int keys, float noise, sets."""
    t = type(value)
    if t is list:
        items = [_pythonise(v, data) for v in value]
        kind = data.draw(st.sampled_from(["list", "tuple", "set"]))
        if kind == "set":
            try:
                return set(items)
            except TypeError:
                return items
        return tuple(items) if kind == "tuple" else items
    if t is dict:
        int_keys = data.draw(st.booleans())
        return {(int(k) if int_keys and k.isdigit() else k): _pythonise(v, data) for k, v in value.items()}
    if t is float and data.draw(st.booleans()):
        return value * (1 + 1e-15)
    return value


@settings(max_examples=300, deadline=None)
@given(expected=json_values, data=st.data())
def test_strict_accepts_subset_of_microcoder_call(expected, data):
    actual = data.draw(st.one_of(json_values, st.just(None).map(lambda _: _pythonise(expected, data))))
    unordered = data.draw(st.booleans())
    if strict(expected, actual, style="call", unordered=unordered):
        assert micro(expected, actual, style="call", unordered=unordered), (expected, actual)


def _tuples_everywhere(value):
    if type(value) is list:
        return tuple(_tuples_everywhere(v) for v in value)
    if type(value) is dict:
        return {k: _tuples_everywhere(v) for k, v in value.items()}
    return value


@FAST
@given(expected=json_values)
def test_microcoder_accepts_tuples_for_lists_at_any_depth(expected):
    assert micro(expected, _tuples_everywhere(expected), style="call")


def _replace_first_int_with_bool(value):
    """The value with its first 0/1 int replaced by the bool of the same value, or None when it has none."""
    if type(value) is int and value in (0, 1):
        return bool(value)
    if type(value) is list:
        for i, v in enumerate(value):
            new = _replace_first_int_with_bool(v)
            if new is not None:
                return value[:i] + [new] + value[i + 1:]
    if type(value) is dict:
        for k, v in value.items():
            new = _replace_first_int_with_bool(v)
            if new is not None:
                return {**value, k: new}
    return None


@FAST
@given(expected=json_values)
def test_bool_never_passes_for_int_at_any_depth(expected):
    actual = _replace_first_int_with_bool(expected)
    if actual is None:
        return
    for unordered in (False, True):
        assert not micro(expected, actual, style="call", unordered=unordered), (expected, actual)
        assert not micro(actual, expected, style="call", unordered=unordered)
        assert not strict(expected, actual, style="call")


@FAST
@given(expected=texts)
def test_microcoder_accepts_identical_output(expected):
    assert micro(expected, expected)
    assert micro(expected, expected, style="call")


@FAST
@given(values=st.lists(st.one_of(ints, floats), min_size=1, max_size=8), data=st.data())
def test_microcoder_unordered_accepts_any_permutation(values, data):
    perm = data.draw(st.permutations(values))
    assert micro(values, perm, style="call", unordered=True)
    assert micro(" ".join(map(repr, values)), " ".join(map(repr, perm)), unordered=True)
