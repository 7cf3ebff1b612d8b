"""When are two numbers the same answer? The number rules both comparators share.

The rules (issue 9, "as the platforms judge"; revised against real accepted AtCoder solutions, see below):

* A **tolerance** applies where the *expected* token is a non-integer number (written with ``.`` or an exponent,
  or inf/nan), however many digits it is written with: contest checkers read it as a double (testlib's
  ``doubleCompare``), so AtCoder's ``0.48148148148148148148`` accepts ``0.48148148148148145`` within the stated
  1e-6 — an exact comparison of the 20 written digits rejected accepted solutions (abc028_d, abc255_b, abc279_d,
  abc327_e).
* An expected **integer** is not matched by a float (``3`` rejects ``3.0``, ``3e0``, ``3.0000001``: Codeforces'
  ``wcmp``/``ncmp`` and AtCoder compare integers as written; np.allclose would take -100001 for -100000) —
  unless the problem's answers are **real numbers** (`real_valued`: it states a tolerance, or a non-integer number
  appears among its expected outputs): then its checker reads ``-2`` as a double too, and ``-2.0000000000000004``
  passes (abc259_b). ``+3``/``03``/``1_000`` style integer spellings are integers of that value.
* Otherwise numbers match by exact decimal value (``2.50`` = ``2.5``; ``5`` for an expected ``5.0``).

Tolerance: a stated one (`JudgingRules.float_tolerance`) is absolute-or-relative, as contest checkers:
``|a - e| <= tol`` or ``|a - e| <= tol * |e|``. Unstated, the robust default is `RTOL`/`ATOL` or equality after
rounding to `ROUND_DECIMALS` decimals; ``strict`` has no default (exact). All arithmetic is exact (`Decimal`).
"""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal, localcontext

RTOL = 1e-6  # default relative tolerance for non-integer expected numbers
ATOL = 1e-9  # default absolute tolerance (near zero), |actual - expected| <= ATOL + RTOL * |expected|
ROUND_DECIMALS = 6  # ... or equal once both are rounded to this many decimals (an absolute ~5e-7)

_CTX = Context(prec=100, Emax=MAX_EMAX, Emin=MIN_EMIN)  # exact parsing, no overflow; invalid input raises
_RTOL, _ATOL = Decimal(repr(RTOL)), Decimal(repr(ATOL))
_QUANTUM = Decimal(1).scaleb(-ROUND_DECIMALS)


def decimal_of(token: str) -> Decimal | None:
    """The exact value of a number token (Decimal's syntax, as LiveCodeBench), or None."""
    try:
        with localcontext(_CTX):
            return Decimal(token)
    except Exception:
        return None


def is_integer_token(token: str) -> bool:
    """Written as an integer: a number token with no point, no exponent, not inf/nan."""
    d = decimal_of(token)
    return d is not None and d.is_finite() and not any(c in token for c in ".eE")


def _equal(a: Decimal, b: Decimal) -> bool:
    try:
        return a == b
    except Exception:  # a signalling NaN raises on comparison
        return False


_REAL = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][-+]?\d+)?(?![\w.])")


def text_has_real(text: str) -> bool:
    """A non-integer number token (``1.5``, ``.5``, ``2.``, ``1e-9``) appears in `text` (one regex scan)."""
    return _REAL.search(text) is not None


def value_has_real(value) -> bool:
    """A float appears anywhere in a call-style value (lists, tuples, sets, dict values)."""
    t = type(value)
    if t is float:
        return True
    if t in (list, tuple, set, frozenset):
        return any(value_has_real(v) for v in value)
    if t is dict:
        return any(value_has_real(v) for v in value.values())
    return False


def tolerance_applies(token: str, value: Decimal | None = None, real_valued: bool = False) -> bool:
    """The expected token is a number a tolerance may apply to: a non-integer one, or any number of a real-valued
    problem."""
    d = decimal_of(token) if value is None else value
    return d is not None and (real_valued or not is_integer_token(token))


def near(expected: Decimal, actual: Decimal, tol: float | None = None) -> bool:
    """Tolerant equality: the stated absolute-or-relative `tol`, else the robust default (RTOL/ATOL/rounding)."""
    if expected.is_nan() or actual.is_nan():
        return expected.is_nan() and actual.is_nan()
    if expected.is_infinite() or actual.is_infinite():
        return expected == actual
    with localcontext(_CTX):
        diff = abs(actual - expected)
        if tol is not None:
            t = Decimal(repr(float(tol)))
            return diff <= t or diff <= t * abs(expected)
        if diff <= _ATOL + _RTOL * abs(expected):
            return True
        return expected.quantize(_QUANTUM, ROUND_HALF_EVEN) == actual.quantize(_QUANTUM, ROUND_HALF_EVEN)


def tokens_equal(expected: str, actual: str) -> bool:
    """Equal text, or equal exact value — where an expected integer needs an integer."""
    if expected == actual:
        return True
    e, a = decimal_of(expected), decimal_of(actual)
    if e is None or a is None or not _equal(e, a):
        return False
    return not is_integer_token(expected) or is_integer_token(actual)


def tokens_close(expected: str, actual: str, tol: float | None = None, *, default_tolerance: bool = True,
                 real_valued: bool = False) -> bool:
    """`tokens_equal`, or within tolerance where `tolerance_applies` to the expected token.

    default_tolerance: use the robust default when `tol` is None (False: no tolerance unless stated);
    real_valued: the problem's answers are real numbers (an integer-written expected token is a real too).
    """
    if tokens_equal(expected, actual):
        return True
    if tol is None and not default_tolerance:
        return False
    e, a = decimal_of(expected), decimal_of(actual)
    if e is None or a is None or not tolerance_applies(expected, e, real_valued):
        return False
    try:
        return near(e, a, tol)
    except Exception:
        return False


def values_close(expected: int | float, actual: int | float, tol: float | None = None, *,
                 default_tolerance: bool = True, real_valued: bool = False) -> bool:
    """Call style: an int expected needs an equal int (unless the problem is `real_valued`: then it is a real);
    a float expected is equal or within tolerance."""
    if expected == actual and (type(expected) is not int or type(actual) is int):
        return True
    if type(expected) is int and not real_valued:
        return False
    if tol is None and not default_tolerance:
        return False
    to_dec = lambda x: Decimal(repr(x)) if type(x) is float else Decimal(x)  # noqa: E731
    try:
        return near(to_dec(expected), to_dec(actual), tol)
    except Exception:
        return False


__all__ = ["ATOL", "RTOL", "ROUND_DECIMALS", "decimal_of", "is_integer_token", "near", "text_has_real",
           "tolerance_applies", "tokens_close", "tokens_equal", "value_has_real", "values_close"]
