"""Easy-tier micro families: one operation each (plus a constant), the analogue of the study's easier training set.

Every family writes its parameters into a formulaic prompt; see `family.Family` for the contract. Five of them
carry a format variation (float noise, tuples nested in a list, one item a line) so that the strict and robust
evaluators disagree on some correct programs. The operator tables they share live in `ops`.
"""

from __future__ import annotations

from decimal import Decimal

from .family import Family, Program, lines, printed, register
from .ops import (ARITH, ARITH_SWAP, ORDINAL, REDUCE_FN, REDUCE_NAMES, REDUCE_NEAR, decimal_text, int_list,
                  mixed_case_word, sample_string_op, string_apply, string_op_perturb, string_phrase, string_suffix,
                  word_list)

# ---------------------------------------------------------------------------------------------- stdin, AtCoder


@register
class Arith(Family):
    name, platform, summary = "arith", "atcoder", "print a OP b + C"

    def sample_params(self, rng):
        return {"op": rng.choice("+-*"), "c": rng.choice([c for c in range(-9, 10) if c])}

    def sample_input(self, rng, p):
        return (rng.randint(-20, 20), rng.randint(-20, 20))

    def _expr(self, p):
        c = p["c"]
        return f"a{p['op']}b" + (f"+{c}" if c > 0 else f"-{-c}" if c < 0 else "")

    def prompt(self, p):
        return f"Read two integers a and b. Print {self._expr(p)}."

    def code(self, p):
        return f"a,b=map(int,input().split())\nprint({self._expr(p)})"

    def answer(self, p, data):
        return ARITH[p["op"]](*data) + p["c"]

    def perturb(self, p):
        c = p["c"]
        return [(f"C {c}→{c + 1}", {**p, "c": c + 1}), (f"C {c}→{c - 1}", {**p, "c": c - 1}),
                (f"{p['op']} → {ARITH_SWAP[p['op']]}", {**p, "op": ARITH_SWAP[p["op"]]}),
                ("dropped +C", {**p, "c": 0})]


@register
class StringTransform(Family):
    name, platform, summary = "string_transform", "atcoder", "one string operation (reverse, case, slice, repeat)"

    def sample_params(self, rng):
        op, k = sample_string_op(rng)
        return {"op": op, "k": k}

    def sample_input(self, rng, p):
        return mixed_case_word(rng)

    def prompt(self, p):
        return f"Read a string. {string_phrase(p['op'], p['k']).capitalize()} and print the result."

    def code(self, p):
        return f"print(input(){string_suffix(p['op'], p['k'])})"

    def answer(self, p, data):
        return string_apply(p["op"], p["k"], data)

    def perturb(self, p):
        return [(label, {"op": o, "k": k}) for label, o, k in string_op_perturb(p["op"], p["k"])]


@register
class DecimalArith(Family):
    name, platform, fmt = "decimal_arith", "atcoder", "float_noise"
    summary = "x OP c on a decimal number; print(x*3) shows float noise (0.30000000000000004)"

    def sample_params(self, rng):
        op = rng.choice("+-*")
        c = str(rng.choice([3, 5, 6, 7, 9])) if op == "*" else str(Decimal(rng.randint(1, 99)) / 10)
        return {"op": op, "c": c, "digits": 2}

    def sample_input(self, rng, p):
        return decimal_text(rng)

    def prompt(self, p):
        return f"Read a decimal number x. Print x{p['op']}{p['c']}, rounded to 2 decimal places."

    def code(self, p):
        return f"print(round(float(input()){p['op']}{p['c']},{p['digits']}))"

    def answer(self, p, data):  # the exact decimal result, as the float print() shows it
        x, c = Decimal(data), Decimal(p["c"])
        return float(x + c if p["op"] == "+" else x - c if p["op"] == "-" else x * c)

    def _float(self, p, data):
        x, c = float(data), float(p["c"])
        return x + c if p["op"] == "+" else x - c if p["op"] == "-" else x * c

    def program(self, p, label="canonical"):  # predicts the float arithmetic the code really does
        return Program(label, self.code(p), lambda d: printed(round(self._float(p, d), p["digits"])))

    def variants(self, p):
        return [Program("float_noise", f"print(float(input()){p['op']}{p['c']})",
                        lambda d: printed(self._float(p, d)))]

    def perturb(self, p):
        op, c = p["op"], p["c"]
        step = Decimal(1) if op == "*" else Decimal("0.1")
        near = [str(Decimal(c) + step), str(Decimal(c) - step)]
        return [(f"c {c}→{n}", {**p, "c": n}) for n in near if Decimal(n) > 0] + [
            (f"{op} → {ARITH_SWAP[op]}", {**p, "op": ARITH_SWAP[op]}),
            ("rounded to 1 digit", {**p, "digits": 1}), ("rounded to 0 digits", {**p, "digits": 0})]


# ---------------------------------------------------------------------------------------------- stdin, Codeforces

@register
class ListReduce(Family):
    name, platform, summary = "list_reduce", "codeforces", "sum/max/min of a line of integers, plus C"

    def sample_params(self, rng):
        return {"red": rng.choice(["sum", "max", "min"]), "c": rng.randint(-9, 9)}

    def sample_input(self, rng, p):
        return int_list(rng)

    def prompt(self, p):
        c = p["c"]
        tail = f" plus {c}" if c > 0 else f" minus {-c}" if c < 0 else ""
        return f"Read a line of integers. Print their {REDUCE_NAMES[p['red']]}{tail}."

    def code(self, p):
        c = p["c"]
        arg = "input().split()" if p["red"] == "len" else "map(int,input().split())"
        return f"print({p['red']}({arg})" + (f"+{c}" if c > 0 else f"-{-c}" if c < 0 else "") + ")"

    def answer(self, p, data):
        return REDUCE_FN[p["red"]](data) + p["c"]

    def perturb(self, p):
        c = p["c"]
        return [(f"{p['red']} → {r}", {**p, "red": r}) for r in REDUCE_NEAR[p["red"]]] + [
            (f"C {c}→{c + 1}", {**p, "c": c + 1}), (f"C {c}→{c - 1}", {**p, "c": c - 1})]


CHAR_CLASSES = {  # name: (phrase, code, function, input alphabet)
    "vowel": ("lower-case vowels", "sum(c in 'aeiou' for c in input())", lambda c: c in "aeiou", "lower"),
    "digit": ("digits", "sum(c.isdigit() for c in input())", str.isdigit, "digits"),
    "upper": ("upper-case letters", "sum(c.isupper() for c in input())", str.isupper, "mixed"),
    "lower": ("lower-case letters", "sum(c.islower() for c in input())", str.islower, "mixed"),
    # only as wrong variants
    "alpha": ("", "sum(c.isalpha() for c in input())", str.isalpha, ""),
    "len": ("", "len(input())", lambda c: True, ""),
    "nonvowel": ("", "sum(c not in 'aeiou' for c in input())", lambda c: c not in "aeiou", ""),
    "aeio": ("", "sum(c in 'aeio' for c in input())", lambda c: c in "aeio", ""),
    "eiou": ("", "sum(c in 'eiou' for c in input())", lambda c: c in "eiou", ""),
}
CHAR_NEAR = {"vowel": ["aeio", "eiou", "nonvowel", "len"], "digit": ["alpha", "len", "lower"],
             "upper": ["lower", "alpha", "len"], "lower": ["upper", "alpha", "len"]}
LOWER = "abcdefghijklmnopqrstuvwxyz"


@register
class CountChars(Family):
    name, platform, summary = "count_chars", "codeforces", "count the characters of a class, or one letter"

    def sample_params(self, rng):
        if rng.random() < 0.4:
            return {"cls": rng.choice(["vowel", "digit", "upper", "lower"]), "ch": ""}
        return {"cls": "letter", "ch": rng.choice(LOWER)}

    def sample_input(self, rng, p):
        n = rng.randint(8, 14)
        if p["cls"] == "letter":  # the letter and its neighbours, so off-by-one letters are caught
            ch = p["ch"]
            pool = LOWER + ch * 4 + (chr(ord(ch) + 1) if ch != "z" else "") * 2 + (chr(ord(ch) - 1) if ch != "a" else "") * 2
            return "".join(rng.choice(pool) for _ in range(n))
        alphabet = {"lower": LOWER, "digits": LOWER + "0123456789" * 2,
                    "mixed": LOWER + LOWER.upper()}[CHAR_CLASSES[p["cls"]][3]]
        return "".join(rng.choice(alphabet) for _ in range(n))

    def prompt(self, p):
        what = f"letters '{p['ch']}'" if p["cls"] == "letter" else CHAR_CLASSES[p["cls"]][0]
        return f"Read a string. Print the number of {what} in it."

    def code(self, p):
        if p["cls"] == "letter":
            return f"print(input().count('{p['ch']}'))"
        return f"print({CHAR_CLASSES[p['cls']][1]})"

    def answer(self, p, data):
        if p["cls"] == "letter":
            return data.count(p["ch"])
        return sum(map(CHAR_CLASSES[p["cls"]][2], data))

    def perturb(self, p):
        if p["cls"] == "letter":
            ch = p["ch"]
            near = [chr(ord(ch) + d) for d in (1, -1) if "a" <= chr(ord(ch) + d) <= "z"]
            return [(f"'{ch}' → '{n}'", {**p, "ch": n}) for n in near] + [("count → len", {"cls": "len", "ch": ""})]
        return [(f"{p['cls']} → {c}", {"cls": c, "ch": ""}) for c in CHAR_NEAR[p["cls"]]]


DIVISORS = (3, 6, 7, 9, 11, 12, 13, 14, 15, 17, 18, 19, 21, 22, 23)  # not 2^a·5^b: x/k rarely terminates


@register
class Divide(Family):
    name, platform, fmt = "divide", "codeforces", "float_noise"
    summary = "sum/max/min of a line divided by K; print(s/7) shows 17 digits"

    def sample_params(self, rng):
        return {"red": rng.choice(["sum", "max", "min"]), "k": rng.choice(DIVISORS), "digits": 6}

    def sample_input(self, rng, p):
        return int_list(rng, 1, 30)

    def prompt(self, p):
        return (f"Read a line of integers. Print their {REDUCE_NAMES[p['red']]} divided by {p['k']}, "
                f"rounded to 6 decimal places.")

    def code(self, p):
        arg = "input().split()" if p["red"] == "len" else "map(int,input().split())"
        return f"print(round({p['red']}({arg})/{p['k']},{p['digits']}))"

    def answer(self, p, data):
        return round(REDUCE_FN[p["red"]](data) / p["k"], p["digits"])

    def variants(self, p):
        return [Program("float_noise", f"print({p['red']}(map(int,input().split()))/{p['k']})",
                        lambda d: printed(REDUCE_FN[p["red"]](d) / p["k"]))]

    def perturb(self, p):
        k = p["k"]
        return [(f"{p['red']} → {r}", {**p, "red": r}) for r in REDUCE_NEAR[p["red"]]] + [
            (f"k {k}→{k + 1}", {**p, "k": k + 1}), ("rounded to 2 digits", {**p, "digits": 2})]


WORD_OPS = {  # name: (expression over input().split(), phrase, function of the word list and k)
    "rev": ("input().split()[::-1]", "the words in reverse order", lambda ws, k: ws[::-1]),
    "sort": ("sorted(input().split())", "the words in alphabetical order", lambda ws, k: sorted(ws)),
    "first": ("input().split()[:{k}]", "the first {k} words", lambda ws, k: ws[:k]),
    "last": ("input().split()[-{k}:]", "the last {k} words", lambda ws, k: ws[-k:]),
    "drop": ("input().split()[{k}:]", "all words except the first {k}", lambda ws, k: ws[k:]),
    "step": ("input().split()[::{k}]", "every {nth} word, starting with the first", lambda ws, k: ws[::k]),
    "rsort": ("sorted(input().split())[::-1]", "the words in reverse alphabetical order", lambda ws, k: sorted(ws)[::-1]),
    "droplast": ("input().split()[:-{k}]", "all words except the last {k}", lambda ws, k: ws[:-k]),
    # only as wrong variants
    "same": ("input().split()", "", lambda ws, k: ws),
    "rev1": ("input().split()[:0:-1]", "", lambda ws, k: ws[:0:-1]),
    "rev2": ("input().split()[-2::-1]", "", lambda ws, k: ws[-2::-1]),
    "step1": ("input().split()[1::{k}]", "", lambda ws, k: ws[1::k]),
}
WORD_NEAR = {"rev": ["same", "rev1", "rev2"], "sort": ["rsort", "same", "rev"], "rsort": ["sort", "rev", "same"],
             "first": ["last"], "last": ["first"], "drop": ["first"], "droplast": ["last", "drop"], "step": ["step1"]}


@register
class WordSelect(Family):
    name, platform, fmt = "word_select", "codeforces", "line_breaks"
    summary = "reverse/sort/slice a line of words; one word a line is the format variant"

    def sample_params(self, rng):
        op = rng.choice(["rev", "sort", "rsort", "first", "last", "drop", "droplast", "step"])
        k = 0 if op in ("rev", "sort", "rsort") else rng.randint(2, 4) if op == "step" else rng.randint(2, 5)
        return {"op": op, "k": k}

    def sample_input(self, rng, p):
        return word_list(rng, (6, 9))

    def prompt(self, p):
        phrase = WORD_OPS[p["op"]][1].format(k=p["k"], nth=ORDINAL.get(p["k"], ""))
        return f"Read a line of words. Print {phrase}, separated by spaces."

    def _expr(self, p):
        return WORD_OPS[p["op"]][0].format(k=p["k"])

    def code(self, p):
        return f"print(*{self._expr(p)})"

    def answer(self, p, data):
        return WORD_OPS[p["op"]][2](data, p["k"])

    def variants(self, p):
        return [Program("line_breaks", f"for w in {self._expr(p)}:\n    print(w)", lambda d: lines(self.answer(p, d))),
                Program("trailing_space", f"print(' '.join({self._expr(p)})+' ')",
                        lambda d: " ".join(self.answer(p, d)) + " \n")]

    def perturb(self, p):
        k = p["k"]
        out = [(f"{p['op']} → {o}", {**p, "op": o}) for o in WORD_NEAR[p["op"]]]
        if k:
            out += [(f"k {k}→{k + 1}", {**p, "k": k + 1}), (f"k {k}→{k - 1}", {**p, "k": k - 1})]
        return out


# ---------------------------------------------------------------------------------------------- call, LeetCode


@register
class MapList(Family):
    name, style, platform, summary = "map_list", "call", "leetcode", "f(xs) returns [x OP K for x in xs]"

    def sample_params(self, rng):
        return {"op": rng.choice(list(ARITH)), "k": rng.randint(2, 9)}

    def sample_input(self, rng, p):
        return int_list(rng, -9, 30)

    def fn_name(self, p):
        return "f"

    def prompt(self, p):
        return f"Write a function f(xs) that returns the list of x{p['op']}{p['k']} for each integer x in xs."

    def code(self, p):
        return f"def f(xs):\n    return [x{p['op']}{p['k']} for x in xs]"

    def answer(self, p, data):
        return [ARITH[p["op"]](x, p["k"]) for x in data]

    def perturb(self, p):
        op, k = p["op"], p["k"]
        return [(f"{op} → {ARITH_SWAP[op]}", {**p, "op": ARITH_SWAP[op]}), (f"k {k}→{k + 1}", {**p, "k": k + 1}),
                (f"k {k}→{k - 1}", {**p, "k": k - 1})]


QUERY_KINDS = {  # kind: (method, phrase, code, function of nums and k)
    "count": ("countValue", "the number of times {k} appears in nums", "nums.count({k})", lambda xs, k: xs.count(k)),
    "index": ("firstIndex", "the index of the first {k} in nums", "nums.index({k})", lambda xs, k: xs.index(k)),
    "contains": ("containsValue", "True if {k} appears in nums, else False", "{k} in nums", lambda xs, k: k in xs),
    "at": ("elementAt", "the element of nums at index {k}", "nums[{k}]", lambda xs, k: xs[k]),
    # only as wrong variants
    "len": ("", "", "len(nums)", lambda xs, k: len(xs)),
    "notin": ("", "", "{k} not in nums", lambda xs, k: k not in xs),
    "neg": ("", "", "nums[-{k}]", lambda xs, k: xs[-k]),
}
QUERY_NEAR = {"count": ["len"], "index": ["count"], "contains": ["notin"], "at": ["neg"]}


@register
class SolutionQuery(Family):
    name, style, platform = "solution_query", "call", "leetcode"
    summary = "class Solution: count / first index / contains / element at a constant K"

    def sample_params(self, rng):
        kind = rng.choice(["count", "index", "contains", "at"])
        return {"kind": kind, "k": rng.randint(1, 9), "method": QUERY_KINDS[kind][0], "off": 0}

    def sample_input(self, rng, p):
        k = p["k"]
        if p["kind"] == "at":
            return (int_list(rng, 0, 20, (k + 2, k + 5)),)
        xs = [x for x in int_list(rng, 0, 9, (5, 9)) if x != k] + [k] * rng.choice([0, 1, 1, 2, 3])
        rng.shuffle(xs)
        return (xs,)

    def fn_name(self, p):
        return p["method"]

    def prompt(self, p):
        what = QUERY_KINDS[p["kind"]][1].format(k=p["k"])
        return f"Implement class Solution with a method {p['method']}(self, nums) that returns {what}."

    def code(self, p):
        off = p["off"]
        expr = QUERY_KINDS[p["kind"]][2].format(k=p["k"]) + (f"+{off}" if off > 0 else f"-{-off}" if off < 0 else "")
        return f"class Solution:\n    def {p['method']}(self, nums):\n        return {expr}"

    def answer(self, p, data):
        value = QUERY_KINDS[p["kind"]][3](data[0], p["k"])
        return value + p["off"] if p["off"] else value  # a bool stays a bool

    def perturb(self, p):
        k = p["k"]
        out = [(f"{p['kind']} → {n}", {**p, "kind": n}) for n in QUERY_NEAR[p["kind"]]]
        out += [(f"k {k}→{k + 1}", {**p, "k": k + 1}), (f"k {k}→{k - 1}", {**p, "k": k - 1})]
        if p["kind"] != "contains":
            out += [("result +1", {**p, "off": 1}), ("result -1", {**p, "off": -1})]
        return out


@register
class EnumeratePairs(Family):
    name, style, platform, fmt = "enumerate_pairs", "call", "leetcode", "nested_tuples"
    summary = "f(xs) returns [[i, x], ...] with i from K; list(enumerate(xs, K)) returns tuples"

    def sample_params(self, rng):
        return {"start": rng.randint(0, 15), "order": rng.choice(["ix", "xi"])}

    def sample_input(self, rng, p):
        return int_list(rng, 0, 30, (3, 6))

    def fn_name(self, p):
        return "f"

    def _pair(self, p):
        return "i, x" if p["order"] == "ix" else "x, i"

    def prompt(self, p):
        return (f"Write a function f(xs) that returns the list of pairs [{self._pair(p)}] for each integer x in xs "
                f"and its index i, counting from {p['start']}.")

    def code(self, p):
        return f"def f(xs):\n    return [[{self._pair(p)}] for i, x in enumerate(xs, {p['start']})]"

    def answer(self, p, data):
        return [[i, x] if p["order"] == "ix" else [x, i] for i, x in enumerate(data, p["start"])]

    def variants(self, p):
        if p["order"] == "ix":
            return [Program("nested_tuples", f"def f(xs):\n    return list(enumerate(xs, {p['start']}))",
                            lambda d: list(enumerate(d, p["start"])))]
        return [Program("nested_tuples", f"def f(xs):\n    return [(x, i) for i, x in enumerate(xs, {p['start']})]",
                        lambda d: [(x, i) for i, x in enumerate(d, p["start"])])]

    def perturb(self, p):
        s = p["start"]
        return [(f"start {s}→{s + 1}", {**p, "start": s + 1}), (f"start {s}→{s - 1}", {**p, "start": s - 1}),
                ("pair order swapped", {**p, "order": "xi" if p["order"] == "ix" else "ix"})]


@register
class MapDivide(Family):
    name, style, platform, fmt = "map_divide", "call", "leetcode", "float_noise"
    summary = "class Solution: [round(x/K, 6) for x in nums]; x/K alone differs beyond 6 digits"

    def sample_params(self, rng):
        return {"k": rng.choice(DIVISORS), "digits": rng.choice([6, 7, 8]), "div": "/"}

    def sample_input(self, rng, p):
        return (int_list(rng, 1, 40, (3, 6)),)

    def fn_name(self, p):
        return "divideAll"

    def prompt(self, p):
        return (f"Implement class Solution with a method divideAll(self, nums) that returns the list of x/{p['k']} "
                f"for each x in nums, rounded to {p['digits']} decimal places.")

    def code(self, p):
        return (f"class Solution:\n    def divideAll(self, nums):\n"
                f"        return [round(x{p['div']}{p['k']},{p['digits']}) for x in nums]")

    def answer(self, p, data):
        div = (lambda x, k: x / k) if p["div"] == "/" else (lambda x, k: x // k)
        return [round(div(x, p["k"]), p["digits"]) for x in data[0]]

    def variants(self, p):
        return [Program("float_noise",
                        f"class Solution:\n    def divideAll(self, nums):\n        return [x/{p['k']} for x in nums]",
                        lambda d: [x / p["k"] for x in d[0]])]

    def perturb(self, p):
        k = p["k"]
        return [("/ → //", {**p, "div": "//"}), (f"k {k}→{k + 1}", {**p, "k": k + 1}),
                (f"k {k}→{k - 1}", {**p, "k": k - 1}), ("rounded to 2 digits", {**p, "digits": 2})]
