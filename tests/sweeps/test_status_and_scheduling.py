"""The sweep's view of its runs from the run store, the branch-aware scheduling, metric tailing and stale-writer
cleanup (fast: fabricated run folders, no Ray cluster, no training)."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from microcoder.cli import main
from microcoder.run_store import RunStore
from sweeps.dispatch import _searcher_class
from sweeps.plan import make_plan, save_plan
from sweeps.status import STOP_FILE, run_views
from sweeps.supervisor import MetricsTail, RunFailed, checkpoint_ready, stop_stale_writer

DEMO = Path(__file__).resolve().parents[2] / "sweeps" / "specs" / "demo.yaml"


@pytest.fixture
def sweep(tmp_path):
    plan = make_plan(DEMO)
    sweep_dir = tmp_path / plan.name
    save_plan(plan, sweep_dir)
    return plan, sweep_dir


def store_of(plan, sweep_dir, run):
    return RunStore(sweep_dir.parent, plan.name, run)


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def make_checkpoint(store: RunStore, step: int) -> None:
    store.checkpoint_path(step).mkdir(parents=True)
    store.mark_checkpoint_complete(step)


def test_status_command_reads_every_state_from_the_run_store(sweep, capsys):
    plan, sweep_dir = sweep
    done = store_of(plan, sweep_dir, "t0.6-s0")
    for step in range(13):
        done.log(step, {"train/accuracy": 0.5, "train/response_diversity": 0.4, **({"test/accuracy": 0.25}
                                                                                  if step % 3 == 0 else {})})
    done.set_status("finished")
    gone = store_of(plan, sweep_dir, "t1.2-s0")
    gone.log(0, {"test/accuracy": 0.2})
    gone.set_status("running", pid=dead_pid(), host=socket.gethostname())
    stopped = store_of(plan, sweep_dir, "t1.8-s0")
    stopped.log(0, {"train/response_diversity": 0.1})
    stopped.set_status("killed")
    (stopped.dir / STOP_FILE).write_text(json.dumps({"rule": "train/response_diversity < 0.2 for 1 step",
                                                     "metric": "train/response_diversity", "value": 0.1,
                                                     "step": 0}))
    views = {v.name: v for v in run_views(plan, sweep_dir.parent)}
    assert {n: v.state for n, v in views.items()} == {"t0.6-s0": "finished", "t1.2-s0": "interrupted",
                                                      "t1.8-s0": "stopped", "t0.6-to-1.2-s0": "pending"}
    assert views["t0.6-s0"].step == 12 and views["t0.6-s0"].metrics["test/accuracy"] == 0.25
    assert views["t0.6-to-1.2-s0"].note == "waits for t0.6-s0 at step 6"
    assert main(["sweep", "status", str(sweep_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("sweep demo: 4 runs — 1 finished, 0 running, 1 pending, 0 failed, 1 stopped, "
                          "1 interrupted")
    assert "12/12" in out and "stop rule at step 0" in out
    assert main(["sweep", "status", str(sweep_dir), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["state"] for r in rows] == ["finished", "interrupted", "stopped", "pending"]


def test_status_of_a_folder_without_a_plan_fails_cleanly(tmp_path, capsys):
    assert main(["sweep", "status", str(tmp_path)]) == 2
    assert "is not a sweep folder" in capsys.readouterr().err


def test_branch_is_handed_out_only_once_its_parents_checkpoint_is_complete(sweep):
    plan, sweep_dir = sweep
    searcher = _searcher_class()(plan, sweep_dir, [r.name for r in plan.runs], log=lambda s: None)
    got = [searcher.suggest(f"trial{i}") for i in range(4)]
    assert [g["run"] if g else None for g in got] == ["t0.6-s0", "t1.2-s0", "t1.8-s0", None]
    parent = store_of(plan, sweep_dir, "t0.6-s0")
    parent.checkpoint_path(6).mkdir(parents=True)  # written but not yet marked complete
    assert searcher.suggest("trial5") is None
    parent.mark_checkpoint_complete(6)
    assert searcher.suggest("trial6")["run"] == "t0.6-to-1.2-s0"
    assert searcher.suggest("trial7") == "FINISHED"


def test_branch_of_a_parent_that_was_given_up_fails_without_running(sweep):
    plan, sweep_dir = sweep
    searcher = _searcher_class()(plan, sweep_dir, [r.name for r in plan.runs], log=lambda s: None)
    first = searcher.suggest("t-a")
    assert first["run"] == "t0.6-s0"
    searcher.on_trial_complete("t-a", error=True)
    names = [searcher.suggest(f"t{i}") for i in range(3)]
    assert [n["run"] if isinstance(n, dict) else n for n in names] == ["t1.2-s0", "t1.8-s0", "FINISHED"]
    status = store_of(plan, sweep_dir, "t0.6-to-1.2-s0").read_status()
    assert status["state"] == "failed" and "parent run t0.6-s0 failed" in status["error"]


def test_resumed_dispatch_starts_a_branch_of_a_finished_parent_at_once(sweep):
    plan, sweep_dir = sweep
    parent = store_of(plan, sweep_dir, "t0.6-s0")
    make_checkpoint(parent, 6)
    parent.set_status("finished")
    searcher = _searcher_class()(plan, sweep_dir, ["t0.6-to-1.2-s0"], log=lambda s: None)
    assert searcher.suggest("t")["run"] == "t0.6-to-1.2-s0"


def test_checkpoint_is_ready_only_when_marked_complete_at_or_after_the_step(tmp_path):
    store = RunStore(tmp_path, "s", "r")
    assert not checkpoint_ready(store, 3)
    store.checkpoint_path(3).mkdir(parents=True)
    assert not checkpoint_ready(store, 3)
    store.mark_checkpoint_complete(3)
    assert checkpoint_ready(store, 3)
    make_checkpoint(store, 6)
    assert checkpoint_ready(store, 3) and checkpoint_ready(store, 6) and not checkpoint_ready(store, 9)


def test_metrics_tail_reports_each_new_step_once_and_follows_a_resume_rewrite(tmp_path):
    store = RunStore(tmp_path, "s", "r")
    tail = MetricsTail(store.metrics_path)
    assert tail.new_rows() == []
    for step in range(4):
        store.log(step, {"x": step})
    assert [r["step"] for r in tail.new_rows()] == [0, 1, 2, 3]
    with open(store.metrics_path, "ab") as f:
        f.write(b'{"step": 4, "x"')  # a line being written: not reported until complete
    assert tail.new_rows() == []
    again = RunStore(tmp_path, "s", "r")
    again.resume_from(2)  # the restarted run drops steps after its checkpoint and recomputes them
    for step in (3, 4):
        again.log(step, {"x": 10 * step})
    assert [(r["step"], r["x"]) for r in tail.new_rows()] == [(3, 30), (4, 40)]


def test_a_dead_drivers_worker_is_terminated_before_a_new_attempt(sweep):
    plan, sweep_dir = sweep
    store = store_of(plan, sweep_dir, "t0.6-s0")
    fake = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "-m", "sweeps.worker",
                             str(sweep_dir.resolve()), "t0.6-s0"], start_new_session=True)
    try:
        store.set_status("running", pid=fake.pid, host=socket.gethostname())
        assert stop_stale_writer(store, sweep_dir.resolve(), grace_s=5) == fake.pid
        assert fake.wait(timeout=5) is not None  # stopped: a bounded wait, not a timing
    finally:
        if fake.poll() is None:
            fake.kill()


def test_a_live_writer_that_is_not_a_sweep_worker_is_never_killed(sweep):
    plan, sweep_dir = sweep
    store = store_of(plan, sweep_dir, "t0.6-s0")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        store.set_status("running", pid=other.pid, host=socket.gethostname())
        with pytest.raises(RunFailed, match="not by a sweep worker"):
            stop_stale_writer(store, sweep_dir.resolve(), grace_s=1)
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_without_address_the_sweep_starts_its_own_ray_even_when_ray_address_points_elsewhere(tmp_path):
    """A Ray already running here (a live `ray start --head`, a stale cluster file, $RAY_ADDRESS) must not be
    joined with the sweep's num_cpus ("When connecting to an existing cluster, num_cpus ... must not be provided")."""
    import os

    code = ("import ray\nfrom pathlib import Path\nfrom sweeps.dispatch import _init_ray\nfrom sweeps.plan import "
            "make_plan\nplan = make_plan(Path('sweeps/specs/demo.yaml'))\nstarted, _ = _init_ray(None, 1, plan, "
            "print)\nprint('started', started, ray.cluster_resources().get('CPU'))\nray.shutdown()\n")
    env = {**os.environ, "RAY_ADDRESS": "127.0.0.1:1"}  # nothing listens there: joining it would fail
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "started True 1.0" in p.stdout
