"""The operator tables micro families are built from: code fragment, prompt phrase and Python function of each
operation, and the subtly wrong neighbours of each (a constant off by one, + ↔ −, // ↔ %, max ↔ min, …).

Keeping code, phrase and function in one row is what lets a perturbed parameter predict a wrong program's output
without running it (see `family.Family.perturb`). Rows marked "only as wrong variants" are never sampled.
"""

from __future__ import annotations

import operator
import random
from decimal import Decimal
from itertools import zip_longest
from typing import Callable

ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth"}


def interleave(*lists: list) -> list:
    """[a0, b0, a1, b1, …]: wrong variants of different kinds come first when the list is capped."""
    return [x for group in zip_longest(*lists) for x in group if x is not None]


# ---------------------------------------------------------------------------------------------- integers

ARITH: dict[str, Callable[[int, int], int]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "//": operator.floordiv, "%": operator.mod}
ARITH_SWAP = {"+": "-", "-": "+", "*": "+", "//": "%", "%": "//"}  # the wrong operator of each

PRED_PHRASE = {"gt": "greater than {k}", "lt": "less than {k}", "ge": "greater than or equal to {k}",
               "le": "less than or equal to {k}", "even": "that are even", "odd": "that are odd",
               "div": "divisible by {k}", "ndiv": "not divisible by {k}", "none": ""}
PRED_CODE = {"gt": "{v}>{k}", "lt": "{v}<{k}", "ge": "{v}>={k}", "le": "{v}<={k}", "even": "{v}%2==0",
             "odd": "{v}%2==1", "div": "{v}%{k}==0", "ndiv": "{v}%{k}", "none": ""}
PRED_FN: dict[str, Callable[[int, int], bool]] = {
    "gt": lambda x, k: x > k, "lt": lambda x, k: x < k, "ge": lambda x, k: x >= k, "le": lambda x, k: x <= k,
    "even": lambda x, k: x % 2 == 0, "odd": lambda x, k: x % 2 == 1, "div": lambda x, k: x % k == 0,
    "ndiv": lambda x, k: x % k != 0, "none": lambda x, k: True}


def sample_pred(rng: random.Random, kinds=("gt", "lt", "even", "odd", "div")) -> dict:
    kind = rng.choice(kinds)
    k = rng.randint(2, 5) if kind == "div" else rng.randint(0, 12) if kind in ("gt", "lt") else 0
    return {"pred": kind, "k": k}


def pred_code(p: dict, v: str = "x") -> str:
    return PRED_CODE[p["pred"]].format(v=v, k=p["k"])


def pred_clause(p: dict, v: str = "x") -> str:
    """The comprehension's `` if x>3`` (empty for the dropped filter, pred "none")."""
    return f" if {pred_code(p, v)}" if p["pred"] != "none" else ""


def pred_phrase(p: dict) -> str:
    return PRED_PHRASE[p["pred"]].format(k=p["k"])


def pred_holds(p: dict, x: int) -> bool:
    return PRED_FN[p["pred"]](x, p["k"])


def pred_perturb(p: dict) -> list[tuple[str, dict]]:
    """Subtly wrong filters: a threshold off by one, > → >=, > ↔ <, even ↔ odd, x%k==0 → x%k."""
    kind, k = p["pred"], p["k"]
    out: list[tuple[str, str, int]] = []
    if kind in ("gt", "lt"):
        out = [(f"k {k}→{k + 1}", kind, k + 1), (f"k {k}→{k - 1}", kind, k - 1),
               ("> → >=" if kind == "gt" else "< → <=", "ge" if kind == "gt" else "le", k),
               ("> ↔ <", "lt" if kind == "gt" else "gt", k)]
    elif kind in ("even", "odd"):
        out = [("even ↔ odd", "odd" if kind == "even" else "even", 0)]
    elif kind == "div":
        out = [(f"k {k}→{k + 1}", "div", k + 1), ("x%k==0 → x%k", "ndiv", k)] + (
            [(f"k {k}→{k - 1}", "div", k - 1)] if k > 2 else [])
    return [(label, {**p, "pred": kd, "k": kk}) for label, kd, kk in out]


def int_list(rng: random.Random, lo: int = -5, hi: int = 20, n: tuple[int, int] = (4, 8)) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(rng.randint(*n))]


WORDS = ("ant", "bee", "cat", "cow", "dog", "elk", "fox", "hen", "owl", "pig", "ram", "yak", "bird", "crab",
         "deer", "duck", "frog", "goat", "hare", "lion", "mole", "moth", "seal", "swan", "toad", "wolf",
         "camel", "eagle", "horse", "koala", "llama", "moose", "mouse", "otter", "panda", "raven", "sheep",
         "snake", "tiger", "whale", "badger", "beaver", "donkey", "ferret", "gopher", "jaguar", "monkey",
         "parrot", "rabbit", "turtle", "weasel")


def word_list(rng: random.Random, n: tuple[int, int] = (4, 7)) -> list[str]:
    return rng.sample(WORDS, rng.randint(*n))


def map_expr(p: dict, v: str = "x") -> str:
    """``x*3`` for {"op": "*", "m": 3}; just ``x`` for the dropped map (op "none")."""
    return v if p["op"] == "none" else f"{v}{p['op']}{p['m']}"


def map_apply(p: dict, x: int) -> int:
    return x if p["op"] == "none" else ARITH[p["op"]](x, p["m"])


def map_perturb(p: dict) -> list[tuple[str, dict]]:
    op, m = p["op"], p["m"]
    return [(f"{op} → {ARITH_SWAP[op]}", {**p, "op": ARITH_SWAP[op]}), (f"m {m}→{m + 1}", {**p, "m": m + 1}),
            (f"m {m}→{m - 1}", {**p, "m": m - 1}), ("dropped map", {**p, "op": "none"})]




REDUCE_NAMES = {"sum": "sum", "max": "maximum", "min": "minimum", "len": "count"}
REDUCE_FN = {"sum": sum, "max": max, "min": min, "len": len}
REDUCE_NEAR = {"sum": ["len", "max"], "max": ["min", "sum"], "min": ["max", "sum"], "len": ["sum"]}


# ---------------------------------------------------------------------------------------------- strings

STRING_OPS = {  # name: (code suffix, phrase, function); k is the family's constant
    "rev": ("[::-1]", "reverse it", lambda s, k: s[::-1]),
    "upper": (".upper()", "convert it to upper case", lambda s, k: s.upper()),
    "lower": (".lower()", "convert it to lower case", lambda s, k: s.lower()),
    "swap": (".swapcase()", "swap the case of its letters", lambda s, k: s.swapcase()),
    "first": ("[:{k}]", "keep its first {k} characters", lambda s, k: s[:k]),
    "last": ("[-{k}:]", "keep its last {k} characters", lambda s, k: s[-k:]),
    "drop": ("[{k}:]", "remove its first {k} characters", lambda s, k: s[k:]),
    "repeat": ("*{k}", "repeat it {k} times", lambda s, k: s * k),
    "droplast": ("[:-{k}]", "remove its last {k} characters", lambda s, k: s[:-k]),
    "step": ("[::{k}]", "keep every {nth} character, starting with the first", lambda s, k: s[::k]),
    # only as wrong variants
    "same": ("", "", lambda s, k: s),
    "cap": (".capitalize()", "", lambda s, k: s.capitalize()),
    "rev1": ("[:0:-1]", "", lambda s, k: s[:0:-1]),
    "rev2": ("[-2::-1]", "", lambda s, k: s[-2::-1]),
    "step1": ("[1::{k}]", "", lambda s, k: s[1::k]),
}
STRING_SAMPLED = ("rev", "upper", "lower", "swap", "first", "last", "drop", "droplast", "step", "repeat")
STRING_NEAR = {"rev": ["same", "rev1", "rev2"], "upper": ["lower", "swap", "cap"], "lower": ["upper", "swap", "cap"],
               "swap": ["upper", "lower", "same"], "first": ["last"], "last": ["first"], "drop": ["first"],
               "droplast": ["last", "drop"], "step": ["step1"], "repeat": ["same"]}
K_OPS = ("first", "last", "drop", "droplast", "step", "repeat")


def sample_string_op(rng: random.Random, ops=STRING_SAMPLED) -> tuple[str, int]:
    op = rng.choice(ops)
    return op, (rng.randint(2, 3) if op in ("repeat", "step") else rng.randint(2, 6) if op in K_OPS else 0)


def string_suffix(op: str, k: int) -> str:
    return STRING_OPS[op][0].format(k=k)


def string_phrase(op: str, k: int) -> str:
    return STRING_OPS[op][1].format(k=k, nth=ORDINAL.get(k, ""))


def string_apply(op: str, k: int, s: str) -> str:
    return STRING_OPS[op][2](s, k)


def string_op_perturb(op: str, k: int) -> list[tuple[str, str, int]]:
    """(label, op, k) of the subtly wrong neighbours of one string operation."""
    out = [(f"{op} → {o}", o, k) for o in STRING_NEAR[op]]
    if op in K_OPS:
        out += [(f"k {k}→{k + 1}", op, k + 1), (f"k {k}→{k - 1}", op, k - 1)]
    return out


def mixed_case_word(rng: random.Random, n: tuple[int, int] = (7, 10)) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    s = "".join(rng.choice(letters) for _ in range(rng.randint(*n)))
    return "".join(c.upper() if rng.random() < 0.4 else c for c in s)


def decimal_text(rng: random.Random) -> str:
    return str(Decimal(rng.randint(1, 999)) / 100)  # "0.07", "3.1", "5"
