"""Named registries, one per ablation axis (evaluators, masks, schedules, diversity measures, backends, figures).

Why: every axis of the study is chosen by name in a config or a sweep spec, so a typo must fail loudly and say
what the valid names are, and two implementations must never silently share a name.

    EVALUATORS = Registry("evaluator")

    @EVALUATORS.register("strict")
    def strict(...): ...

    EVALUATORS.get("strikt")  # KeyError: unknown evaluator 'strikt'; valid: microcoder, strict
"""

from __future__ import annotations

import difflib
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class RegistryError(KeyError):
    """A lookup of an unknown name, or a second registration under a taken name."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it readable
        return str(self.args[0]) if self.args else ""


class Registry(Generic[T]):
    """A name → object mapping that refuses duplicates and lists the valid names on a failed lookup."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: register the decorated object under `name` (raises if the name is taken)."""

        def deco(obj: T) -> T:
            self.add(name, obj)
            return obj

        return deco

    def add(self, name: str, obj: T) -> None:
        if name in self._items:
            raise RegistryError(f"{self.kind} {name!r} is already registered")
        self._items[name] = obj

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise RegistryError(self.unknown_message(name)) from None

    def unknown_message(self, name: str) -> str:
        msg = f"unknown {self.kind} {name!r}; valid: {', '.join(self.names())}"
        close = difflib.get_close_matches(str(name), self.names(), n=1)
        return msg + (f" (did you mean {close[0]!r}?)" if close else "")

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)
