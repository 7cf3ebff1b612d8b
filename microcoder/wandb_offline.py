"""Read a W&B offline run back (id, names, config, history) without syncing it anywhere.

What: `read_offline_run(path)` parses the `run-<id>.wandb` file(s) that `wandb.init(mode="offline")` writes under
`<dir>/wandb/offline-run-<time>-<id>/` and returns
    {"id", "project", "group", "job_type", "name", "tags", "config": dict, "history": [{"_step": 0, ...}, ...],
     "summary": dict, "metrics": dict, "exit_code": int | None, "segments": int, "skipped": int}
`path` may be the `.wandb` file, its offline-run directory, or a directory holding `wandb/offline-run-*`
(a run store's directory): then every offline segment found there is merged in start-time order, as a
restarted run resumes the same W&B id in a new offline directory. A later segment replaces the history rows
at or after its first step, which mirrors `RunStore.resume_from`.

Why: tests and the offline analysis must check what W&B would upload, and wandb 0.31 ships no public reader
of its offline files (design.md §6; its old Python `datastore` module is gone: the writer is the Go
`wandb-core`). The file is a LevelDB-style log of protobuf `wandb.proto.wandb_internal_pb2.Record`s:
    header  ":W&B" + magic 0xBEE1 (uint16 LE) + version 0 (uint8)    7 bytes
    blocks  of 32 KiB (counted from the start of the file); each chunk = crc32 (uint32 LE, zlib crc32 of the
            type byte then the data) + length (uint16 LE) + type (uint8: 1 full, 2 first, 3 middle, 4 last)
            + data; fewer than 7 bytes left in a block are zero padding.
Checked against wandb 0.31.0 (pinned): a later wandb may change the format.

`metrics` holds the run's `define_metric` declarations: name (or `prefix*` glob) → {"step_metric": str | None,
"summary": [ops], "hidden": bool}.

What it does not do: read media, artifacts, files or console output; it keeps history, config, summary and the
metric declarations.
A file torn by a killed writer is read up to the tear (counted in `skipped` only when a chunk fails its
checksum); history values come back as JSON decodes them (NaN and ±inf included).

How: `read_offline_run(store.dir)["history"]` or `python -m microcoder.wandb_offline <path>` (prints JSON).
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from pathlib import Path
from typing import Any, Iterator, Union

__all__ = ["WandbFormatError", "offline_run_files", "read_offline_run", "read_records"]

HEADER = b":W&B" + struct.pack("<HB", 0xBEE1, 0)
BLOCK_SIZE = 32 * 1024
CHUNK_HEADER = struct.Struct("<IHB")  # crc32, length, type
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
_TYPE_CRC = {t: zlib.crc32(bytes([t])) for t in (FULL, FIRST, MIDDLE, LAST)}


class WandbFormatError(ValueError):
    """The file is not a W&B offline run file of the format this reader knows."""


def _chunks(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, data) of every chunk whose checksum holds; a bad chunk ends its block (yielded as (0, b""))."""
    pos = len(HEADER)
    while pos + CHUNK_HEADER.size <= len(data):
        left = BLOCK_SIZE - pos % BLOCK_SIZE
        if left < CHUNK_HEADER.size:  # block trailer padding
            pos += left
            continue
        crc, length, kind = CHUNK_HEADER.unpack_from(data, pos)
        if kind == 0 and length == 0 and crc == 0:  # zero padding (preallocated or torn tail)
            pos += left
            continue
        body = data[pos + CHUNK_HEADER.size : pos + CHUNK_HEADER.size + length]
        if len(body) < length:  # the writer was stopped mid-chunk
            return
        if kind not in _TYPE_CRC or zlib.crc32(body, _TYPE_CRC[kind]) != crc:
            yield 0, b""
            pos += left  # skip the rest of this block, as LevelDB does
            continue
        yield kind, body
        pos += CHUNK_HEADER.size + length


def read_records(path: Union[str, Path]) -> tuple[list[Any], int]:
    """The protobuf `Record`s of one `.wandb` file and the number of chunks/records that failed to read."""
    from wandb.proto import wandb_internal_pb2 as pb

    data = Path(path).read_bytes()
    if not data.startswith(HEADER):
        raise WandbFormatError(f"{path}: not a W&B offline run file (header {data[:7]!r}, expected {HEADER!r})")
    records, skipped, pending = [], 0, None
    for kind, body in _chunks(data):
        if kind == 0:
            skipped += 1
            pending = None
            continue
        if kind in (FULL, FIRST) and pending is not None:  # a multi-chunk record that never ended
            skipped += 1
        if kind == FULL:
            payloads = [body]
            pending = None
        elif kind == FIRST:
            pending, payloads = bytearray(body), []
        elif pending is None:  # a MIDDLE/LAST without its FIRST
            skipped += 1
            continue
        else:
            pending += body
            payloads = []
            if kind == LAST:
                payloads, pending = [bytes(pending)], None
        for payload in payloads:
            rec = pb.Record()
            try:
                rec.ParseFromString(payload)
            except Exception:  # noqa: BLE001 - a corrupt record is counted, not fatal
                skipped += 1
                continue
            records.append(rec)
    return records, skipped


def offline_run_files(path: Union[str, Path]) -> list[Path]:
    """The `.wandb` files under `path`: the file itself, one offline-run directory, a `wandb/` directory, or a
    directory holding `wandb/` (e.g. a run store's directory). Unordered; see `read_offline_run`."""
    p = Path(path)
    if p.is_file():
        return [p]
    for base in (p, p / "wandb"):
        direct = sorted(base.glob("run-*.wandb"))
        if direct:
            return direct
        nested = sorted(base.glob("offline-run-*/run-*.wandb"))
        if nested:
            return nested
    return []


def _key(item: Any) -> str:
    return item.key if item.key else ".".join(item.nested_key)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _set_nested(target: dict, item: Any) -> None:
    if item.key or len(item.nested_key) <= 1:
        target[_key(item)] = _value(item.value_json)
        return
    node = target
    for part in item.nested_key[:-1]:
        node = node.setdefault(part, {})
    node[item.nested_key[-1]] = _value(item.value_json)


def _read_segment(path: Path) -> dict:
    records, skipped = read_records(path)
    seg: dict[str, Any] = {
        "id": None, "project": None, "group": None, "job_type": None, "name": None, "tags": [],
        "config": {}, "history": [], "summary": {}, "metrics": {}, "exit_code": None, "skipped": skipped,
        "start": (0, 0),
    }
    for rec in records:
        kind = rec.WhichOneof("record_type")
        if kind == "run":
            run = rec.run
            seg.update(id=run.run_id, project=run.project, group=run.run_group or None,
                       job_type=run.job_type or None, name=run.display_name or None, tags=list(run.tags),
                       start=(run.start_time.seconds, run.start_time.nanos))
            for item in run.config.update:
                _set_nested(seg["config"], item)
        elif kind == "config":
            for item in rec.config.update:
                _set_nested(seg["config"], item)
            for item in rec.config.remove:
                seg["config"].pop(_key(item), None)
        elif kind == "history":
            row = {_key(item): _value(item.value_json) for item in rec.history.item}
            row["_step"] = int(row.get("_step", rec.history.step.num))
            seg["history"].append(row)
        elif kind == "summary":
            for item in rec.summary.update:
                _set_nested(seg["summary"], item)
            for item in rec.summary.remove:
                seg["summary"].pop(_key(item), None)
        elif kind == "metric":
            m = rec.metric
            name = m.name or m.glob_name
            if name:
                known = seg["metrics"].setdefault(name, {"step_metric": None, "summary": [], "hidden": False})
                known["step_metric"] = m.step_metric or known["step_metric"]
                known["summary"] = [op for op in ("min", "max", "mean", "best", "last", "none", "first")
                                    if getattr(m.summary, op)] or known["summary"]
                known["hidden"] = known["hidden"] or m.options.hidden
        elif kind == "exit":
            seg["exit_code"] = rec.exit.exit_code
    seg["config"].pop("_wandb", None)
    seg["summary"].pop("_wandb", None)
    return seg


def read_offline_run(path: Union[str, Path]) -> dict:
    """Read a W&B offline run (see the module docstring for `path` and the result); raises FileNotFoundError
    when no `.wandb` file is found there."""
    files = offline_run_files(path)
    if not files:
        raise FileNotFoundError(f"no W&B offline run under {path} (looked for run-*.wandb, wandb/offline-run-*/)")
    segments = sorted((_read_segment(f) for f in files), key=lambda s: (s["start"], str(s["id"])))
    # a segment whose process was killed before W&B wrote its run record has no id and no rows: skip it
    torn = [s for s in segments if s["id"] is None and not s["history"]]
    segments = [s for s in segments if not (s["id"] is None and not s["history"])] or segments
    ids = {s["id"] for s in segments if s["id"] is not None}
    if len(ids) > 1:
        raise WandbFormatError(f"{path} holds offline runs of several W&B ids {sorted(map(str, ids))}: pass one")
    out: dict[str, Any] = {"config": {}, "history": [], "summary": {}, "metrics": {}, "skipped": len(torn),
                           "segments": len(segments)}
    for seg in segments:
        if seg["history"]:
            first = seg["history"][0]["_step"]
            out["history"] = [r for r in out["history"] if r["_step"] < first]
        out["history"] += seg["history"]
        out["config"].update(seg["config"])
        out["summary"].update(seg["summary"])
        out["metrics"].update(seg["metrics"])
        out["skipped"] += seg["skipped"]
        for key in ("id", "project", "group", "job_type", "name", "tags", "exit_code"):
            if seg[key] is not None or key not in out:
                out[key] = seg[key]
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m microcoder.wandb_offline <run-dir | offline-run-dir | run-*.wandb>", file=sys.stderr)
        return 2
    print(json.dumps(read_offline_run(args[0]), indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
