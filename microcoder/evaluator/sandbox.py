"""Run untrusted, model-written programs in a real sandbox: a bubblewrap jail holding pre-warmed workers.

Why: a GRPO trainer judges thousands of generated programs a step; one of them will loop forever, eat memory,
fork, print gigabytes, probe the network or try to read the expected answers. None of that may crash the
trainer or fake a pass, and judging must stay fast (a fresh interpreter per test is ~30 ms; a forked child of a
warm worker is ~1–2 ms).

How: `Sandbox` starts one worker (`jail_worker.py`) inside bubblewrap and talks to it over a pipe; the worker
forks a fresh child per test (see jail_worker.py for the child's limits). `SandboxPool` keeps one worker per
core and hands them to judging threads. A worker that dies or stops answering is killed and restarted; the test
it was running gets an `error` (or `timeout`) verdict, never an exception in the caller.

What the jail covers (bubblewrap available, the normal case — `make setup` installs it):
  * no network: a new network namespace with only a down loopback — even 127.0.0.1 is unreachable;
  * its own pid, ipc and uts namespaces; processes outside are invisible, strays are killed after each test;
  * a read-only view of only the system directories and the Python installation (no /work, /home, /root, the
    project or its data: the expected outputs are never inside), a private tmpfs /tmp, minimal /dev;
  * a scrubbed environment (PATH, HOME=/tmp, LANG only); no new privileges; capabilities dropped to the few
    the worker needs to drop privileges; when the host runs as root, each judged program runs as an
    unprivileged uid of its own (so RLIMIT_NPROC is enforced: root is exempt from it).
What it does not cover: CPU cache/timing side channels, and kernel exploits (bubblewrap is not a VM). Where
bubblewrap is missing or unusable, workers run unjailed (resource limits, process-group kill, private working
directory and — as root — the unprivileged uid still apply; network, filesystem and pid isolation do not) and
a loud warning says so. Set MICROCODER_SANDBOX=none to choose that explicitly, =bwrap to require the jail.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

WORKER_SCRIPT = Path(__file__).with_name("jail_worker.py")
JAIL_WORKER_PATH = "/opt/microcoder/jail_worker.py"
HEADER = struct.Struct("!I")
# uids the judged programs run as (one per worker slot) when the host is root; far from real accounts
UID_BASE = int(os.environ.get("MICROCODER_SANDBOX_UID_BASE", "61000"))
WORKER_CAPS = ["CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"]


@dataclass(frozen=True)
class Limits:
    """Per-test resource limits of a judged program."""

    time_limit_s: float = 4.0
    """Wall-clock limit per test (the CPU-time limit is this, rounded up, plus one second)."""
    memory_mb: int = 1024
    """Address-space limit (RLIMIT_AS) in MiB."""
    max_output_bytes: int = 4 << 20
    """Cap on stdout (and on a call-style return value); exceeding it is an error."""
    max_processes: int = 16
    """Processes + threads the program may have at once (RLIMIT_NPROC of its uid)."""
    max_open_files: int = 64
    """Open file descriptors (RLIMIT_NOFILE)."""
    max_file_bytes: int = 16 << 20
    """Largest file the program may write (RLIMIT_FSIZE)."""

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not value or value <= 0:
                raise ValueError(f"limits.{name} must be > 0, got {value!r}")


@dataclass
class RunResult:
    """What one execution of a program on one test input produced."""

    status: str  # "ok" | "timeout" | "error"
    reason: str = ""
    stdout: str = ""
    stderr: str = ""
    result: str | None = None  # call style: the encoded return value (decode with `decode_value`)
    exit_code: int | None = None
    signal: int | None = None
    time_s: float = 0.0


# --------------------------------------------------------------------------------------- the jail command

@lru_cache(maxsize=None)
def python_for_jail() -> tuple[str, str]:
    """(interpreter, installation prefix) to run inside the jail: the base interpreter, not the venv's."""
    exe = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    return exe, os.path.realpath(sys.base_prefix)


JAIL_SITE_PATH = "/opt/microcoder/site"
EXTRA_PACKAGES = ("sortedcontainers",)
"""Pure-Python packages judged programs may use beyond the standard library (LeetCode's SortedList): found in this
process's environment and bound read-only into the jail under JAIL_SITE_PATH (the jail's base interpreter does
not see the venv)."""


@lru_cache(maxsize=None)
def extra_package_dirs() -> dict[str, str]:
    """name → the folder of each EXTRA_PACKAGES package importable here."""
    import importlib.util

    out = {}
    for name in EXTRA_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            out[name] = os.path.realpath(list(spec.submodule_search_locations)[0])
    return out


@lru_cache(maxsize=None)
def unjailed_site() -> str:
    """A folder holding links to EXTRA_PACKAGES only (the unjailed worker's `--site`, not the whole venv)."""
    site = tempfile.mkdtemp(prefix="microcoder-site-")
    for name, path in extra_package_dirs().items():
        os.symlink(path, os.path.join(site, name))
    return site


def bwrap_command(tmp_size_mb: int = 256) -> list[str]:
    """The bubblewrap command line that starts one jailed worker."""
    exe, prefix = python_for_jail()
    cmd = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
        "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", "/tmp",
        "--setenv", "LANG", "C.UTF-8", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--ro-bind", "/usr", "/usr",
    ]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    cmd += ["--ro-bind", "/etc", "/etc"]
    if not (prefix == "/usr" or prefix.startswith("/usr/")):
        # ancestors such as /root are 0700 on the host: make them traversable inside, holding nothing else
        for parent in reversed(Path(prefix).parents[:-1]):
            cmd += ["--perms", "0755", "--dir", str(parent)]
        cmd += ["--ro-bind", prefix, prefix]
    cmd += [
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(tmp_size_mb << 20), "--tmpfs", "/tmp",
        "--ro-bind", str(WORKER_SCRIPT), JAIL_WORKER_PATH,
        "--chdir", "/tmp",
    ]
    for name, path in extra_package_dirs().items():
        cmd += ["--ro-bind", path, f"{JAIL_SITE_PATH}/{name}"]
    if os.geteuid() == 0:
        cmd += ["--cap-drop", "ALL"]
        for cap in WORKER_CAPS:
            cmd += ["--cap-add", cap]
    return cmd + ["--", exe, "-I", JAIL_WORKER_PATH, "--kill-strays", "--site", JAIL_SITE_PATH]


@lru_cache(maxsize=None)
def jail_mode() -> str:
    """'bwrap' when a working bubblewrap jail is available, else 'none' (with a loud warning)."""
    wanted = os.environ.get("MICROCODER_SANDBOX", "auto")
    if wanted not in ("auto", "bwrap", "none"):
        raise ValueError(f"MICROCODER_SANDBOX must be auto, bwrap or none, got {wanted!r}")
    if wanted != "none":
        problem = None
        if not shutil.which("bwrap"):
            problem = "bubblewrap (bwrap) is not installed"
        else:
            cmd = bwrap_command()
            probe = cmd[: cmd.index("--") + 2] + ["-c", "pass"]
            try:
                out = subprocess.run(probe, capture_output=True, timeout=20)
                if out.returncode != 0:
                    problem = "bwrap fails here: " + out.stderr.decode(errors="replace").strip()[:300]
            except (OSError, subprocess.TimeoutExpired) as e:
                problem = f"bwrap fails here: {e}"
        if problem is None:
            return "bwrap"
        if wanted == "bwrap":
            raise RuntimeError(f"MICROCODER_SANDBOX=bwrap but {problem}")
        msg = (f"SANDBOX NOT ISOLATED: {problem}. Judged programs run WITHOUT network, filesystem and pid "
               "isolation (resource limits, process-group kill and the private working dir still apply). "
               "Install bubblewrap (apt-get install bubblewrap) for the real jail.")
    else:
        msg = ("SANDBOX NOT ISOLATED (MICROCODER_SANDBOX=none): judged programs run without network, "
               "filesystem and pid isolation.")
    warnings.warn(msg, RuntimeWarning, stacklevel=2)
    log.warning(msg)
    print(f"!! {msg}", file=sys.stderr)
    return "none"


# ------------------------------------------------------------------------------------------- one worker

_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spawner")


class WorkerDied(RuntimeError):
    pass


class WorkerHung(WorkerDied):
    """The worker stopped answering (it is killed and restarted; the test counts as a timeout)."""


class Sandbox:
    """One jailed worker process. Not thread-safe: use one per thread (SandboxPool does that)."""

    def __init__(self, slot: int = 0):
        self.slot = slot
        self.uid = UID_BASE + slot if os.geteuid() == 0 else None
        self.mode = jail_mode()
        self.proc: subprocess.Popen | None = None
        self._tmp_root: str | None = None
        self.restarts = -1

    # life cycle
    def start(self) -> None:
        self.close()
        self.restarts += 1
        if self.mode == "bwrap":
            cmd = bwrap_command()  # the jail has its own private /tmp
        else:
            exe, _ = python_for_jail()
            self._tmp_root = tempfile.mkdtemp(prefix="microcoder-sandbox-")
            os.chmod(self._tmp_root, 0o711)
            cmd = [exe, "-I", str(WORKER_SCRIPT), "--site", unjailed_site()]
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": self._tmp_root or "/tmp", "LANG": "C.UTF-8"}
        # bwrap's --die-with-parent fires when the *thread* that started it exits, and judging threads come
        # and go: every worker is therefore started from one long-lived spawner thread.
        self.proc = _SPAWNER.submit(
            subprocess.Popen, cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd=self._tmp_root or "/", start_new_session=True).result()
        hello = self._read(timeout=30)
        if not hello.get("ready"):
            raise WorkerDied(f"sandbox worker did not start: {hello}")

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:  # still ours (not reaped): its process group is too
                try:
                    os.killpg(self.proc.pid, 9)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except Exception:
                pass
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except Exception:
                    pass
            self.proc = None
        if self._tmp_root:
            shutil.rmtree(self._tmp_root, ignore_errors=True)
            self._tmp_root = None

    # protocol
    def _read(self, timeout: float) -> dict:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        head = self._read_exact(fd, HEADER.size, timeout)
        (n,) = HEADER.unpack(head)
        return json.loads(self._read_exact(fd, n, timeout))

    @staticmethod
    def _read_exact(fd: int, n: int, timeout: float) -> bytes:
        import select

        deadline = time.monotonic() + timeout
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerHung("sandbox worker stopped answering")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, n - got)
            if not chunk:
                raise WorkerDied("sandbox worker exited")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def run(self, code: str, *, style: str, input: Any, fn_name: str | None = None,
            limits: Limits = Limits(), files: dict[str, str] | None = None,
            argv: list[str] | None = None, platform: str | None = None) -> RunResult:
        """Run `code` on one test input; never raises for anything the program does.

        files: {name: text} written into the program's private working directory first; argv: its sys.argv;
        platform: the problem's platform (LeetCode programs run with LeetCode's extra names: jail_worker).
        """
        req = {"code": code, "style": style, "fn_name": fn_name, "input": input, "limits": asdict(limits),
               "uid": self.uid, "files": files or {}, "argv": argv,
               "platform": platform.strip().lower() if isinstance(platform, str) else None}
        for attempt in (0, 1):
            if self.proc is None or self.proc.poll() is not None:
                self.start()
            data = json.dumps({**req, "tmp_root": self._tmp_root}).encode("utf-8", "surrogatepass")
            try:
                assert self.proc is not None and self.proc.stdin is not None
                self.proc.stdin.write(HEADER.pack(len(data)) + data)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self.close()
                if attempt == 0:
                    continue  # the worker had died between requests: restart once and retry
                return RunResult("error", "sandbox worker could not be reached")
            try:
                # the worker enforces the limit itself; this backstop covers a worker that hangs
                resp = self._read(timeout=limits.time_limit_s + 10.0)
            except WorkerDied as e:
                self.close()
                return RunResult("timeout" if isinstance(e, WorkerHung) else "error", f"{e} (restarted)")
            return RunResult(**{k: resp.get(k) for k in RunResult.__dataclass_fields__ if k in resp})
        return RunResult("error", "sandbox worker could not be reached")

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ------------------------------------------------------------------------------------------- the pool

class SandboxPool:
    """A fixed set of warm sandboxes (default: one per core) shared by judging threads."""

    def __init__(self, workers: int | None = None):
        self.size = max(1, workers or os.cpu_count() or 1)
        self._free: queue.LifoQueue[Sandbox] = queue.LifoQueue()
        self._all = [Sandbox(slot) for slot in range(self.size)]
        for sb in self._all:
            self._free.put(sb)
        self._closed = False

    def acquire(self) -> Sandbox:
        if self._closed:
            raise RuntimeError("SandboxPool is closed")
        return self._free.get()

    def release(self, sb: Sandbox) -> None:
        self._free.put(sb)

    def close(self) -> None:
        self._closed = True
        for sb in self._all:
            sb.close()

    def __enter__(self) -> "SandboxPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_shared_pool: SandboxPool | None = None
_shared_lock = threading.Lock()


def shared_pool(share: int = 1) -> SandboxPool:
    """The process-wide pool (used by `compute_score` in reward workers); closed at exit.

    Its size, fixed when it is first made: $MICROCODER_SANDBOX_WORKERS, else the node's cores divided by `share`
    (the processes of this node that each hold such a pool: verl's reward workers per node, design.md §5), at
    least 1."""
    global _shared_pool
    with _shared_lock:
        if _shared_pool is None:
            size = int(os.environ.get("MICROCODER_SANDBOX_WORKERS", "0")) or \
                max(1, (os.cpu_count() or 1) // max(1, int(share)))
            _shared_pool = SandboxPool(size)
            atexit.register(_shared_pool.close)
        return _shared_pool


# ------------------------------------------------------------------------------- call-style value decoding

_TAGS = {"__tuple__": tuple, "__set__": set, "__frozenset__": frozenset}


def decode_value(text: str) -> Any:
    """Decode the worker's tagged JSON into plain builtin values (tuple/set/frozenset/dict preserved)."""

    def walk(v):
        if type(v) is list:
            return [walk(x) for x in v]
        if type(v) is dict:
            (tag, payload), = v.items()
            if tag == "__dict__":
                return {_hashable(walk(k)): walk(x) for k, x in payload}
            if tag == "__float__":
                return float(payload)
            return _TAGS[tag](_hashable(walk(x)) if tag != "__tuple__" else walk(x) for x in payload)
        return v

    return walk(json.loads(text))


def _hashable(v: Any) -> Any:
    if type(v) is list:  # cannot happen for values that were keys/elements; keep decoding total anyway
        return tuple(_hashable(x) for x in v)
    return v


__all__ = ["Limits", "RunResult", "Sandbox", "SandboxPool", "shared_pool", "decode_value", "jail_mode",
           "bwrap_command"]
