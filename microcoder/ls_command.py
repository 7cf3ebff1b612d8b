"""`microcoder ls [WHAT]`: what each registry of the platform holds, a name and a one-line doc per entry.

    microcoder ls                 every registry
    microcoder ls masks           truncation masks (mask.mode)
    microcoder ls datasets        micro datasets and the prepared ones under $MICROCODER_DATA_DIR

The names are the values config keys, spec fields and commands accept (the same registries that check them and
list them in their errors). Each lister imports only its own registry's module.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any, Callable, Iterable

__all__ = ["LISTERS", "add_arguments", "entries", "run"]


SUMMARY_CHARS = 110


def _first_line(text: Any) -> str:
    """The first sentence of a docstring's first paragraph, at most SUMMARY_CHARS characters."""
    para = []
    for line in str(text or "").strip().splitlines():
        if not line.strip():
            break
        para.append(line.strip())
    summary = " ".join(para)
    cut = summary.find(". ")
    summary = summary[: cut + 1] if cut >= 0 else summary
    return summary if len(summary) <= SUMMARY_CHARS else summary[: SUMMARY_CHARS - 1].rstrip() + "…"


def _registry(module: str, attr: str, doc: Callable[[Any], str] = lambda obj: _first_line(obj.__doc__)):
    def lister() -> Iterable[tuple[str, str]]:
        reg = getattr(importlib.import_module(module), attr)
        return [(name, doc(reg.get(name))) for name in reg.names()]
    return lister


def _run_presets() -> Iterable[tuple[str, str]]:
    from microcoder.config import PRESET_DIR, preset_names

    return [(name, _first_line((PRESET_DIR / f"{name}.yaml").read_text()).lstrip("# ")) for name in preset_names()]


def _datasets() -> Iterable[tuple[str, str]]:
    from microcoder.data.micro import DATASETS
    from microcoder.data.resolve import data_dir, prepared_names

    out = [(name, f"generated micro problems, {DATASETS.get(name)} tier") for name in DATASETS.names()]
    return out + [(name, f"prepared, under {data_dir()}") for name in prepared_names()]


def _metrics() -> Iterable[tuple[str, str]]:
    from microcoder.metrics import MEANING

    return sorted(MEANING.items())


LISTERS: dict[str, tuple[str, Callable[[], Iterable[tuple[str, str]]]]] = {
    "backends": ("training backends (a sweep's `backend`)", _registry("microcoder.backends", "BACKENDS",
                                                                       lambda b: b.about)),
    "evaluators": ("output comparators (reward.evaluator)", _registry(
        "microcoder.evaluator.comparators", "COMPARATORS")),
    "masks": ("truncation masks (mask.mode)", _registry("microcoder.recipe.truncation_mask", "MASKS")),
    "schedules": ("temperature / length schedules (rollout.temperature, data.max_response_length kind)",
                  _registry("microcoder.recipe.schedules", "SCHEDULES")),
    "diversity": ("response diversity measures", _registry("microcoder.recipe.diversity", "DIVERSITY")),
    "models": ("model presets (model.preset) of the local backend", _registry("microcoder.models", "PRESETS")),
    "presets": ("run-config presets (microcoder train --preset, a spec's base)", _run_presets),
    "datasets": ("datasets of the local backend (data.train, data.test)", _datasets),
    "sources": ("dataset schemas `microcoder data prepare --source` reads", _registry(
        "microcoder.data.sources", "SOURCES", lambda s: s.about)),
    "templates": ("prompt templates (data.prompt_template)", _registry("microcoder.data.prompts", "PROMPTS")),
    "figures": ("study figures (a spec's `figure`, microcoder figures)", _registry(
        "analysis.figures", "FIGURES", lambda f: f"{f.title}" + (f" (study figure {f.study})" if f.study else ""))),
    "metrics": ("metric names every backend logs (design.md §4)", _metrics),
}
"""what → (its heading, a function returning (name, one-line doc) pairs)."""


def entries(what: str) -> list[tuple[str, str]]:
    """(name, doc) of one registry; raises KeyError listing the valid names."""
    if what not in LISTERS:
        raise KeyError(f"unknown registry {what!r}; valid: {', '.join(LISTERS)}")
    return list(LISTERS[what][1]())


def add_arguments(parser: argparse.ArgumentParser) -> None:
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
