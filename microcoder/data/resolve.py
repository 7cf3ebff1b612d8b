"""Resolve a run config's `data.train` / `data.test` to problems for the local backend (verl reads the parquet
beside them; `microcoder.backends.verl.translate.data_files` resolves the same names).

    load_dataset("micro-hard", "test", n=200)            # generated micro problems (their embedded prompts)
    load_dataset("data/lcb-v6", "test")                  # a prepared folder: data/lcb-v6/test.jsonl
    load_dataset("lcb-v6", "test", template="plain")     # a name: $MICROCODER_DATA_DIR/lcb-v6/test.jsonl (./data)
    load_dataset("problems.jsonl")                       # a JSONL file of problems (our schema or verl records)

Prepared problems come back as `MicroProblem`s (the evaluator's `Problem` from the same ground truth verl judges,
and the prompt text) so the trainer treats both alike. With `template` the prompt is re-rendered from the stored
question and starter code (the run config's `data.prompt_template`); without it the prepared prompt is used. An
unknown name raises, listing the micro names and the prepared datasets found, and the paths looked at.
"""

from __future__ import annotations

import os
from pathlib import Path

from microcoder.evaluator.problems import problem_from_prepared_line
from microcoder.registry import RegistryError

from .micro import DATASETS as MICRO_DATASETS
from .micro import MicroProblem
from .micro import load_dataset as load_micro
from .prompts import prompt_text, render
from .readers import prepared_lines

class UnknownDataset(RegistryError):
    """A `data.train`/`data.test` value that names no micro set, prepared folder or file."""




def data_dir(environ=None) -> Path:
    """$MICROCODER_DATA_DIR (of `environ`, default this process's), else ./data."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("MICROCODER_DATA_DIR") or "data").expanduser()


def prepared_path(name: str, split: str, suffix: str = ".jsonl", root: Path | None = None) -> Path:
    """Where the `split` file of a prepared dataset `name` is (it may not exist): a folder, or a value with a path
    separator or a leading ".", holds it; a bare name is a folder under `root` (default `data_dir()`). The one rule
    both backends resolve names by (verl's parquet: translate.data_files)."""
    path = Path(name).expanduser()
    if path.is_dir() or os.sep in name or name.startswith("."):
        return path / f"{split}{suffix}"
    return (data_dir() if root is None else Path(root).expanduser()) / name / f"{split}{suffix}"


def prepared_names(root: Path | None = None) -> list[str]:
    """Prepared datasets under `root` (folders holding a manifest.json or a <split>.jsonl)."""
    root = data_dir() if root is None else root
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (
        (p / "manifest.json").is_file() or (p / "train.jsonl").is_file() or (p / "test.jsonl").is_file()))


def prepared_file(name: str, split: str) -> Path:
    """The <split>.jsonl a prepared `name` (a folder, or a name under `data_dir()`) stands for; raises listing
    the valid names and what was looked for."""
    tried = [prepared_path(name, split)]
    for f in tried:
        if f.is_file():
            return f
    names = list(MICRO_DATASETS.names()) + prepared_names()
    raise UnknownDataset(
        f"unknown dataset {name!r} for split {split!r}: looked for {', '.join(str(t) for t in tried)}; valid: "
        f"{', '.join(names)} (micro names, and prepared datasets under {data_dir()}), a prepared folder, or a "
        f".jsonl file; prepare one with `microcoder data prepare`")


def problem_from_line(d: dict, template: str | None = None) -> MicroProblem:
    """One prepared JSONL line (or a MicroCoder-format line with a prompt) → MicroProblem."""
    problem = problem_from_prepared_line(d)
    if template is not None and d.get("question"):
        prompt = prompt_text(render(template, d["question"], d.get("starter_code") or "", problem.style,
                                    problem.fn_name))
    else:
        prompt = d.get("prompt") or prompt_text(d.get("messages") or [])
    return MicroProblem(problem, prompt, family=d.get("source", ""), tier=d.get("difficulty") or "",
                        split=d.get("split", ""), params={}, correct=[])


def dataset_problem(name: str, split: str) -> str | None:
    """Why `name` cannot be loaded for `split` by the local backend (the message lists the valid names), or None.
    Looks only at names and files: nothing is read or generated."""
    if name in MICRO_DATASETS:
        return None
    path = Path(name).expanduser()
    if path.suffix == ".jsonl":
        return None if path.is_file() else f"{name}: no such JSONL file"
    try:
        prepared_file(name, split)
    except UnknownDataset as e:
        return str(e)
    return None


def load_prepared(name: str, split: str = "train", n: int | None = None, template: str | None = None) \
        -> list[MicroProblem]:
    return _problems_of(prepared_file(name, split), n, template)


def _problems_of(path: Path, n: int | None, template: str | None) -> list[MicroProblem]:
    """The problems of a prepared (or MicroCoder-format) JSONL file; a bad line raises naming file and line."""
    out: list[MicroProblem] = []
    for lineno, d in prepared_lines(path):
        try:
            out.append(problem_from_line(d, template))
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}:{lineno}: {e}") from None
        if n is not None and len(out) >= n:
            break
    return out


def load_dataset(name: str, split: str = "train", n: int | None = None, seed: int = 0,
                 template: str | None = None) -> list[MicroProblem]:
    """Problems for `data.train`/`data.test` = `name` (see the module docstring). `n`: the first n (generated
    sets: how many to generate); `template`: re-render prepared prompts (micro problems keep theirs)."""
    if name in MICRO_DATASETS:
        return load_micro(name, split, n=n, seed=seed)
    path = Path(name).expanduser()
    if path.suffix == ".jsonl" and path.is_file():
        first = next(prepared_lines(path), (0, {}))[1]  # a broken line raises naming the file and line
        if isinstance(first, dict) and "question" in first and "reward_model" not in first:
            return _problems_of(path, n, template)
        return load_micro(str(path), split, n=n, seed=seed)
    return load_prepared(name, split, n=n, template=template)
