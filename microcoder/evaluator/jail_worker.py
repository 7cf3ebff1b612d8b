"""The judging worker that lives inside the jail: it runs one untrusted program per request in a fresh child.

This file is executed as a plain script (``python3 -I -S jail_worker.py``) inside the bubblewrap jail that
`microcoder.evaluator.sandbox` builds; it imports nothing from the project, only the standard library, because
the jail does not contain the project (the expected outputs live there). One worker serves many requests:

    host ──[len-prefixed JSON request: code, style, fn_name, input, limits, files?, argv?]──► worker (warm Python)
                                                                                 │ fork (≈1 ms)
                                                                                 ▼
                                                 child: new session, rlimits, drop to an unprivileged uid,
                                                 private working dir, stdin from a memfd, exec the program
    host ◄──[len-prefixed JSON response: status, stdout, stderr tail, encoded return value, exit]── worker

What the child gets: its own process group/session, ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``, ``RLIMIT_NPROC``
(processes/threads; enforced because the child runs as a non-root uid), ``RLIMIT_NOFILE``, ``RLIMIT_FSIZE``, no
core dumps; a fresh empty working directory in the jail's private /tmp, removed afterwards. Its stdout is read
with a byte cap; exceeding it kills the program. After each test every remaining process in the jail's pid
namespace except the worker is killed, so forked grandchildren (even ones that called setsid) never outlive
their test. The wall-clock limit is enforced here and, as a backstop, by the host.

Every program (both styles) runs in a module namespace pre-filled with LeetCode's/LiveCodeBench's standard import
header (`IMPORT_HEADER`: typing's List/Optional..., collections, itertools, heapq, bisect, math, functools...),
executed once per worker, not per test; the header's recursion limit (50000) applies. LeetCode problems also get
sortedcontainers' SortedList/SortedDict/SortedSet, as LeetCode's environment has them (`LEETCODE_NAMES`). A
call-style ``fn_name`` is a method of ``class Solution`` or a function the program defines (never a header name). ``files`` are written
into the child's working directory and ``argv`` becomes its ``sys.argv`` (a special checker reads its files).

Call-style programs: the function's return value is converted inside the child to a tagged plain-JSON form
(tuples, sets and non-str dict keys preserved) by an encoder whose builtins were captured before the program
ran, and written to a private pipe. Comparison happens on the host, on decoded builtin values, so a program
that overrides ``__eq__``, patches ``json``/builtins, peeks at stack frames or exits early cannot fake a pass:
the expected outputs never enter the jail at all.

Run alone for a self-check: ``echo`` is not enough (the protocol is binary); see tests/evaluator.
"""

import builtins
import gc
import io
import json
import os
import resource
import select
import shutil
import signal
import struct
import sys
import time
import traceback

# Warm the modules that judged programs commonly import, so each forked child starts with them loaded.
import bisect, collections, copy, datetime, decimal, fractions, functools, heapq, itertools  # noqa: E401,F401
import math, operator, random, re, statistics, string, typing  # noqa: E401,F401

# The import header LeetCode and LiveCodeBench run solutions under: LiveCodeBench's `import_string`
# (lcb_runner/evaluation/testing_util.py) is prepended to call-style code (`grade_call_based`) AND to stdin programs
# (`make_function`, via `grade_stdio`), so `List`, `defaultdict`, `permutations`, `heappush`, `gcd`, `inf`... work
# without imports. Same names in the same order (later star-imports shadow earlier ones; the module imports last).
IMPORT_HEADER = (
    "from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\n"
    "from heapq import *\nfrom bisect import *\nfrom copy import *\nfrom math import *\nfrom random import *\n"
    "from statistics import *\nfrom itertools import *\nfrom functools import *\nfrom operator import *\n"
    "from io import *\nfrom sys import *\nfrom json import *\nfrom builtins import *\nfrom typing import *\n"
    "import string\nimport re\nimport datetime\nimport collections\nimport heapq\nimport bisect\nimport copy\n"
    "import math\nimport random\nimport statistics\nimport itertools\nimport functools\nimport operator\n"
    "import io\nimport sys\nimport json\n"
)
HEADER_RECURSION_LIMIT = 50000  # the header's sys.setrecursionlimit(50000)

# LeetCode's Python environment also has sortedcontainers' classes in scope: its accepted solutions use SortedList
# without importing it. They are offered to LeetCode problems only (the request's "platform"), when the package is
# there: the host binds it under `--site DIR` (sandbox.py), the base interpreter may have it too.
if "--site" in sys.argv:
    sys.path.append(sys.argv[sys.argv.index("--site") + 1])
try:
    import sortedcontainers as _sortedcontainers
    LEETCODE_NAMES = {n: getattr(_sortedcontainers, n) for n in ("SortedList", "SortedDict", "SortedSet",
                                                                   "SortedKeyList")}
except ImportError:
    LEETCODE_NAMES = {}
# Executed once per worker (≈0.1 ms saved per test); each child starts from a copy. `from sys import *` binds the
# worker's streams and argv: the child rebinds those names to its own (`_SYS_BOUND`).
_HEADER_NS = {"__builtins__": builtins}
exec(compile(IMPORT_HEADER, "<import header>", "exec"), _HEADER_NS)
_SYS_BOUND = ("stdin", "stdout", "stderr", "argv")

# Every function below resolves builtins through this private snapshot, taken before any program runs: a
# program that patches `builtins.type`, `getattr`, `isinstance`... changes the real module, not our view of it.
__builtins__ = dict(builtins.__dict__)

HEADER = struct.Struct("!I")
STDERR_TAIL = 2000
# Only inside the jail's own pid namespace may the worker kill "everything but itself" (the host says so).
KILL_STRAYS = "--kill-strays" in sys.argv
_JSON_STR = json.encoder.encode_basestring_ascii  # captured: a program patching json cannot affect us


class EncodeError(Exception):
    pass


def encode_value(value, _depth=0, *, _type=type, _repr=repr, _float_repr=float.__repr__, _int_repr=int.__repr__,
                 _str=_JSON_STR, _len=len, _sorted=sorted, _isinstance=isinstance):
    """Encode a return value as tagged plain JSON text, using only exact builtin types (no subclasses).

    tuple → {"__tuple__": [...]}, set → {"__set__": [...]}, frozenset → {"__frozenset__": [...]},
    dict → {"__dict__": [[k, v], ...]}, non-finite float → {"__float__": "inf"|"-inf"|"nan"}.
    numpy scalars/arrays are converted with ``tolist()``. Anything else (custom classes, subclasses of builtins
    such as an int whose ``__eq__`` always holds) is refused.
    """
    if _depth > 200:
        raise EncodeError("return value nested too deeply")
    t = _type(value)
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return _int_repr(value)
    if t is float:
        if value != value:
            return '{"__float__": "nan"}'
        if value in (float("inf"), float("-inf")):
            return '{"__float__": "%s"}' % ("inf" if value > 0 else "-inf")
        return _float_repr(value)
    if t is str:
        return _str(value)
    if t is list:
        return "[" + ", ".join([encode_value(v, _depth + 1) for v in value]) + "]"
    if t is tuple:
        return '{"__tuple__": [' + ", ".join([encode_value(v, _depth + 1) for v in value]) + "]}"
    if t is set or t is frozenset:
        items = [encode_value(v, _depth + 1) for v in value]
        items.sort()  # deterministic text; order carries no meaning for sets
        tag = "__set__" if t is set else "__frozenset__"
        return '{"%s": [%s]}' % (tag, ", ".join(items))
    if t is dict:
        pairs = ["[" + encode_value(k, _depth + 1) + ", " + encode_value(v, _depth + 1) + "]" for k, v in dict.items(value)]
        return '{"__dict__": [' + ", ".join(pairs) + "]}"
    module = getattr(t, "__module__", "") or ""
    if module.split(".")[0] == "numpy" and hasattr(value, "tolist"):
        return encode_value(value.tolist(), _depth + 1)
    raise EncodeError("unsupported return type %s" % _repr(getattr(t, "__name__", "?")))


def read_msg(stream):
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (n,) = HEADER.unpack(head)
    return json.loads(stream.read(n).decode("utf-8"))


def write_msg(stream, obj):
    data = json.dumps(obj).encode("utf-8", "surrogatepass")
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


# ----------------------------------------------------------------------------------------------- the child

def _child(req, workdir, fds):
    """Runs in the forked child: never returns (always os._exit)."""
    stdin_fd, out_w, err_w, res_w = fds
    try:
        os.setsid()
        os.dup2(stdin_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(res_w, 3)
        os.closerange(4, 65536)
        os.chdir(workdir)
        lim = req["limits"]
        mem = int(lim["memory_mb"]) * 1024 * 1024
        cpu = int(lim["time_limit_s"]) + 1
        for res, val in (
            (resource.RLIMIT_AS, mem),
            (resource.RLIMIT_CPU, cpu),
            (resource.RLIMIT_NOFILE, int(lim["max_open_files"])),
            (resource.RLIMIT_FSIZE, int(lim["max_file_bytes"])),
            (resource.RLIMIT_CORE, 0),
        ):
            resource.setrlimit(res, (val, val))
        uid = req.get("uid")
        if uid is not None:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        nproc = int(lim["max_processes"]) + int(req.get("nproc_base", 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL)
        sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)))
        sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
                                                       write_through=False)
        sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
        sys.argv = [str(a) for a in req.get("argv") or ["solution.py"]]
        sys.setrecursionlimit(HEADER_RECURSION_LIMIT)
        gc.enable()
    except BaseException:
        os._exit(97)  # set-up failed: reported as an error by the worker
    _run_program(req)


def _flush_and_exit(code, _exit=os._exit):
    try:
        sys.stdout.flush()
    except BaseException:
        pass
    try:
        sys.stderr.flush()
    except BaseException:
        pass
    _exit(code)


def _fail(message=None, _print_exc=traceback.print_exc):
    """End the child with exit status 1, explaining why on stderr (the message, else the current traceback)."""
    try:
        if message is None:
            _print_exc()
        else:
            sys.stderr.write(message + "\n")
    except BaseException:
        pass
    _flush_and_exit(1)


def _run_program(req, _write=os.write, _encode=encode_value):
    style = req["style"]
    namespace = dict(_HEADER_NS)
    if req.get("platform") == "leetcode":
        namespace.update(LEETCODE_NAMES)
    for name in _SYS_BOUND:
        namespace[name] = getattr(sys, name)
    namespace["__name__"] = "__main__" if style == "stdin" else "solution"
    try:
        code = compile(req["code"], "solution.py", "exec")
        exec(code, namespace)
    except SystemExit as e:
        status = e.code
        if style == "call":
            _fail("program exited while being loaded (SystemExit %r)" % (status,))
        if status is None or status == 0:
            _flush_and_exit(0)
        if not isinstance(status, int):
            _fail(str(status))
        _flush_and_exit(status & 0xFF or 1)
    except BaseException:
        _fail()
    if style == "stdin":
        _flush_and_exit(0)
    # call style: locate the function, call it with the JSON arguments, encode its return value
    try:
        fn_name = req["fn_name"]
        sol = namespace.get("Solution")
        if isinstance(sol, type) and hasattr(sol, fn_name):
            fn = getattr(sol(), fn_name)
        elif fn_name in namespace and namespace[fn_name] is not _HEADER_NS.get(fn_name, _run_program):
            fn = namespace[fn_name]  # defined by the program, not a header name (itertools' `count`, ...)
        else:
            _fail("function %r not found in the program" % fn_name)
        result = fn(*req["input"])
        text = _encode(result)
    except SystemExit as e:
        _fail("program exited instead of returning (SystemExit %r)" % (e.code,))
    except EncodeError as e:
        _fail("return value not serialisable: %s" % e)
    except BaseException:
        _fail()
    data = text.encode("utf-8", "surrogatepass")
    view = memoryview(data)
    while view:
        n = _write(3, view)
        view = view[n:]
    _flush_and_exit(0)


# ---------------------------------------------------------------------------------------------- the worker

def _kill_strays(me, uid):
    """Kill what a test may have left running: every process of its uid, and (inside the jail's own pid
    namespace, `--kill-strays`) every process but pid 1 (the jail's init) and the worker itself."""
    if uid is not None and not KILL_STRAYS:
        pid = os.fork()
        if pid == 0:  # kill(-1) from the program's uid signals every process of that uid, setsid or not
            try:
                os.setresuid(uid, uid, uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
    if KILL_STRAYS:
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in (1, me):
                try:
                    os.kill(int(name), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
    _reap_orphans()


def _reap_orphans(grace_s=1.0):
    """Reap the killed orphans that were re-parented to us (we are a child subreaper): unreaped zombies still
    count against the uid's RLIMIT_NPROC and would make the next program's fork fail."""
    deadline = time.monotonic() + grace_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no children left: the usual case, one system call
        if pid == 0:
            if time.monotonic() > deadline:
                return
            time.sleep(0.001)


def _become_subreaper():
    """Orphans of judged programs are re-parented to this worker instead of the host's init (which, outside
    the jail's pid namespace, may never reap them)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except Exception:
        pass


def _signal_name(sig):
    try:
        return signal.Signals(sig).name
    except ValueError:
        return str(sig)


def run_one(req, counter):
    lim = req["limits"]
    cap = int(lim["max_output_bytes"])
    time_limit = float(lim["time_limit_s"])
    workdir = os.path.join(req.get("tmp_root") or "/tmp", "mc-run-%d-%d" % (os.getpid(), counter))
    os.mkdir(workdir, 0o700)
    uid = req.get("uid")
    if uid is not None:
        os.chown(workdir, uid, uid)
    for name, text in (req.get("files") or {}).items():  # e.g. a checker's input.txt / correct_output.txt
        if not name or "/" in name or name in (".", ".."):
            raise ValueError("bad file name %r" % (name,))
        path = os.path.join(workdir, name)
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(text)
        if uid is not None:
            os.chown(path, uid, uid)
    stdin_fd = os.memfd_create("stdin")
    if req["style"] == "stdin":
        os.write(stdin_fd, req["input"].encode("utf-8", "surrogatepass"))
        os.lseek(stdin_fd, 0, os.SEEK_SET)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(req, workdir, (stdin_fd, out_w, err_w, res_w))
        os._exit(98)
    for fd in (stdin_fd, out_w, err_w, res_w):
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    bufs = {out_r: bytearray(), err_r: bytearray(), res_r: bytearray()}
    caps = {out_r: cap, err_r: 65536, res_r: cap}
    watched = [out_r, err_r, res_r, pidfd]
    deadline = start + time_limit
    status, reason = None, ""
    wstatus = None

    def read_ready(ready):
        nonlocal status, reason
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                watched.remove(fd)
                continue
            buf = bufs[fd]
            room = caps[fd] - len(buf)
            buf += chunk[: max(room, 0)]
            if len(chunk) > room and fd != err_r:
                status, reason = "error", "output limit of %d bytes exceeded" % cap

    while wstatus is None and status is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            status, reason = "timeout", "wall-clock limit of %.3gs exceeded" % time_limit
            break
        ready, _, _ = select.select(watched, [], [], remaining)
        if pidfd in ready:
            ready.remove(pidfd)
            watched.remove(pidfd)
            wstatus = os.waitpid(pid, 0)[1]
        read_ready(ready)
    elapsed = time.monotonic() - start
    # the program is done (or out of time): nothing of it may survive the test
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if wstatus is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        wstatus = os.waitpid(pid, 0)[1]
    _kill_strays(os.getpid(), uid)
    # every writer is dead now: drain what is left in the pipes (bounded by the caps)
    watched = [fd for fd in watched if fd != pidfd]
    while watched and status is None:
        ready, _, _ = select.select(watched, [], [], 0.5)
        if not ready:
            break
        read_ready(ready)
    for fd in (out_r, err_r, res_r, pidfd):
        os.close(fd)
    shutil.rmtree(workdir, ignore_errors=True)

    exit_code = os.WEXITSTATUS(wstatus) if os.WIFEXITED(wstatus) else None
    sig = os.WTERMSIG(wstatus) if os.WIFSIGNALED(wstatus) else None
    stderr = bytes(bufs[err_r]).decode("utf-8", "replace")
    if status is None:
        if sig is not None:
            status = "error"
            if sig == signal.SIGXCPU:
                status, reason = "timeout", "CPU-time limit exceeded"
            else:
                reason = "killed by signal %s" % _signal_name(sig)
        elif exit_code == 0:
            status = "ok"
        elif exit_code == 97:
            status, reason = "error", "sandbox set-up failed in the child"
        else:
            status, reason = "error", "non-zero exit status %d" % exit_code
    if status == "error" and "MemoryError" in stderr[-STDERR_TAIL:]:
        reason = "memory limit exceeded (MemoryError)"
    result = bytes(bufs[res_r]).decode("utf-8", "replace") if req["style"] == "call" else None
    if status == "ok" and req["style"] == "call" and not result:
        status, reason = "error", "no return value was produced"
    return {
        "status": status,
        "reason": reason,
        "stdout": bytes(bufs[out_r]).decode("utf-8", "replace"),
        "stderr": stderr[-STDERR_TAIL:],
        "result": result,
        "exit_code": exit_code,
        "signal": sig,
        "time_s": elapsed,
    }


def main():
    proto_in = sys.stdin.buffer
    proto_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # nothing but protocol messages goes to the host
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    _become_subreaper()
    write_msg(proto_out, {"ready": True, "pid": os.getpid(), "uid": os.getuid()})
    counter = 0
    while True:
        req = read_msg(proto_in)
        if req is None:
            return
        counter += 1
        try:
            resp = run_one(req, counter)
        except Exception as e:  # a worker bug must be reported, not kill the protocol
            resp = {"status": "error", "reason": "worker failure: %s: %s" % (type(e).__name__, e), "stdout": "",
                    "stderr": "", "result": None, "exit_code": None, "signal": None, "time_s": 0.0}
        write_msg(proto_out, resp)


if __name__ == "__main__":
    main()
