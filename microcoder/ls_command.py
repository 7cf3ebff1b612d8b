"""`microcoder ls [WHAT]`: what each registry of the platform holds, a name and a one-line doc per entry.

    microcoder ls                 every registry
    microcoder ls masks           truncation masks (mask.mode)
    microcoder ls datasets        micro datasets and the prepared ones under $MICROCODER_DATA_DIR

The names are the values config keys, spec fields and commands accept (the same registries that check them and
list them in their errors), with each registry's one-line docs (`Registry.doc`). Each lister imports only its own
registry's module, and lazy entries are listed from their declarations: listing imports neither torch nor
matplotlib (tests/test_ls_command.py checks).
"""

from __future__ import annotations

import argparse
import importlib
from typing import Callable, Iterable

from microcoder.registry import summary_line

__all__ = ["LISTERS", "add_arguments", "entries", "run"]


def _registry(module: str, attr: str) -> Callable[[], Iterable[tuple[str, str]]]:
    """A lister of the registry `module.attr`: (name, Registry.doc(name)) per entry."""
    def lister() -> Iterable[tuple[str, str]]:
        reg = getattr(importlib.import_module(module), attr)
        return [(name, reg.doc(name)) for name in reg.names()]
    return lister


def _run_presets() -> Iterable[tuple[str, str]]:
    from microcoder.config import PRESET_DIR, preset_names

    return [(name, summary_line((PRESET_DIR / f"{name}.yaml").read_text()).lstrip("# ")) for name in preset_names()]


def _datasets() -> Iterable[tuple[str, str]]:
    from microcoder.data.resolve import data_dir, prepared_names

    out = list(_registry("microcoder.data.micro", "DATASETS")())
    return out + [(name, f"prepared, under {data_dir()}") for name in prepared_names()]


def _metrics() -> Iterable[tuple[str, str]]:
    from microcoder.metrics import MEANING

    return sorted(MEANING.items())


LISTERS: dict[str, tuple[str, Callable[[], Iterable[tuple[str, str]]]]] = {
    "backends": ("training backends (a sweep's `backend`)", _registry("microcoder.backends", "BACKENDS")),
    "evaluators": ("output comparators (reward.evaluator)", _registry(
        "microcoder.evaluator.comparators", "COMPARATORS")),
    "masks": ("truncation masks (mask.mode)", _registry("microcoder.recipe.mask_registry", "MASKS")),
    "schedules": ("temperature / length schedules (rollout.temperature, data.max_response_length kind)",
                  _registry("microcoder.recipe.schedules", "SCHEDULES")),
    "diversity": ("response diversity measures", _registry("microcoder.recipe.diversity", "DIVERSITY")),
    "models": ("model presets (model.preset) of the local backend", _registry("microcoder.models", "PRESETS")),
    "presets": ("run-config presets (microcoder train --preset, a spec's base)", _run_presets),
    "datasets": ("datasets of the local backend (data.train, data.test)", _datasets),
    "sources": ("dataset schemas `microcoder data prepare --source` reads", _registry(
        "microcoder.data.sources", "SOURCES")),
    "templates": ("prompt templates (data.prompt_template)", _registry("microcoder.data.prompts", "PROMPTS")),
    "figures": ("study figures (a spec's `figure`, microcoder figures)", _registry("analysis.figures", "FIGURES")),
    "metrics": ("metric names every backend logs (design.md §4)", _metrics),
}
"""what → (its heading, a function returning (name, one-line doc) pairs)."""


def entries(what: str) -> list[tuple[str, str]]:
    """(name, doc) of one registry; raises KeyError listing the valid names."""
    if what not in LISTERS:
        raise KeyError(f"unknown registry {what!r}; valid: {', '.join(LISTERS)}")
    return list(LISTERS[what][1]())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("List a registry's names with a one-line doc each: the values config keys, sweep specs "
                          "and commands accept. Without WHAT, every registry.")
    parser.add_argument("what", nargs="?", default=None, choices=list(LISTERS), metavar="WHAT",
                        help=f"one registry: {', '.join(LISTERS)} (default: all)")


def run(args: argparse.Namespace) -> int:
    for what in [args.what] if args.what else list(LISTERS):
        heading, _ = LISTERS[what]
        rows = entries(what)
        print(f"{what}: {heading}")
        width = max((len(n) for n, _ in rows), default=0)
        for name, doc in rows:
            print(f"  {name.ljust(width)}  {doc}".rstrip())
        if not rows:
            print("  (none)")
    return 0
