"""Adversarial programs against the sandbox. Every program here is bounded: harmless even if the jail failed."""

import os
import socket
import threading
import time

import pytest

from microcoder.evaluator.sandbox import UID_BASE, Limits, Sandbox, decode_value, jail_mode

FAST = Limits(time_limit_s=2.0, memory_mb=256)
jailed = pytest.mark.skipif(jail_mode() != "bwrap", reason="needs the bubblewrap jail (make setup installs it)")
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="per-program uid is used only when the host is root")


@pytest.fixture(scope="module")
def sb():
    with Sandbox(slot=3) as box:
        yield box


def run(sb, code, style="stdin", input="", fn_name=None, limits=FAST):
    return sb.run(code, style=style, input=input, fn_name=fn_name, limits=limits)


def uid_processes(uid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/status") as f:
                    for line in f:
                        if line.startswith("Uid:") and int(line.split()[1]) == uid:
                            found.append(int(name))
            except OSError:
                pass
    return found


def test_stdin_program_reads_input_and_its_stdout_is_returned(sb):
    r = run(sb, "a, b = map(int, input().split())\nprint(a + b)", input="2 40\n")
    assert (r.status, r.stdout) == ("ok", "42\n")


def test_call_style_return_value_keeps_tuples_sets_and_dict_keys(sb):
    code = "def f(x):\n    return (x, [1, (2, 3)], {4, 5}, {1: 'a'}, 0.5, True, None)"
    r = run(sb, code, style="call", input=[7], fn_name="f")
    assert r.status == "ok"
    assert decode_value(r.result) == (7, [1, (2, 3)], {4, 5}, {1: "a"}, 0.5, True, None)
    assert type(decode_value(r.result)[5]) is bool


def test_leetcode_solution_class_method_is_called(sb):
    code = "class Solution:\n    def twoSum(self, nums, t):\n        return [0, 1]"
    r = run(sb, code, style="call", input=[[1, 2], 3], fn_name="twoSum")
    assert r.status == "ok" and decode_value(r.result) == [0, 1]


def test_infinite_loop_times_out_at_the_wall_clock_limit(sb):
    r = run(sb, "while True:\n    pass", limits=Limits(time_limit_s=1.0, memory_mb=256))
    assert r.status == "timeout" and "wall-clock limit" in r.reason


def test_sleeping_program_times_out_without_using_cpu(sb):
    r = run(sb, "import time\ntime.sleep(30)", limits=Limits(time_limit_s=0.5, memory_mb=256))
    assert r.status == "timeout"


def test_memory_growth_is_stopped_by_the_address_space_limit(sb):
    code = "x = []\nfor _ in range(40):\n    x.append(bytearray(32 * 1024 * 1024))\nprint(len(x))"
    r = run(sb, code)
    assert r.status == "error" and "memory" in r.reason.lower()


@as_root
def test_fork_loop_is_capped_and_leaves_no_process_behind(sb):
    code = (
        "import os, time\n"
        "kids = 0\n"
        "for _ in range(100):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        time.sleep(20)\n"
        "        os._exit(0)\n"
        "    kids += 1\n"
        "print(kids)\n"
    )
    r = run(sb, code)
    assert r.status == "error"  # BlockingIOError once RLIMIT_NPROC is reached
    assert "BlockingIOError" in r.stderr or "Resource temporarily unavailable" in r.stderr
    time.sleep(0.2)
    assert uid_processes(UID_BASE + sb.slot) == []


@as_root
def test_grandchild_that_escapes_with_setsid_is_killed_after_the_test(sb):
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(30)\n"
        "    os._exit(0)\n"
        "print('parent done')\n"
    )
    r = run(sb, code)
    assert r.status == "ok" and r.stdout == "parent done\n"
    time.sleep(0.2)
    assert uid_processes(UID_BASE + sb.slot) == []


def test_huge_output_is_cut_and_reported(sb):
    r = run(sb, "import sys\nfor _ in range(50):\n    sys.stdout.write('x' * 1000000)",
            limits=Limits(time_limit_s=5, memory_mb=256, max_output_bytes=1 << 20))
    assert r.status == "error" and "output limit" in r.reason
    assert len(r.stdout) <= 1 << 20


def test_large_file_write_is_stopped_by_the_file_size_limit(sb):
    code = "with open('big', 'wb') as f:\n    for _ in range(64):\n        f.write(b'x' * (1 << 20))"
    r = run(sb, code, limits=Limits(time_limit_s=5, memory_mb=256, max_file_bytes=4 << 20))
    assert r.status == "error"


def test_early_exit_in_stdin_style_keeps_the_printed_answer(sb):
    r = run(sb, "import sys\nprint(5)\nsys.exit(0)\nprint(6)")
    assert (r.status, r.stdout) == ("ok", "5\n")


def test_exit_builtin_works_for_correct_programs(sb):
    r = run(sb, "print('yes')\nexit()")
    assert (r.status, r.stdout) == ("ok", "yes\n")


def test_nonzero_exit_is_an_error(sb):
    r = run(sb, "import sys\nprint(1)\nsys.exit(3)")
    assert r.status == "error" and r.exit_code == 3


@pytest.mark.parametrize("code", [
    "import sys\ndef f(x):\n    sys.exit(0)",
    "import os\ndef f(x):\n    os._exit(0)",
    "import sys\nsys.exit(0)\ndef f(x):\n    return x",
])
def test_exiting_instead_of_returning_cannot_pass_a_call_style_test(sb, code):
    r = run(sb, code, style="call", input=[1], fn_name="f")
    assert r.status == "error"


def test_object_with_always_true_eq_is_refused(sb):
    code = ("class Any:\n    def __eq__(self, o):\n        return True\n"
            "def f(x):\n    return Any()")
    r = run(sb, code, style="call", input=[1], fn_name="f")
    assert r.status == "error" and "serialisable" in r.stderr


def test_int_subclass_with_fake_eq_is_refused(sb):
    code = ("class I(int):\n    def __eq__(self, o):\n        return True\n"
            "def f(x):\n    return I(0)")
    r = run(sb, code, style="call", input=[1], fn_name="f")
    assert r.status == "error"


def test_patching_json_and_builtins_does_not_change_the_encoded_value(sb):
    code = (
        "import json, builtins\n"
        "json.dumps = lambda *a, **k: '42'\n"
        "json.encoder.encode_basestring_ascii = lambda s: '\"42\"'\n"
        "builtins.repr = lambda o: '42'\n"
        "builtins.type = lambda o: int\n"
        "builtins.getattr = builtins.hasattr = builtins.isinstance = lambda *a: 1 / 0\n"
        "def f(x):\n    return 7\n"
    )
    r = run(sb, code, style="call", input=[1], fn_name="f")
    assert r.status == "ok" and decode_value(r.result) == 7


def test_writing_garbage_to_the_result_pipe_is_not_a_value(sb):
    code = "import os\ndef f(x):\n    os.write(3, b'{not json')\n    return 1"
    r = run(sb, code, style="call", input=[1], fn_name="f")
    with pytest.raises(Exception):
        decode_value(r.result)


def test_deep_recursion_ends_in_a_verdict_and_the_worker_survives(sb):
    code = "import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return f(n + 1) + 1\nf(0)"
    r = run(sb, code, limits=Limits(time_limit_s=3, memory_mb=128))
    assert r.status in ("error", "timeout")
    assert run(sb, "print('alive')").stdout == "alive\n"


def test_killing_the_worker_is_not_possible_for_the_program(sb):
    r = run(sb, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint('after')")
    assert run(sb, "print('alive')").stdout == "alive\n"
    if os.geteuid() == 0:
        assert r.status == "error"  # PermissionError: the program is not root


def test_environment_is_scrubbed(sb, monkeypatch):
    monkeypatch.setenv("MICROCODER_TEST_SECRET", "hunter2")
    with Sandbox(slot=4) as fresh:
        r = run(fresh, "import os\nprint(sorted(os.environ.items()))")
    assert "hunter2" not in r.stdout
    assert "MICROCODER_TEST_SECRET" not in r.stdout


def test_working_directory_is_private_and_removed(sb):
    r1 = run(sb, "import os\nopen('leftover', 'w').write('x')\nprint(os.getcwd())")
    r2 = run(sb, "import os\nprint(os.getcwd(), os.listdir('.'))")
    assert r1.status == r2.status == "ok"
    assert r1.stdout.strip() != r2.stdout.split()[0]
    assert r2.stdout.strip().endswith("[]")


def test_a_dead_worker_is_restarted_transparently():
    with Sandbox(slot=5) as box:
        assert run(box, "print(1)").stdout == "1\n"
        box.proc.kill()
        box.proc.wait()
        assert run(box, "print(2)").stdout == "2\n"


@jailed
def test_socket_to_localhost_fails_inside_the_jail(sb):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(3)
    port = server.getsockname()[1]
    accepted = []

    def accept():
        try:
            accepted.append(server.accept())
        except OSError:
            pass

    t = threading.Thread(target=accept)
    t.start()
    code = ("import socket\n"
            f"s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "s.sendall(b'leak')\nprint('connected')")
    r = run(sb, code)
    t.join()
    server.close()
    assert r.status == "error" and "connected" not in r.stdout
    assert accepted == []


@jailed
def test_files_of_the_host_are_not_visible(sb, tmp_path):
    secret = tmp_path / "expected_outputs.jsonl"
    secret.write_text('{"output": "S3CRET-ANSWER"}\n')
    here = os.path.abspath(__file__)
    code = (
        "import os\nfound = []\n"
        f"for p in [{str(secret)!r}, {here!r}, '/work', '/home', '/root/.bash_history', '/proc/1/environ']:\n"
        "    try:\n"
        "        if os.path.isdir(p):\n"
        "            found.append((p, os.listdir(p)[:3]))\n"
        "        else:\n"
        "            found.append((p, open(p).read(100)))\n"
        "    except OSError:\n"
        "        pass\n"
        "print(found)\n"
    )
    r = run(sb, code)
    assert r.status == "ok"
    assert "S3CRET" not in r.stdout and "def test_" not in r.stdout
    assert "/work" not in r.stdout and str(tmp_path) not in r.stdout


@jailed
def test_host_processes_are_invisible(sb):
    r = run(sb, "import os\nprint(len([p for p in os.listdir('/proc') if p.isdigit()]))")
    assert r.status == "ok" and int(r.stdout) <= 4  # jail init, worker, the program (and its /proc read)


@jailed
def test_filesystem_outside_tmp_is_read_only(sb):
    r = run(sb, "open('/usr/mc_write_probe', 'w').write('x')")
    assert r.status == "error"
