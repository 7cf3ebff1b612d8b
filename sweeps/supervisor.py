"""A sweep trial: a light supervisor (1 Ray Tune trial, design.md §6) around one run's own process.

What `trial({"sweep_dir": ..., "run": ...})` does, as the Tune trainable:
  1. a run already finished or stopped is not run again (its last row is reported and the trial ends);
  2. a branch waits until its parent's checkpoint at `at_step` is complete (the dispatcher only starts it then;
     this is the backstop) — complete = the folder exists and `latest_checkpointed_iteration.txt` names a step
     >= at_step, which both backends write only after a save has finished;
  3. a stale writer of the same run left by a dead driver (status `running`, its pid alive on this host and its
     command line a `sweeps.worker` of this run) is terminated, so there is never a second writer;
  4. the run starts in a child process, `python -m sweeps.worker SWEEP_DIR RUN` (stdout/stderr appended to
     `<run>/worker.log`), with MICROCODER_TORCH_THREADS = OMP_NUM_THREADS = `resources.cpus_per_run`; the child
     dies with this supervisor (PR_SET_PDEATHSIG) and records `killed` on SIGTERM;
  5. every new row of the run's metrics.jsonl is reported to Tune (`tune.report`), so Tune's own stoppers and the
     spec's `stop` rules see each step; a rule that is met writes `stopped.json` (rule, metric, value, step),
     terminates the child, and ends the trial as a success (the run's state is `killed`; status shows `stopped`);
  6. a child that exits non-zero, or is killed, raises `RunFailed` with the tail of worker.log: Tune retries the
     trial up to `max_failures` times, and the retried run resumes from its latest checkpoint (both backends do
     that themselves), so no step is lost or logged twice.
Tune stopping the trial (or the trial's actor dying) terminates the child through the `finally` below or through
PDEATHSIG.

Why a child process: killing a run (a test, an OOM, a stop rule) never takes the supervisor with it, the
supervisor's view of the run is exactly what the run store holds, and a verl run's child is a thin client of a
Ray job, so the same supervisor serves both backends.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

from microcoder.run_store import VERL_LATEST_FILE, RunStore, atomic_write, utc_now

from .plan import load_plan
from .status import is_done, pid_alive, read_stop
from .stop_rules import StopWatch

__all__ = ["MetricsTail", "RunFailed", "Supervisor", "checkpoint_ready", "stop_stale_writer", "trial"]

"""Written in the run folder by each attempt: {attempt, supervisor_pid, host, started_at, child_pid, and once the
run's process has ended child_wall_s (its lifetime, seconds) and exit_code}."""


class RunFailed(RuntimeError):
    """The run's process failed; Tune retries the trial (the run resumes from its latest checkpoint)."""


def checkpoint_ready(store: RunStore, step: int) -> bool:
    """True when the run's checkpoint at `step` is completely written (see the module docstring)."""
    if not store.checkpoint_path(step).is_dir():
        return False
    try:
        return int((store.checkpoints_dir / VERL_LATEST_FILE).read_text().strip()) >= step
    except (FileNotFoundError, ValueError):
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _terminate(pid: int, grace_s: float) -> None:
    """SIGTERM the process (its group when it leads one), then SIGKILL after `grace_s`."""
    try:
        group = os.getpgid(pid) == pid
    except ProcessLookupError:
        return
    kill = os.killpg if group else os.kill
    try:
        kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and pid_alive(pid) and not _is_zombie(pid):
        time.sleep(0.1)
    if pid_alive(pid):
        try:
            kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def stop_stale_writer(store: RunStore, sweep_dir: Path, grace_s: float = 30.0) -> Optional[int]:
    """Terminate a leftover `sweeps.worker` of this run (a dead driver's); returns its pid, or None. A live writer
    that is not a sweep worker (someone's `microcoder train`) is refused with RunFailed."""
    status = store.read_status() or {}
    pid = status.get("pid")
    if status.get("state") != "running" or not isinstance(pid, int) or status.get("host") != socket.gethostname():
        return None
    if pid == os.getpid() or not pid_alive(pid) or _is_zombie(pid):
        return None
    cmd = _cmdline(pid)
    if "sweeps.worker" not in cmd or str(sweep_dir) not in cmd or f" {store.run}" not in cmd:
        raise RunFailed(f"{store.dir} is being written by pid {pid} ({cmd.strip() or 'unknown'}), not by a sweep "
                        f"worker: stop it first")
    _terminate(pid, grace_s)
    return pid


class MetricsTail:
    """New rows of a metrics.jsonl as it grows. A rewrite by `RunStore.resume_from` (a restarted run dropping
    the steps after its checkpoint) is followed: a recomputed step is reported again when its row differs."""

    def __init__(self, path: Path):
        self.path = path
        self.pos = 0
        self.ino: Optional[int] = None
        self.seen: dict[int, bytes] = {}

    def new_rows(self) -> list[dict]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return []
        if st.st_ino != self.ino or st.st_size < self.pos:  # replaced by an atomic rewrite: read it again
            self.ino, self.pos = st.st_ino, 0
        with open(self.path, "rb") as f:
            f.seek(self.pos)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self.pos += end
        fresh = []
        for line in data[:end].splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if not isinstance(row, dict) or not isinstance(row.get("step"), int):
                continue
            if self.seen.get(row["step"]) != line:
                self.seen[row["step"]] = line
                fresh.append(row)
        return fresh


class Supervisor:
    def __init__(self, sweep_dir: str | Path, run: str, poll_s: float = 0.5, grace_s: float = 30.0,
                 log: Callable[[str], None] = lambda s: print(s, flush=True)):
        self.sweep_dir = Path(sweep_dir).resolve()
        self.plan = load_plan(self.sweep_dir)
        self.planned = self.plan.run(run)
        self.out = self.sweep_dir.parent
        self.store = RunStore(self.out, self.plan.name, run)
        self.poll_s, self.grace_s, self.log = poll_s, grace_s, log

    def _record(self, **fields) -> None:
        """Update trial.json: {attempt, supervisor_pid, host, child_pid, started_at, child_wall_s, exit_code}."""
        path = self.store.trial_path
        try:
            info = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            info = {}
        if fields.pop("new_attempt", False):
            info = {"attempt": info.get("attempt", 0) + 1, "supervisor_pid": os.getpid(),
                    "host": socket.gethostname(), "started_at": utc_now()}
        info.update(fields)
        atomic_write(path, json.dumps(info))

    def _wait_for_parent(self) -> None:
        parent = RunStore(self.out, self.plan.name, self.planned.parent)
        while not checkpoint_ready(parent, self.planned.at_step):
            if is_done(parent):
                stop = read_stop(parent)
                why = f"was stopped at step {stop['step']}" if stop else "finished"
                raise RunFailed(f"parent run {self.planned.parent} {why} without a checkpoint at step "
                                f"{self.planned.at_step}")
            time.sleep(1.0)

    def _spawn(self) -> subprocess.Popen:
        threads = str(self.plan.spec.resources.cpus_per_run)
        env = dict(os.environ, MICROCODER_TORCH_THREADS=threads, OMP_NUM_THREADS=threads, PYTHONUNBUFFERED="1",
                   MICROCODER_SUPERVISOR_PID=str(os.getpid()))
        cwd = self.plan.cwd if Path(self.plan.cwd).is_dir() else str(self.out)
        self.store.dir.mkdir(parents=True, exist_ok=True)
        with open(self.store.worker_log_path, "ab") as logf:
            logf.write(f"\n=== {utc_now()} attempt by supervisor {os.getpid()} on {socket.gethostname()}\n".encode())
            logf.flush()
            return subprocess.Popen([sys.executable, "-m", "sweeps.worker", str(self.sweep_dir), self.planned.name],
                                    stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, env=env,
                                    cwd=cwd, start_new_session=True)

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = (self.store.worker_log_path).read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _result(self, row: dict, **extra) -> dict:
        out = {k: v for k, v in row.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        out.update(extra)
        return out

    def run(self, report: Callable[[dict], None]) -> dict:
        """Supervise the run to its end; returns the last reported result. Raises RunFailed on failure."""
        store = self.store
        if is_done(store):
            rows = store.read_metrics()
            last = self._result(rows[-1] if rows else {}, already_done=1)
            report(last)
            return last
        if self.planned.parent:
            self._wait_for_parent()
        stop_stale_writer(store, self.sweep_dir, self.grace_s)
        self._record(new_attempt=True)
        watch = StopWatch(self.plan.spec.stop)
        tail = MetricsTail(store.metrics_path)
        t0 = time.monotonic()
        child = self._spawn()
        self._record(child_pid=child.pid)
        stopped: Optional[dict] = None
        last: dict = {}
        try:
            while True:
                exited = child.poll() is not None
                for row in tail.new_rows():
                    reason = watch.update(row) if stopped is None and not exited else None
                    if reason is not None:
                        stopped = reason
                        atomic_write(store.stop_path, json.dumps(reason))
                    last = self._result(row, **({"stopped": 1} if reason else {}))
                    report(last)
                    if reason is not None:
                        self.log(f"{self.planned.name}: stop rule met at step {reason['step']}: {reason['rule']}")
                        _terminate(child.pid, self.grace_s)
                if exited:
                    break
                time.sleep(self.poll_s)
        finally:
            if child.poll() is None:
                _terminate(child.pid, self.grace_s)
                child.wait()
        rc = child.returncode
        self._record(child_wall_s=round(time.monotonic() - t0, 3), exit_code=rc)
        status = store.read_status() or {}
        if stopped is not None:
            if status.get("state") == "finished":  # it completed before the stop reached it: not stopped
                store.stop_path.unlink(missing_ok=True)
            elif status.get("state") != "killed":
                store.set_status("killed", ended_at=utc_now(), last_step=store.last_step())
            return last
        if rc == 0 and status.get("state") == "finished":
            return last
        tail = self._log_tail()
        errors = [ln for ln in ((status.get("error") or "").strip().splitlines() or tail.splitlines()) if ln.strip()]
        why = f": {errors[-1].strip()[:200]}" if errors else ""
        raise RunFailed(f"run {self.planned.name} exited with code {rc} (state {status.get('state')}){why}\n"
                        f"last lines of {store.worker_log_path}:\n{tail}")


def trial(config: dict) -> None:
    """The Ray Tune trainable of a sweep: supervise run `config["run"]` of the sweep in `config["sweep_dir"]`."""
    from ray import tune

    Supervisor(config["sweep_dir"], config["run"]).run(tune.report)
