"""`microcoder data prepare`: stream a source's rows into the prepared layout both backends read (contract 5).

    prepare("livecodebench", ["lcb/"], "data/lcb-v6", split="test", window="2025-02-01:2025-05-01", release="v6")
    # data/lcb-v6/test.parquet   verl rows: data_source, prompt (chat list), ability, reward_model{style,
    #                            ground_truth}, extra_info{index, id, split, source, platform, difficulty, style,
    #                            fn_name, date, options (JSON text), template}
    # data/lcb-v6/test.jsonl     our problem dicts (the ground truth plus source, question, prompt, messages …)
    # data/lcb-v6/manifest.json  per split: source, input, window, release, template, counts, rejected reasons

How: rows stream from the reader (parquet a batch at a time, JSONL a line at a time) through the source's parser;
the parquet is written by a `pyarrow.parquet.ParquetWriter` every `WRITE_BATCH` rows and the JSONL line by line,
into temporary files renamed at the end, so memory holds one batch, never the dataset. A malformed row is
reported with its file and row, counted and skipped; a row that parses but gives no usable problem is rejected
with its reason; rows outside `--window` are counted apart; the summary says how many of each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable, Iterator

from microcoder.evaluator.problems import ProblemError, problem_from_ground_truth

from .prompts import DEFAULT_TEMPLATE, PROMPTS, prompt_text, render
from .readers import SUFFIXES, count_rows, expand_inputs, hub_available, iter_hub, iter_rows
from .record import ProblemRecord, Rejected, RowError
from .sources import SOURCES

SPLITS = ("train", "test")
MANIFEST_VERSION = 1
WRITE_BATCH = 256
REPORT_FIRST = 20  # malformed/rejected rows printed one by one before only counting
KEEP_EXAMPLES = 200  # ... and kept in the manifest
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parquet_schema():
    import pyarrow as pa

    s = pa.string()
    return pa.schema([
        ("data_source", s),
        ("prompt", pa.list_(pa.struct([("role", s), ("content", s)]))),
        ("ability", s),
        ("reward_model", pa.struct([("style", s), ("ground_truth", s)])),
        ("extra_info", pa.struct([("index", pa.int64()), ("id", s), ("split", s), ("source", s), ("platform", s),
                                  ("difficulty", s), ("style", s), ("fn_name", s), ("date", s), ("options", s),
                                  ("template", s)])),
    ])


def parse_window(text: str | None) -> tuple[str | None, str | None] | None:
    """``START:END`` (ISO dates, either side may be empty) → (start, end); START inclusive, END exclusive."""
    if text is None:
        return None
    if text.count(":") != 1:
        raise ValueError(f"--window must be START:END (ISO dates, e.g. 2024-08-01:2025-05-01), got {text!r}")
    start, end = (part.strip() or None for part in text.split(":", 1))
    for part in (start, end):
        if part is not None and not _DATE.match(part):
            raise ValueError(f"--window: {part!r} is not an ISO date (YYYY-MM-DD)")
    if start and end and start >= end:
        raise ValueError(f"--window: START {start} must come before END {end}")
    return start, end


def in_window(date: str | None, window: tuple[str | None, str | None]) -> bool:
    start, end = window
    if date is None:
        return False
    return (start is None or date >= start) and (end is None or date < end)


def release_files(files: list[Path], release: str) -> list[Path]:
    """LiveCodeBench's cumulative releases: vN (or release_vN) = test.jsonl, test2.jsonl … testN.jsonl."""
    m = re.fullmatch(r"(?:release_)?v(\d+)", release)
    if not m or int(m.group(1)) < 1:
        raise ValueError(f"--release must be vN or release_vN (N ≥ 1), got {release!r}")
    n = int(m.group(1))
    wanted = ["test.jsonl"] + [f"test{k}.jsonl" for k in range(2, n + 1)]
    by_name = {f.name: f for f in files}
    missing = [w for w in wanted if w not in by_name]
    if missing:
        raise FileNotFoundError(f"--release {release}: missing {', '.join(missing)} among the input files")
    return [by_name[w] for w in wanted]


def verl_row(rec: ProblemRecord, gt_text: str, messages: list[dict], split: str, index: int, template: str) -> dict:
    return {
        "data_source": rec.source,
        "prompt": messages,
        "ability": "code",
        "reward_model": {"style": "rule", "ground_truth": gt_text},
        "extra_info": {"index": index, "id": rec.id, "split": split, "source": rec.source, "platform": rec.platform,
                       "difficulty": rec.difficulty, "style": rec.style, "fn_name": rec.fn_name, "date": rec.date,
                       "options": json.dumps(rec.options) if rec.options else None, "template": template},
    }


def jsonl_text(rec: ProblemRecord, gt: dict, gt_text: str, messages: list[dict], split: str, template: str) -> str:
    """Our JSONL line: the ground truth's keys (serialised once, shared with the parquet) plus the record's text."""
    rest = {"source": rec.source, "split": split, "title": rec.title, "date": rec.date, "question": rec.question,
            "prompt": prompt_text(messages), "messages": messages, "template": template, "extra": rec.extra}
    if "starter_code" not in gt:
        rest["starter_code"] = rec.starter_code
    return gt_text[:-1] + ", " + json.dumps(rest, ensure_ascii=False)[1:] + "\n"


def _rows(source: str, inputs: list[str], split: str, release: str | None) -> tuple[Iterator, int, bool]:
    src = SOURCES.get(source)
    paths_exist = all(Path(i).expanduser().exists() for i in inputs)
    looks_like_hub = len(inputs) == 1 and re.fullmatch(r"[\w.-]+/[\w.-]+(:[\w.-]+)?", inputs[0]) is not None \
        and not inputs[0].endswith(SUFFIXES) and not inputs[0].startswith(".")
    if not paths_exist and looks_like_hub and hub_available():
        kwargs = {"version_tag": f"release_{release.removeprefix('release_')}"} if release else {}
        return iter_hub(inputs[0], split, **kwargs), 0, True
    files = expand_inputs(inputs, src.file_pattern)
    if release:
        if src.name != "livecodebench":
            raise ValueError("--release applies to --source livecodebench only")
        files = release_files(files, release)
    return iter_rows(files), count_rows(files), False


def prepare(source: str, inputs: list[str] | str, out: str | Path, split: str = "train", window: str | None = None,
            limit: int | None = None, template: str = DEFAULT_TEMPLATE, release: str | None = None,
            log: Callable[[str], None] = lambda s: print(s, file=sys.stderr), progress: bool = True) -> dict:
    """Prepare one split of `source` from `inputs` into `out`; returns that split's manifest entry."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from microcoder.console import progress_bar

    inputs = [inputs] if isinstance(inputs, (str, Path)) else [str(i) for i in inputs]
    src = SOURCES.get(source)
    PROMPTS.get(template)
    if split not in SPLITS:
        raise ValueError(f"--split must be one of {', '.join(SPLITS)}, got {split!r}")
    if limit is not None and limit < 1:
        raise ValueError(f"--limit must be ≥ 1, got {limit}")
    win = parse_window(window)
    rows, total, from_hub = _rows(source, inputs, split, release)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pq_tmp, jl_tmp = out / f".{split}.parquet.tmp", out / f".{split}.jsonl.tmp"
    schema = parquet_schema()
    counts = Counter()
    rejected, malformed_reasons = Counter(), Counter()
    examples: list[dict] = []
    by = {k: Counter() for k in ("platform", "difficulty", "style")}
    seen: set[str] = set()
    batch: list[dict] = []
    display = ExitStack()  # the progress bar's display ends with the loop below, however it ends
    update = display.enter_context(progress_bar(total, f"prepare {source} {split}")) if progress else None

    def report(kind: str, where: str, msg: str) -> None:
        counts[kind] += 1
        (malformed_reasons if kind == "malformed" else rejected)[re.sub(r"\[\d+\]", "[i]", msg)] += 1
        if len(examples) < KEEP_EXAMPLES:
            examples.append({"kind": kind, "where": where, "reason": msg})
        if counts[kind] <= REPORT_FIRST:
            log(f"{where}: {kind}: {msg}")

    writer = pq.ParquetWriter(pq_tmp, schema)
    try:
        with open(jl_tmp, "w", encoding="utf-8") as jl:
            for where, row in rows:
                counts["read"] += 1
                if update is not None and counts["read"] % 64 == 0:
                    update(counts["read"])
                if isinstance(row, RowError):
                    report("malformed", where, str(row))
                    continue
                try:
                    rec = src.parse(row)
                except Rejected as e:
                    report("rejected", where, str(e))
                    continue
                except (RowError, KeyError, TypeError, AttributeError, ValueError) as e:
                    report("malformed", where, str(e) if isinstance(e, RowError) else f"{type(e).__name__}: {e}")
                    continue
                gt = rec.ground_truth()
                gt_text = json.dumps(gt, ensure_ascii=False)
                try:  # what we write must be what the judge reads (contract 1)
                    judged = problem_from_ground_truth(json.loads(gt_text) if rec.style == "call" else gt)
                except ProblemError as e:
                    report("rejected", where, f"the judge refuses it: {e}")
                    continue
                if rec.style == "call" and [t.output for t in judged.tests] != \
                        json.loads(json.dumps([t["output"] for t in rec.tests])):
                    report("rejected", where, "the judge would read its expected return values differently")
                    continue
                if win is not None and not in_window(rec.date, win):
                    counts["outside_window"] += 1
                    continue
                if rec.id in seen:
                    report("rejected", where, f"duplicate id {rec.id!r}")
                    continue
                seen.add(rec.id)
                messages = render(template, rec.question, rec.starter_code, rec.style, rec.fn_name)
                jl.write(jsonl_text(rec, gt, gt_text, messages, split, template))
                batch.append(verl_row(rec, gt_text, messages, split, counts["written"], template))
                counts["written"] += 1
                counts["tests"] += len(rec.tests)
                for k, c in by.items():
                    c[str(getattr(rec, k))] += 1
                if len(batch) >= WRITE_BATCH:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch.clear()
                if limit is not None and counts["written"] >= limit:
                    break
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    finally:
        writer.close()
        if update is not None:
            update(counts["read"])
        display.close()
    if counts["written"] == 0:
        pq_tmp.unlink(missing_ok=True)
        jl_tmp.unlink(missing_ok=True)
        raise ValueError(f"{source} {split}: no usable problem in {', '.join(inputs)} (read {counts['read']}, "
                         f"malformed {counts['malformed']}, rejected {counts['rejected']}, outside the window "
                         f"{counts['outside_window']})")
    os.replace(pq_tmp, out / f"{split}.parquet")
    os.replace(jl_tmp, out / f"{split}.jsonl")
    entry = {
        "source": source, "input": inputs, "hub": from_hub, "split": split, "window": window, "release": release,
        "limit": limit, "template": template,
        "counts": {k: counts[k] for k in ("read", "written", "malformed", "rejected", "outside_window", "tests")},
        "rejected": dict(rejected.most_common()), "malformed": dict(malformed_reasons.most_common()),
        "examples": examples, "by": {k: dict(c.most_common()) for k, c in by.items()},
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    write_manifest(out, split, entry)
    return entry


def write_manifest(out: Path, split: str, entry: dict) -> None:
    """manifest.json: the latest split's fields at the top level (contract 5) and every split under "splits"."""
    path = out / "manifest.json"
    old: dict[str, Any] = {}
    if path.is_file():
        try:
            old = json.loads(path.read_text())
        except json.JSONDecodeError:
            old = {}
    splits = dict(old.get("splits") or {})
    splits[split] = entry
    top = {k: v for k, v in entry.items() if k not in ("examples",)}
    path.write_text(json.dumps({"version": MANIFEST_VERSION, **top, "splits": splits}, indent=1, ensure_ascii=False))


def summary_line(entry: dict) -> str:
    c = entry["counts"]
    text = (f"{entry['source']} {entry['split']}: read {c['read']}, written {c['written']}, malformed {c['malformed']}"
            f", rejected {c['rejected']}")
    if entry.get("window"):
        text += f", outside window {entry['window']} {c['outside_window']}"
    return text
