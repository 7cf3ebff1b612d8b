"""Hard-tier micro families: two operations composed (filter then reduce, map then reorder, …), the analogue of
the study's harder training set. Their wrong variants include a dropped second step.

Every family writes its parameters into a formulaic prompt; see `family.Family` for the contract.
"""

from __future__ import annotations

from .family import Family, Program, lines, printed, register
from .ops import (ARITH, ORDINAL, REDUCE_FN, REDUCE_NAMES, REDUCE_NEAR, STRING_SAMPLED, WORDS, int_list, interleave,
                  map_apply, map_expr, map_perturb, mixed_case_word, pred_clause, pred_holds, pred_perturb,
                  pred_phrase, sample_pred, sample_string_op, string_apply, string_op_perturb, string_phrase,
                  string_suffix, word_list)


# ---------------------------------------------------------------------------------------------- stdin


@register
class FilterReduce(Family):
    name, tier, platform, difficulty = "filter_reduce", "hard", "codeforces", "medium"
    summary = "sum/count/max/min of the integers passing a filter"

    def sample_params(self, rng):
        return {**sample_pred(rng), "red": rng.choice(["sum", "len", "max", "min"])}

    def sample_input(self, rng, p):
        return int_list(rng, -5, 20, (5, 9))

    def prompt(self, p):
        return f"Read a line of integers. Print the {REDUCE_NAMES[p['red']]} of the integers {pred_phrase(p)}."

    def code(self, p):
        gen = f"x for x in map(int,input().split()){pred_clause(p)}"
        return f"print(len([{gen}]))" if p["red"] == "len" else f"print({p['red']}({gen}))"

    def answer(self, p, data):
        return REDUCE_FN[p["red"]]([x for x in data if pred_holds(p, x)])

    def perturb(self, p):
        reds = [(f"{p['red']} → {r}", {**p, "red": r}) for r in REDUCE_NEAR[p["red"]]]
        return interleave(pred_perturb(p), reds) + [("dropped filter", {**p, "pred": "none"})]


@register
class MapReorder(Family):
    name, tier, platform, difficulty = "map_reorder", "hard", "atcoder", "medium"
    summary = "x OP M for each integer, then reversed or sorted"

    ORDERS = {"rev": "in reverse order", "sort": "in increasing order", "same": "", "rsort": ""}

    def sample_params(self, rng):
        return {"op": rng.choice(list(ARITH)), "m": rng.randint(2, 9), "order": rng.choice(["rev", "sort"])}

    def sample_input(self, rng, p):
        return int_list(rng, -9, 30, (4, 7))

    def prompt(self, p):
        return f"Read a line of integers. Print x{p['op']}{p['m']} for each integer x, {self.ORDERS[p['order']]}."

    def code(self, p):
        gen = f"{map_expr(p)} for x in map(int,input().split())"
        return {"rev": f"print(*[{gen}][::-1])", "sort": f"print(*sorted({gen}))", "same": f"print(*[{gen}])",
                "rsort": f"print(*sorted({gen})[::-1])"}[p["order"]]

    def answer(self, p, data):
        xs = [map_apply(p, x) for x in data]
        return {"rev": xs[::-1], "sort": sorted(xs), "same": xs, "rsort": sorted(xs)[::-1]}[p["order"]]

    def perturb(self, p):
        orders = [("dropped reorder", {**p, "order": "same"})] + (
            [("sorted → decreasing", {**p, "order": "rsort"})] if p["order"] == "sort" else [])
        return interleave(orders, map_perturb(p))


@register
class StringTwoStep(Family):
    name, tier, platform, difficulty = "string_two_step", "hard", "codeforces", "medium"
    summary = "two string operations in sequence"

    CASE = {"upper", "lower", "swap"}

    def sample_params(self, rng):
        op1, k1 = sample_string_op(rng)
        rest = [o for o in STRING_SAMPLED if o != op1 and not (op1 in self.CASE and o in self.CASE)]
        op2, k2 = sample_string_op(rng, rest)
        return {"op1": op1, "k1": k1, "op2": op2, "k2": k2}

    def sample_input(self, rng, p):
        return mixed_case_word(rng)

    def prompt(self, p):
        first, second = string_phrase(p["op1"], p["k1"]), string_phrase(p["op2"], p["k2"])
        return f"Read a string. {first.capitalize()}, then {second}. Print the result."

    def code(self, p):
        first = f"input(){string_suffix(p['op1'], p['k1'])}"
        if p["op1"] == "repeat" and p["op2"] != "same":
            first = f"({first})"  # input()*2[:3] would slice the 2
        return f"print({first}{string_suffix(p['op2'], p['k2'])})"

    def answer(self, p, data):
        return string_apply(p["op2"], p["k2"], string_apply(p["op1"], p["k1"], data))

    def perturb(self, p):
        first = [(label, {**p, "op1": o, "k1": k}) for label, o, k in string_op_perturb(p["op1"], p["k1"])]
        second = [(label, {**p, "op2": o, "k2": k}) for label, o, k in string_op_perturb(p["op2"], p["k2"])]
        steps = [("dropped second step", {**p, "op2": "same"}), ("dropped first step", {**p, "op1": "same"}),
                 ("steps swapped", {"op1": p["op2"], "k1": p["k2"], "op2": p["op1"], "k2": p["k1"]})]
        return interleave(steps, second, first)


@register
class TopK(Family):
    name, tier, platform, difficulty = "top_k", "hard", "atcoder", "hard"
    summary = "sort, then the K largest/smallest integers (in either order), their sum, or the K-th of them"

    SLICES = {  # which: (slice of the sorted list a, phrase, function)
        "top": ("a[::-1][:{k}]", "the {k} largest integers", lambda a, k: a[::-1][:k]),
        "bottom": ("a[:{k}]", "the {k} smallest integers", lambda a, k: a[:k]),
        "topinc": ("a[-{k}:]", "the {k} largest integers", lambda a, k: a[-k:]),
        "bottomdec": ("a[:{k}][::-1]", "the {k} smallest integers", lambda a, k: a[:k][::-1]),
        # only as a wrong variant
        "all": ("a", "", lambda a, k: a)}
    ORDER = {"top": " in decreasing order", "bottom": " in increasing order", "topinc": " in increasing order",
             "bottomdec": " in decreasing order"}
    NEAR = {"top": ["bottom", "topinc"], "bottom": ["top", "bottomdec"], "topinc": ["top", "bottom"],
            "bottomdec": ["bottom", "top"]}
    KTH = {"top": ("a[-{k}]", "largest", lambda a, k: a[-k]), "bottom": ("a[{i}]", "smallest", lambda a, k: a[k - 1])}

    def sample_params(self, rng):
        agg = rng.choice(["list", "list", "sum", "kth"])
        which = rng.choice(["top", "bottom"] + (["topinc", "bottomdec"] if agg == "list" else []))
        return {"which": which, "agg": agg, "k": rng.randint(2, 7)}

    def sample_input(self, rng, p):
        return rng.sample(range(-20, 50), rng.randint(p["k"] + 2, p["k"] + 5))

    def prompt(self, p):
        k = p["k"]
        if p["agg"] == "kth":
            return f"Read a line of integers. Print the {ORDINAL[k]} {self.KTH[p['which']][1]} integer."
        phrase = self.SLICES[p["which"]][1].format(k=k)
        if p["agg"] == "sum":
            return f"Read a line of integers. Print the sum of {phrase}."
        return f"Read a line of integers. Print {phrase}{self.ORDER[p['which']]}."

    def code(self, p):
        k = p["k"]
        if p["agg"] == "kth":
            out = self.KTH[p["which"]][0].format(k=k, i=k - 1)
        else:
            sl = self.SLICES[p["which"]][0].format(k=k)
            out = "*" + sl if p["agg"] == "list" else f"sum({sl})"
        return f"a=sorted(map(int,input().split()))\nprint({out})"

    def answer(self, p, data):
        if p["agg"] == "kth":
            return self.KTH[p["which"]][2](sorted(data), p["k"])
        picked = self.SLICES[p["which"]][2](sorted(data), p["k"])
        return picked if p["agg"] == "list" else sum(picked)

    def perturb(self, p):
        k = p["k"]
        ks = [(f"k {k}→{k + 1}", {**p, "k": k + 1}), (f"k {k}→{k - 1}", {**p, "k": k - 1})]
        if p["agg"] == "kth":
            return ks + [("largest ↔ smallest", {**p, "which": "bottom" if p["which"] == "top" else "top"})]
        near = [(f"{p['which']} → {w}", {**p, "which": w}) for w in self.NEAR[p["which"]]]
        return interleave(near, ks) + [("dropped slice", {**p, "which": "all"})]


@register
class FilteredMean(Family):
    name, tier, platform, difficulty, fmt = "filtered_mean", "hard", "atcoder", "hard", "float_noise"
    summary = "the mean of the integers passing a filter, 6 decimals; print(sum(a)/len(a)) shows float noise"

    def sample_params(self, rng):
        return {**sample_pred(rng), "div": "/", "digits": 6}

    def sample_input(self, rng, p):
        return int_list(rng, -5, 20, (5, 9))

    def prompt(self, p):
        return (f"Read a line of integers. Print the mean of the integers {pred_phrase(p)}, "
                f"rounded to 6 decimal places.")

    def _head(self, p):
        return f"a=[x for x in map(int,input().split()){pred_clause(p)}]\n"

    def code(self, p):
        return self._head(p) + f"print(round(sum(a){p['div']}len(a),{p['digits']}))"

    def answer(self, p, data):
        a = [x for x in data if pred_holds(p, x)]
        return round(sum(a) / len(a) if p["div"] == "/" else sum(a) // len(a), p["digits"])

    def variants(self, p):
        def noisy(data):
            a = [x for x in data if pred_holds(p, x)]
            return printed(sum(a) / len(a))
        return [Program("float_noise", self._head(p) + "print(sum(a)/len(a))", noisy)]

    def perturb(self, p):
        return interleave(pred_perturb(p), [("/ → //", {**p, "div": "//"}), ("dropped filter", {**p, "pred": "none"}),
                                            ("rounded to 2 digits", {**p, "digits": 2})])


WORD_PREDS = {  # kind: (code, phrase, function of the word and k/c)
    "long": ("len(w)>{k}", "longer than {k} letters", lambda w, p: len(w) > p["k"]),
    "short": ("len(w)<{k}", "shorter than {k} letters", lambda w, p: len(w) < p["k"]),
    "start": ("w[0]=='{c}'", "starting with '{c}'", lambda w, p: w[0] == p["c"]),
    # only as wrong variants
    "longeq": ("len(w)>={k}", "", lambda w, p: len(w) >= p["k"]),
    "shorteq": ("len(w)<={k}", "", lambda w, p: len(w) <= p["k"]),
    "end": ("w[-1]=='{c}'", "", lambda w, p: w[-1] == p["c"]),
    "none": ("", "", lambda w, p: True),
}
WORD_MAPS = {"upper": ("w.upper()", "in upper case", str.upper), "rev": ("w[::-1]", "each reversed", lambda w: w[::-1]),
             "cap": ("w.capitalize()", "capitalized", str.capitalize), "none": ("w", "", lambda w: w)}
START_LETTERS = "bcdfhmprstw"  # first letters of at least three WORDS


@register
class WordsFilter(Family):
    name, tier, platform, difficulty, fmt = "words_filter", "hard", "codeforces", "hard", "line_breaks"
    summary = "the words passing a filter, each transformed; one word a line is the format variant"

    def sample_params(self, rng):
        kind = rng.choice(["long", "short", "start"])
        k = rng.randint(3, 5) if kind == "long" else rng.randint(4, 6) if kind == "short" else 0
        return {"kind": kind, "k": k, "c": rng.choice(START_LETTERS) if kind == "start" else "",
                "map": rng.choice(["upper", "rev", "cap"])}

    def sample_input(self, rng, p):
        if p["kind"] != "start":
            return word_list(rng, (6, 9))
        starting = [w for w in WORDS if w[0] == p["c"]]
        ws = rng.sample(starting, 2) + [w for w in word_list(rng, (4, 7)) if w[0] != p["c"]]
        rng.shuffle(ws)
        return ws

    def _parts(self, p):
        return WORD_MAPS[p["map"]][0], WORD_PREDS[p["kind"]][0].format(k=p["k"], c=p["c"])

    def prompt(self, p):
        what = WORD_PREDS[p["kind"]][1].format(k=p["k"], c=p["c"])
        return f"Read a line of words. Print the words {what}, {WORD_MAPS[p['map']][1]}, separated by spaces."

    def code(self, p):
        m, cond = self._parts(p)
        return f"print(*[{m} for w in input().split(){' if ' + cond if cond else ''}])"

    def answer(self, p, data):
        return [WORD_MAPS[p["map"]][2](w) for w in data if WORD_PREDS[p["kind"]][2](w, p)]

    def variants(self, p):
        m, cond = self._parts(p)
        return [Program("line_breaks", f"for w in input().split():\n    if {cond}:\n        print({m})",
                        lambda d: lines(self.answer(p, d)))]

    def perturb(self, p):
        kind, k, c = p["kind"], p["k"], p["c"]
        if kind == "start":
            nxt = chr(ord(c) + 1)
            preds = [(f"'{c}' → '{nxt}'", {**p, "c": nxt}), ("start → end", {**p, "kind": "end"})]
        else:
            preds = [(f"k {k}→{k + 1}", {**p, "k": k + 1}), (f"k {k}→{k - 1}", {**p, "k": k - 1}),
                     ("> → >=" if kind == "long" else "< → <=", {**p, "kind": kind + "eq"})]
        maps = [("dropped map", {**p, "map": "none"})] + [
            (f"{p['map']} → {m}", {**p, "map": m}) for m in ("upper", "cap") if m != p["map"]][:1]
        return interleave(preds, maps) + [("dropped filter", {**p, "kind": "none"})]


# ---------------------------------------------------------------------------------------------- call, LeetCode


@register
class MapReduce(Family):
    name, style, tier, platform, difficulty = "map_reduce", "call", "hard", "leetcode", "medium"
    summary = "f(xs) returns sum/max/min of x OP M over xs"

    def sample_params(self, rng):
        return {"op": rng.choice(list(ARITH)), "m": rng.randint(2, 9), "red": rng.choice(["sum", "max", "min"])}

    def sample_input(self, rng, p):
        return int_list(rng, -9, 30, (4, 8))

    def fn_name(self, p):
        return "f"

    def prompt(self, p):
        return (f"Write a function f(xs) that returns the {REDUCE_NAMES[p['red']]} of x{p['op']}{p['m']} "
                f"over the integers x in xs.")

    def code(self, p):
        gen = f"{map_expr(p)} for x in xs"
        return "def f(xs):\n    return " + (f"len([{gen}])" if p["red"] == "len" else f"{p['red']}({gen})")

    def answer(self, p, data):
        return REDUCE_FN[p["red"]]([map_apply(p, x) for x in data])

    def perturb(self, p):
        return interleave(map_perturb(p), [(f"{p['red']} → {r}", {**p, "red": r}) for r in REDUCE_NEAR[p["red"]]])


@register
class FilterMap(Family):
    name, style, tier, platform, difficulty = "filter_map", "call", "hard", "leetcode", "hard"
    summary = "class Solution: [x OP M for x in nums if <filter>]"

    def sample_params(self, rng):
        return {**sample_pred(rng), "op": rng.choice(["+", "-", "*", "//", "%"]), "m": rng.randint(2, 9)}

    def sample_input(self, rng, p):
        return (int_list(rng, -5, 20, (5, 9)),)

    def fn_name(self, p):
        return "transform"

    def prompt(self, p):
        return (f"Implement class Solution with a method transform(self, nums) that returns the list of "
                f"x{p['op']}{p['m']} for the integers x in nums {pred_phrase(p)}.")

    def code(self, p):
        return (f"class Solution:\n    def transform(self, nums):\n"
                f"        return [{map_expr(p)} for x in nums{pred_clause(p)}]")

    def answer(self, p, data):
        return [map_apply(p, x) for x in data[0] if pred_holds(p, x)]

    def perturb(self, p):
        return interleave(pred_perturb(p), map_perturb(p)) + [("dropped filter", {**p, "pred": "none"})]


@register
class ZipPairs(Family):
    name, style, tier, platform, difficulty, fmt = "zip_pairs", "call", "hard", "leetcode", "medium", "nested_tuples"
    summary = "f(a, b) returns [[x, y OP M], ...] over zip(a, b); a natural solution returns tuples"

    def sample_params(self, rng):
        return {"op": rng.choice(list(ARITH)), "m": rng.randint(2, 9), "side": rng.choice(["x", "y"]), "order": "xy"}

    def sample_input(self, rng, p):
        n = rng.randint(3, 5)
        return ([rng.randint(0, 30) for _ in range(n)], [rng.randint(0, 30) for _ in range(n)])

    def fn_name(self, p):
        return "f"

    def _pair(self, p):
        x = map_expr(p, "x") if p["side"] == "x" else "x"
        y = map_expr(p, "y") if p["side"] == "y" else "y"
        return f"{x}, {y}" if p["order"] == "xy" else f"{y}, {x}"

    def prompt(self, p):
        return (f"Write a function f(a, b) that returns the list of pairs [{self._pair(p)}] for each x in a and "
                f"y in b at the same position.")

    def code(self, p):
        return f"def f(a, b):\n    return [[{self._pair(p)}] for x, y in zip(a, b)]"

    def _pairs(self, p, data):
        out = []
        for x, y in zip(*data):
            x, y = (map_apply(p, x), y) if p["side"] == "x" else (x, map_apply(p, y))
            out.append((x, y) if p["order"] == "xy" else (y, x))
        return out

    def answer(self, p, data):
        return [list(t) for t in self._pairs(p, data)]

    def variants(self, p):
        return [Program("nested_tuples", f"def f(a, b):\n    return [({self._pair(p)}) for x, y in zip(a, b)]",
                        lambda d: self._pairs(p, d))]

    def perturb(self, p):
        sides = [("map on the other element", {**p, "side": "y" if p["side"] == "x" else "x"}),
                 ("pair order swapped", {**p, "order": "yx"})]
        return interleave(map_perturb(p), sides)
