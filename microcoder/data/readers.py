"""Stream rows out of local dataset files (parquet, JSONL, JSON) or, when online, a `datasets` hub name.

Why: a full LiveCodeBench release with its private tests is gigabytes; `data prepare` must never hold it at once.
Parquet is read a batch of rows at a time (`ParquetFile.iter_batches`), JSONL a line at a time; a JSON file (an
array of rows) is the one format read whole, since JSON has no streaming reader in the standard library.

    for where, row in iter_rows(["release/test.jsonl", "release/test2.jsonl"]):
        ...  # where = "release/test.jsonl:17"; row is a dict, or a RowError for a malformed line

A folder expands to its *.parquet, *.jsonl and *.json files in name order (LiveCodeBench's cumulative release files
test.jsonl, test2.jsonl … sort as released). A hub name is used only if no such path exists and the `datasets`
package is importable; tests never reach the hub.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from .record import RowError

SUFFIXES = (".parquet", ".jsonl", ".json")
BATCH_ROWS = 64


def _natural(path: Path) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name)]


def expand_inputs(inputs: list[str], pattern: str | None = None) -> list[Path]:
    """Existing files of `inputs` (folders expanded, natural name order); raises FileNotFoundError for a path
    that does not exist, naming it. `pattern`: a glob a folder's files must match (e.g. ``test*.jsonl``)."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item).expanduser()
        if p.is_dir():
            files = sorted((f for f in p.iterdir() if f.is_file() and f.suffix in SUFFIXES
                            and (pattern is None or f.match(pattern))), key=_natural)
            if not files:
                raise FileNotFoundError(f"{p}: no {'/'.join(SUFFIXES)} files" + (f" matching {pattern}" if pattern else ""))
            out.extend(files)
        elif p.is_file():
            if p.suffix not in SUFFIXES:
                raise ValueError(f"{p}: unsupported file type {p.suffix!r}; supported: {', '.join(SUFFIXES)}")
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    return out


def count_rows(files: list[Path]) -> int:
    """Rows in all files, cheaply (parquet metadata; newline count for JSONL); a progress bar's total."""
    total = 0
    for f in files:
        if f.suffix == ".parquet":
            import pyarrow.parquet as pq

            total += pq.ParquetFile(f).metadata.num_rows
        elif f.suffix == ".jsonl":
            with open(f, "rb") as fh:
                while chunk := fh.read(1 << 22):
                    total += chunk.count(b"\n")
        else:
            total += 0  # a JSON array's length is known only once read
    return total


def iter_file(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, row) for each row of one file; a malformed row comes as (where, RowError)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        n = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
            for row in batch.to_pylist():
                n += 1
                yield f"{path}:row {n}", row
    elif path.suffix == ".jsonl":
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = f"{path}:{n}"
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    yield where, RowError(f"invalid JSON ({e.msg} at column {e.colno})")
                    continue
                yield where, row if isinstance(row, dict) else RowError(f"a row must be a JSON object, got "
                                                                         f"{type(row).__name__}")
    else:
        with open(path, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as e:
                yield f"{path}:line {e.lineno}", RowError(f"invalid JSON ({e.msg})")
                return
        if isinstance(data, dict):
            data = data.get("data", data.get("rows", [data]))
        if not isinstance(data, list):
            yield str(path), RowError("a JSON file must hold an array of rows (or {\"data\": [...]})")
            return
        for n, row in enumerate(data, 1):
            where = f"{path}:item {n}"
            yield where, row if isinstance(row, dict) else RowError(f"a row must be an object, got "
                                                                     f"{type(row).__name__}")


def prepared_lines(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) per non-blank line of a JSONL file we wrote (a prepared split): strict, unlike
    `iter_file`, since a broken line there is a broken dataset — raises ValueError naming file and line."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{lineno}: invalid JSON ({e.msg})") from None


def iter_rows(files: list[Path]) -> Iterator[tuple[str, Any]]:
    for f in files:
        yield from iter_file(f)


def hub_available() -> bool:
    try:
        import datasets  # noqa: F401
    except ImportError:
        return False
    return True


def iter_hub(name: str, split: str, config: str | None = None, **kwargs) -> Iterator[tuple[str, Any]]:
    """Stream a hub dataset (online only). `name` may carry a config as ``owner/name:config``."""
    if not hub_available():
        raise FileNotFoundError(f"{name}: no such file or folder, and the `datasets` package (for hub names) is "
                                f"not installed")
    import datasets

    if ":" in name and config is None:
        name, config = name.split(":", 1)
    ds = datasets.load_dataset(name, config, split=split, streaming=True, **kwargs)
    for n, row in enumerate(ds, 1):
        yield f"{name}[{split}]:row {n}", row
