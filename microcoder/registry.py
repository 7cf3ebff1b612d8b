"""Named registries, one per ablation axis (evaluators, masks, schedules, diversity measures, backends, figures).

Why: every axis of the study is chosen by name in a config or a sweep spec, so a typo must fail loudly and say
what the valid names are, and two implementations must never silently share a name. Names must be known without
importing what they name: the run config checks `mask.mode` at load and `microcoder ls` lists every registry, and
neither should pay for torch or matplotlib.

    EVALUATORS = Registry("evaluator")

    @EVALUATORS.register("strict")        # eager: the object is at hand
    def strict(...): ...

    MASKS.add_lazy("conditional", "microcoder.recipe.truncation_mask:conditional_mask", "MicroCoder-GRPO's mask.")
    MASKS.names()                         # known now, nothing imported
    MASKS.get("conditional")              # imports the module on first use (as lm-eval-harness's registry does)

    EVALUATORS.get("strikt")  # KeyError: unknown evaluator 'strikt'; valid: microcoder, strict; did you mean 'strict'?

A lazy entry's target is "module:attr" (the object is that attribute, or what the module registers under the name
while it is imported) or "module" (the module must register the name). `get` checks on import that the module did
one of these, and that a name it registered is the attribute the declaration points to.
"""

from __future__ import annotations

import difflib
import importlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterable, Iterator, Optional, TypeVar

__all__ = ["Registry", "RegistryError", "did_you_mean", "summary_line"]

T = TypeVar("T")

SUMMARY_CHARS = 110
_ABBREVIATION = re.compile(r"\b(?:et al|e\.g|i\.e|cf|vs)\.$")  # a ". " after these does not end the sentence


def did_you_mean(word: Any, candidates: Iterable[str] | Mapping[str, str], cutoff: float = 0.6) -> str:
    """"; did you mean 'x'?" for the candidate closest to `word` (difflib ratio >= cutoff), else "".

    Candidates given as a mapping are matched by key and suggested by value (a bare name → its dotted key)."""
    shown = candidates if isinstance(candidates, Mapping) else {c: c for c in candidates}
    close = difflib.get_close_matches(str(word), list(shown), n=1, cutoff=cutoff)
    return f"; did you mean {shown[close[0]]!r}?" if close else ""


def summary_line(text: Any) -> str:
    """The first sentence of a docstring's first paragraph, at most SUMMARY_CHARS characters."""
    para = []
    for line in str(text or "").strip().splitlines():
        if not line.strip():
            break
        para.append(line.strip())
    summary = " ".join(para)
    cut = next((m.start() for m in re.finditer(r"\. ", summary) if not _ABBREVIATION.search(summary, 0, m.start() + 1)),
               -1)
    summary = summary[: cut + 1] if cut >= 0 else summary
    return summary if len(summary) <= SUMMARY_CHARS else summary[: SUMMARY_CHARS - 1].rstrip() + "…"


class RegistryError(KeyError):
    """A lookup of an unknown name, a second registration under a taken name, or a lazy entry its module
    does not provide."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it readable
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class _Lazy:
    module: str
    attr: str  # "" when the module registers the name itself

    @property
    def target(self) -> str:
        return f"{self.module}:{self.attr}" if self.attr else self.module


class Registry(Generic[T]):
    """A name → object mapping that refuses duplicates and lists the valid names on a failed lookup.

    `describe(obj)` gives an entry's one-line doc for `microcoder ls` (default: the first sentence of its
    docstring); a lazy entry's doc given at declaration is used without importing it."""

    def __init__(self, kind: str, describe: Optional[Callable[[T], str]] = None):
        self.kind = kind
        self.describe = describe
        self._items: dict[str, T] = {}
        self._lazy: dict[str, _Lazy] = {}  # declared, not yet imported
        self._docs: dict[str, str] = {}  # one-line docs given at declaration

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: register the decorated object under `name` (raises if the name is taken)."""

        def deco(obj: T) -> T:
            self.add(name, obj)
            return obj

        return deco

    def add(self, name: str, obj: T) -> None:
        """Register `obj` under `name`. A lazily declared name may be registered once, by its declared module."""
        lazy = self._lazy.get(name)
        if name in self._items or (lazy is not None and lazy.module not in sys.modules):
            raise RegistryError(f"{self.kind} {name!r} is already registered"
                                + (f" (declared in {lazy.target})" if lazy else ""))
        self._items[name] = obj

    def add_lazy(self, name: str, target: str, doc: str = "") -> None:
        """Declare `name` without importing it: `target` is "module:attr" or "module" (see the module docstring);
        `doc` is its one line for `microcoder ls`."""
        if name in self:
            raise RegistryError(f"{self.kind} {name!r} is already registered")
        module, _, attr = target.partition(":")
        self._lazy[name] = _Lazy(module, attr)
        if doc:
            self._docs[name] = doc

    def get(self, name: str) -> T:
        if name in self._items and name not in self._lazy:
            return self._items[name]
        lazy = self._lazy.get(name) if isinstance(name, str) else None
        if lazy is None:
            raise RegistryError(self.unknown_message(name))
        module = importlib.import_module(lazy.module)
        defined = getattr(module, lazy.attr, None) if lazy.attr else None
        if name not in self._items:
            if defined is None:
                raise RegistryError(f"{self.kind} {name!r} is declared as {lazy.target}, but importing "
                                    f"{lazy.module} neither registers it nor defines {lazy.attr or 'it'}")
            self._items[name] = defined
        elif lazy.attr and defined is not self._items[name]:
            raise RegistryError(f"{self.kind} {name!r} is declared as {lazy.target}, but {lazy.module} "
                                f"registers another object under that name")
        del self._lazy[name]
        return self._items[name]

    def doc(self, name: str) -> str:
        """The entry's one-line doc: the declared one of a lazy entry, else `describe(obj)` or its docstring's
        first sentence."""
        if name in self._docs:
            return self._docs[name]
        obj = self.get(name)
        return self.describe(obj) if self.describe else summary_line(getattr(obj, "__doc__", ""))

    def unknown_message(self, name: Any) -> str:
        return f"unknown {self.kind} {name!r}; valid: {', '.join(self.names())}{did_you_mean(name, self.names())}"

    def names(self) -> list[str]:
        """Every name, lazy ones included; imports nothing."""
        return sorted({*self._items, *self._lazy})

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())
