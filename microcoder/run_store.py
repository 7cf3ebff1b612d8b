"""The run store: one directory per RL run holding its config, metrics, status, samples and checkpoints.

What: `RunStore` owns `runs/<sweep>/<run>/` (design.md §1):

    config.yaml     the fully resolved run config (`write_config` / `read_config`)
    metrics.jsonl   one JSON object per step, `{"step": 3, "train/accuracy": 0.41, ...}` (`log` / `read_metrics`)
    status.json     state (pending|running|finished|failed|killed) and facts about the run (`set_status`)
    samples/        `step_000010.jsonl`: rows of prompts/responses/rewards of one step (`write_samples`)
    checkpoints/    `global_step_<k>/`, verl's naming (`checkpoint_path`, `latest_checkpoint`)
    wandb/          written by W&B itself when `microcoder.tracking.Tracker` runs in this directory
    probes/         `<kind>.jsonl`: the probes' rows (`probe_path`; microcoder.probes)
    trial.json, stopped.json, worker.log
                    a sweep's supervisor: its attempts, the stop rule that ended the run, the worker's output
                    (`trial_path`, `stop_path`, `worker_log_path`; sweeps.supervisor)
    verl_metrics.jsonl
                    verl's file logger of a verl run, which run_verl tails (`verl_metrics_path`)

Why: it is the source of truth of a run. W&B is a view that may be offline, disabled or broken; the analysis,
Ray Tune and the sweep's resume logic read this directory. So it must survive the run being killed at any
moment: every logged step is flushed and fsync'ed before `log` returns, and files that are rewritten whole
(status, config, samples, a metrics rewind) are written to a temporary file and renamed over the old one.

Guarantees and limits:
  * After `log(step, ...)` returns, that step survives SIGKILL and (fsync) a power cut. A torn last line can only
    come from a write interrupted by the OS or the disk (not by SIGKILL: a small write() completes or does not
    start); `read_metrics` skips such lines and counts them, and the first write after reopening truncates the
    torn tail.
  * Steps strictly increase (`log` raises otherwise). A run restarted from its checkpoint at step k calls
    `resume_from(k)`: logged steps > k (and samples of steps > k) are dropped, so the re-run's steps k+1, ...
    neither duplicate nor skip any.
  * One writer per run directory (one process at a time); readers may read while it writes.
  * NaN and ±inf are written as the tokens `NaN`, `Infinity`, `-Infinity` (Python's json, also read by
    `pandas.read_json(lines=True)`). JSON has no such numbers: strict parsers (jq, JavaScript) reject them.

How:
    store = RunStore("runs", "kl_clip", "grpo-s0")
    store.write_config(to_dict(cfg)); store.set_status("running", pid=os.getpid())
    store.log(0, {"train/accuracy": 0.4}); store.write_samples(0, [{"prompt": ..., "response": ...}])
    step, path = store.latest_checkpoint() or (None, None)
    rows = store.read_metrics(); rows.skipped  # a list of dicts; the number of unreadable lines
"""

from __future__ import annotations

import dataclasses
import json
import operator
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, Union

import yaml

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = ["MetricRows", "RunStore", "RunStoreError", "STATES", "STATUS_FIELDS", "STOP_FILE", "TRIAL_FILE",
           "atomic_write", "plain_config", "utc_now"]

STATES = ("pending", "running", "finished", "failed", "killed")
"""Run states: pending (planned, not started), running, finished (completed), failed (raised), killed (stopped)."""

STATUS_FIELDS: dict[str, tuple[type, ...]] = {
    "started_at": (str,),  # ISO 8601 UTC time the run first started (utc_now())
    "ended_at": (str,),  # ISO 8601 UTC time it reached finished/failed/killed
    "updated_at": (str,),  # ISO 8601 UTC time of the last status write (set automatically)
    "error": (str,),  # the error text (traceback) of a failed run
    "wandb_id": (str,),  # the W&B run id, kept so that a restarted run resumes the same W&B run
    "wandb_error": (str,),  # why W&B was dropped for this run (the run store went on alone)
    "parent_run": (str,),  # a branch run's parent: "<sweep>/<run>"
    "parent_step": (int,),  # the parent's checkpoint step the branch started from
    "last_step": (int,),  # the last step logged to metrics.jsonl
    "pid": (int,),  # process id of the writer
    "host": (str,),  # host name of the writer
}
"""Fields of status.json besides `state`, with their types (each may also be None)."""

_STEP_FILE_RE = re.compile(r"^step_(\d+)\.jsonl$")
TRIAL_FILE = "trial.json"
STOP_FILE = "stopped.json"
_CHECKPOINT_RE = re.compile(r"^global_step_(\d+)$")
VERL_LATEST_FILE = "latest_checkpointed_iteration.txt"  # verl writes it after a checkpoint is complete


class RunStoreError(ValueError):
    """A misuse of the run store: a non-increasing step, an unknown state or status field, a bad name."""


class MetricRows(list):
    """The rows of metrics.jsonl (a list of dicts) with `.skipped`: the lines that could not be parsed."""

    skipped: int = 0


def utc_now() -> str:
    """The current time as ISO 8601 UTC text, e.g. 2026-01-31T12:00:00.123456+00:00 (the status times)."""
    return datetime.now(timezone.utc).isoformat()


def _check_name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise RunStoreError(f"{kind} name must be a non-empty path segment without '/', got {name!r}")
    return name


def _check_step(step: Any) -> int:
    """A step as an int >= 0 (Python or numpy integers; bools and floats are refused)."""
    if isinstance(step, bool):
        raise RunStoreError(f"step must be an int, got {step!r}")
    try:
        value = operator.index(step)
    except TypeError:
        raise RunStoreError(f"step must be an int, got {type(step).__name__} {step!r}") from None
    if value < 0:
        raise RunStoreError(f"step must be >= 0, got {value}")
    return value


def _json_default(obj: Any) -> Any:
    """JSON for numpy/torch scalars and arrays (anything with .item() / .tolist()), paths, and dataclasses."""
    if hasattr(obj, "item") and getattr(obj, "ndim", 0) == 0:
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    raise TypeError(f"{type(obj).__name__} {obj!r} is not JSON-serialisable")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, allow_nan=True, default=_json_default, ensure_ascii=False)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def atomic_write(path: Union[str, os.PathLike], data: Union[str, bytes]) -> None:
    """Write `data` to `path` so that readers see the old or the new file whole, never a mix; durable (the file
    and its folder are fsync'ed) when this returns. The one atomic write of the project (run store, sweep.json,
    trial and stop records, dashboard records, caches)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # as an ordinary file (mkstemp's 0600 would hide it from other users of the cluster)
        _write_all(fd, raw)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def _parse_line(line: bytes) -> Optional[dict]:
    """One metrics line → its dict with an int `step`, or None when it is torn or not a metrics row."""
    try:
        row = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(row, dict) or isinstance(row.get("step"), bool) or not isinstance(row.get("step"), int):
        return None
    return row


class RunStore:
    """The directory `<root>/<sweep>/<run>/` of one run; see the module docstring for the layout and guarantees.

    Nothing is created until something is written. Not safe for two writers at once.
    """

    def __init__(self, root: Union[str, os.PathLike], sweep: str, run: str):
        self.root = Path(root)
        self.sweep = _check_name("sweep", sweep)
        self.run = _check_name("run", run)
        self.dir = self.root / sweep / run
        self._last_step: Optional[int] = None  # the next logged step must be greater than this
        self._last_logged: Optional[int] = None  # the last step in metrics.jsonl
        self._opened = False  # the metrics file has been checked (torn tail repaired, last step read)

    @classmethod
    def at(cls, path: Union[str, os.PathLike]) -> "RunStore":
        """The store whose directory is `path` (`.../<sweep>/<run>`), e.g. for reading a run back."""
        p = Path(path)
        return cls(p.parent.parent, p.parent.name, p.name)

    @classmethod
    def of_checkpoint(cls, path: Union[str, os.PathLike]) -> tuple["RunStore", int]:
        """(the store, the step) of a checkpoint folder `.../<sweep>/<run>/checkpoints/global_step_<k>` (either
        backend's); raises RunStoreError for any other path."""
        p = Path(path).resolve()
        m = _CHECKPOINT_RE.match(p.name)
        if m is None or p.parent.name != "checkpoints":
            raise RunStoreError(f"{path}: not a checkpoint folder (…/<sweep>/<run>/checkpoints/global_step_K)")
        return cls.at(p.parent.parent), int(m.group(1))

    def __repr__(self) -> str:
        return f"RunStore({str(self.dir)!r})"

    # ------------------------------------------------------------------------------------------ paths

    @property
    def config_path(self) -> Path:
        return self.dir / "config.yaml"

    @property
    def metrics_path(self) -> Path:
        return self.dir / "metrics.jsonl"

    @property
    def status_path(self) -> Path:
        return self.dir / "status.json"

    @property
    def samples_dir(self) -> Path:
        return self.dir / "samples"

    @property
    def checkpoints_dir(self) -> Path:
        return self.dir / "checkpoints"

    @property
    def trial_path(self) -> Path:
        """The sweep supervisor's record of this run's attempts."""
        return self.dir / TRIAL_FILE

    @property
    def stop_path(self) -> Path:
        """The stop rule that ended this run early, when one did."""
        return self.dir / STOP_FILE

    @property
    def worker_log_path(self) -> Path:
        """The output of the sweep worker process that trains this run."""
        return self.dir / "worker.log"

    @property
    def verl_metrics_path(self) -> Path:
        """verl's file logger of a verl run (VERL_FILE_LOGGER_PATH)."""
        return self.dir / "verl_metrics.jsonl"

    def probe_path(self, kind: str) -> Path:
        """The rows of one probe kind (`temperature`, `lengths`)."""
        return self.dir / "probes" / f"{_check_name('probe', kind)}.jsonl"

    def append_probe(self, kind: str, row: Mapping[str, Any]) -> None:
        """Append one row to `probes/<kind>.jsonl` (flushed; the probes of microcoder.probes write here)."""
        path = self.probe_path(kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as f:
            f.write(_dumps(row) + "\n")
            f.flush()

    def read_probe(self, kind: str) -> list[dict]:
        """Rows of `probes/<kind>.jsonl`, [] when there are none (a torn last line is skipped)."""
        try:
            data = self.probe_path(kind).read_bytes()
        except FileNotFoundError:
            return []
        rows = []
        for line in data.splitlines():
            try:
                row = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(row, dict):
                rows.append(row)
        return rows

    @property
    def name(self) -> str:
        """`<sweep>/<run>`, the form used in `parent_run`."""
        return f"{self.sweep}/{self.run}"

    def exists(self) -> bool:
        return self.dir.is_dir()

    # ------------------------------------------------------------------------------------------ config

    def write_config(self, config: Any) -> Path:
        """Write the fully resolved config as YAML (atomically). `config`: a mapping, a dataclass such as
        RunConfig, or an OmegaConf DictConfig (interpolations resolved)."""
        atomic_write(self.config_path, yaml.safe_dump(plain_config(config), sort_keys=False, allow_unicode=True))
        return self.config_path

    def read_config(self) -> Optional[dict]:
        """The config written by `write_config`, as nested dicts; None when there is none (a file that is not YAML
        raises yaml.YAMLError). The one reader of config.yaml (training, probes, analysis)."""
        try:
            text = self.config_path.read_text()
        except FileNotFoundError:
            return None
        return yaml.load(text, Loader=_YAML_LOADER) or {}  # noqa: S506 - a safe loader (C when available)

    # ------------------------------------------------------------------------------------------ metrics

    def log(self, step: int, metrics: Mapping[str, Any]) -> None:
        """Append `{"step": step, **metrics}` to metrics.jsonl, durable (fsync'ed) when this returns.

        Raises RunStoreError when `step` is not greater than the last logged step (see `resume_from`), when
        `metrics` holds a `step` other than `step`, or when a value is not JSON-serialisable.
        """
        step = _check_step(step)
        self._open()
        if self._last_step is not None and step <= self._last_step:
            raise RunStoreError(
                f"{self.name}: step {step} is not after the last logged step {self._last_step} "
                f"(a run restarted from its checkpoint at step k must call resume_from(k) first)"
            )
        if not isinstance(metrics, Mapping):
            raise RunStoreError(f"metrics must be a mapping of name → value, got {type(metrics).__name__}")
        row: dict[str, Any] = {"step": step}
        for k, v in metrics.items():
            if not isinstance(k, str):
                raise RunStoreError(f"metric names must be strings, got {k!r}")
            if k == "step":
                if v != step:
                    raise RunStoreError(f"metrics['step'] = {v!r} disagrees with step={step}")
                continue
            row[k] = v
        try:
            line = (_dumps(row) + "\n").encode()
        except (TypeError, ValueError) as e:
            raise RunStoreError(f"{self.name}: step {step}: {e}") from None
        self.dir.mkdir(parents=True, exist_ok=True)
        created = not self.metrics_path.exists()
        fd = os.open(self.metrics_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            _write_all(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            _fsync_dir(self.dir)
        self._last_step = self._last_logged = step

    def read_metrics(self) -> MetricRows:
        """Every readable row of metrics.jsonl in file order (a list of dicts, each with an int `step`).

        Lines that do not parse (a torn tail written while the run is being killed or read mid-write) are
        skipped; their number is `.skipped`. A missing file gives an empty list.
        """
        rows = MetricRows()
        try:
            data = self.metrics_path.read_bytes()
        except FileNotFoundError:
            return rows
        for line in data.split(b"\n"):
            if not line.strip():
                continue
            row = _parse_line(line)
            if row is None:
                rows.skipped += 1
            else:
                rows.append(row)
        return rows

    def last_step(self) -> Optional[int]:
        """The last logged step, or None when nothing is logged."""
        if self._opened:
            return self._last_logged
        rows = self.read_metrics()
        return rows[-1]["step"] if rows else None

    def resume_from(self, step: int) -> int:
        """Prepare a restart from the checkpoint at `step`: drop logged steps > `step` (and samples of steps >
        `step`), so that the next `log` must be step + 1 or later. Returns the number of metric rows dropped.

        The rewrite goes through a temporary file and an atomic rename: a kill during it leaves either the old
        or the new metrics file. Checkpoints are never touched.
        """
        step = _check_step(step)
        dropped = self._rewrite_metrics(keep_upto=step)
        if self._last_logged is None or self._last_logged < step:
            missing = f"{0 if self._last_logged is None else self._last_logged + 1}..{step}"
            warnings.warn(f"{self.name}: resume_from({step}): steps {missing} were never logged; the re-run "
                          f"continues at step {step + 1}, leaving them out", RuntimeWarning, stacklevel=2)
        for s, path in self._sample_files():
            if s > step:
                path.unlink()
        return dropped

    def clear_metrics(self) -> int:
        """Drop every logged step and sample: a run restarted from scratch (no checkpoint). Returns rows dropped."""
        dropped = self._rewrite_metrics(keep_upto=None)
        for _, path in self._sample_files():
            path.unlink()
        return dropped

    def _rewrite_metrics(self, keep_upto: Optional[int]) -> int:
        """Keep only rows with step <= keep_upto (None: no rows); the next step must exceed keep_upto."""
        rows = self.read_metrics()
        kept = [r for r in rows if keep_upto is not None and r["step"] <= keep_upto]
        dropped = len(rows) - len(kept)
        if self.metrics_path.exists() and (dropped or rows.skipped):
            atomic_write(self.metrics_path, "".join(_dumps(r) + "\n" for r in kept))
        self._last_logged = kept[-1]["step"] if kept else None
        self._last_step = keep_upto  # even if step keep_upto itself was never logged
        self._opened = True
        return dropped

    def _open(self) -> None:
        """On first use: truncate a torn tail (an unterminated last line, or unparseable lines after the last
        good row) and read the last logged step."""
        if self._opened:
            return
        try:
            data = self.metrics_path.read_bytes()
        except FileNotFoundError:
            data = b""
        end, last_step = len(data), None
        while end > 0:
            if data[end - 1 : end] != b"\n":  # an unterminated piece: torn mid-write
                end = data.rfind(b"\n", 0, end) + 1
                continue
            start = data.rfind(b"\n", 0, end - 1) + 1
            row = _parse_line(data[start : end - 1])
            if row is not None:
                last_step = row["step"]
                break
            end = start  # a blank or unparseable line at the tail
        if end != len(data):
            with open(self.metrics_path, "r+b") as f:
                f.truncate(end)
                f.flush()
                os.fsync(f.fileno())
        self._last_step = self._last_logged = last_step
        self._opened = True

    # ------------------------------------------------------------------------------------------ status

    def set_status(self, state: str, **fields: Any) -> dict:
        """Set the run's state and any of STATUS_FIELDS (merged into the current status; None clears a field).

        `updated_at` is set to now. Written atomically (temp file + os.replace). Returns the new status.
        """
        if state not in STATES:
            raise RunStoreError(f"unknown run state {state!r}; valid: {', '.join(STATES)}")
        for key, value in fields.items():
            if key not in STATUS_FIELDS:
                raise RunStoreError(f"unknown status field {key!r}; valid: {', '.join(STATUS_FIELDS)}")
            types = STATUS_FIELDS[key]
            if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
                want = " or ".join(t.__name__ for t in types)
                raise RunStoreError(f"status field {key!r} must be {want} or None, got {value!r}")
        status = self.read_status() or {}
        status.update(fields)
        status["state"] = state
        status["updated_at"] = utc_now()
        ordered = {"state": state, **{k: status[k] for k in STATUS_FIELDS if status.get(k) is not None}}
        ordered.update({k: v for k, v in status.items() if k not in ordered and k not in STATUS_FIELDS})
        atomic_write(self.status_path, json.dumps(ordered, indent=2) + "\n")
        return ordered

    def read_status(self) -> Optional[dict]:
        """status.json as a dict, or None when the run has no status yet (a file that is not a JSON object
        raises ValueError)."""
        try:
            status = json.loads(self.status_path.read_text())
        except FileNotFoundError:
            return None
        if not isinstance(status, dict):
            raise ValueError(f"{self.status_path}: not a JSON object")
        return status

    # ------------------------------------------------------------------------------------------ samples

    def samples_path(self, step: int) -> Path:
        return self.samples_dir / f"step_{_check_step(step):06d}.jsonl"

    def write_samples(self, step: int, rows: Sequence[Mapping[str, Any]]) -> Path:
        """Write one step's sample rows (prompt, response, reward, ...) to samples/step_<step:06d>.jsonl,
        atomically (a rewrite of the same step replaces the file)."""
        path = self.samples_path(step)
        try:
            text = "".join(_dumps(dict(r)) + "\n" for r in rows)
        except (TypeError, ValueError) as e:
            raise RunStoreError(f"{self.name}: samples of step {step}: {e}") from None
        atomic_write(path, text)
        return path

    def read_samples(self, step: int) -> list[dict]:
        """The rows written by `write_samples(step, ...)`; [] when there are none."""
        try:
            data = self.samples_path(step).read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in data.splitlines() if line.strip()]

    def sample_steps(self) -> list[int]:
        """Steps that have a samples file, ascending."""
        return [s for s, _ in self._sample_files()]

    def _sample_files(self) -> list[tuple[int, Path]]:
        if not self.samples_dir.is_dir():
            return []
        found = [(int(m.group(1)), p) for p in self.samples_dir.iterdir() if (m := _STEP_FILE_RE.match(p.name))]
        return sorted(found)

    # ------------------------------------------------------------------------------------------ checkpoints

    def checkpoint_path(self, step: int) -> Path:
        """checkpoints/global_step_<step> (verl's naming; verl's trainer.default_local_dir is checkpoints_dir)."""
        return self.checkpoints_dir / f"global_step_{_check_step(step)}"

    def list_checkpoints(self) -> list[tuple[int, Path]]:
        """(step, path) of every checkpoint directory, ascending by step."""
        if not self.checkpoints_dir.is_dir():
            return []
        found = [
            (int(m.group(1)), p)
            for p in self.checkpoints_dir.iterdir()
            if p.is_dir() and (m := _CHECKPOINT_RE.match(p.name))
        ]
        return sorted(found)

    def mark_checkpoint_complete(self, step: int) -> None:
        """Record that checkpoint `step` is completely written (verl's latest_checkpointed_iteration.txt)."""
        atomic_write(self.checkpoints_dir / VERL_LATEST_FILE, f"{_check_step(step)}\n")

    def latest_checkpoint(self) -> Optional[tuple[int, Path]]:
        """(step, path) to resume from, or None. verl's rule first: the step named in
        latest_checkpointed_iteration.txt (written once a save is complete) when its directory exists;
        otherwise the highest global_step_<k> directory."""
        marker = self.checkpoints_dir / VERL_LATEST_FILE
        try:
            named = int(marker.read_text().strip())
        except (FileNotFoundError, ValueError):
            named = None
        if named is not None and self.checkpoint_path(named).is_dir():
            return named, self.checkpoint_path(named)
        found = self.list_checkpoints()
        return found[-1] if found else None

    # ------------------------------------------------------------------------------------------ whole run

    def remove(self) -> None:
        """Delete the run directory and everything in it."""
        shutil.rmtree(self.dir, ignore_errors=True)
        self._last_step = self._last_logged = None
        self._opened = False


def plain_config(config: Any) -> dict:
    """A mapping, dataclass or OmegaConf config → plain nested dicts/lists/scalars."""
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        from omegaconf import OmegaConf

        config = OmegaConf.to_container(OmegaConf.structured(config), resolve=True)
    elif type(config).__module__.startswith("omegaconf"):
        from omegaconf import OmegaConf

        config = OmegaConf.to_container(config, resolve=True)
    if not isinstance(config, Mapping):
        raise RunStoreError(f"config must be a mapping, dataclass or OmegaConf config, got {type(config).__name__}")
    return json.loads(_dumps(config))  # plain types only (tuples → lists, numpy scalars → numbers)
