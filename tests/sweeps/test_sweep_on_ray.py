"""Sweeps end to end on a real local Ray with real micro-model runs (slow; they run in CI).

One Ray is started for the module (~5 s here) and shared: the in-process dispatch reuses it, and the driver
subprocesses of the crash test connect to it with --address (so killing a driver does not take Ray with it, as
on a cluster). The micro model preset is built once into the shared cache before any run starts.
"""

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from microcoder.run_store import RunStore
from sweeps.dispatch import dispatch
from sweeps.expand import expand
from sweeps.plan import Plan, save_plan
from sweeps.spec import parse_spec
from sweeps.status import STOP_FILE, run_views

pytestmark = pytest.mark.slow

SMALL = {"data.train_batch_size": 8, "actor.ppo_mini_batch_size": 4, "rollout.n": 4, "data.max_response_length": 48,
         "data.test_size": 16, "rollout.val_n": 1, "trainer.total_steps": 6, "trainer.test_freq": 3,
         "trainer.save_freq": 1}
VOLATILE = ("time/", "mem/")  # wall times and memory differ between any two runs; everything else must not


@pytest.fixture(scope="module")
def ray_address():
    import ray

    from microcoder.models import load_policy

    load_policy(None, "micro", log=lambda s: None)  # build the preset once, before runs race to build it
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
    ray.init(num_cpus=3, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False,
             object_store_memory=100 * 1024**2)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def steps(store: RunStore) -> list[int]:
    return [r["step"] for r in store.read_metrics()]


def stable(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if not k.startswith(VOLATILE)} for r in rows]


def wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}


def test_killed_runs_are_retried_branches_wait_for_checkpoints_and_stop_rules_stop(ray_address, tmp_path,
                                                                                     offline_run_when):
    """a, b and c are the same run under three names. b's training process and c's trial supervisor are
    SIGKILLed mid-run: both are retried, resume from their checkpoints and end exactly where the untouched a
    ends. `hot` branches a at step 2 at T=1.6, and the rule `train/temperature > 1.5` stops it at its first step.
    `broken` fails every time (its data file exists, so the plan's checks pass, but it is not JSON): it is given up
    after its retries, its branch is never started, and the others are not held up."""
    broken_data = tmp_path / "broken-data.jsonl"
    broken_data.write_text("this is not a problem\n")
    spec = parse_spec({"name": "retry", "backend": "local", "set": SMALL,
                       "arms": {"a": {}, "b": {}, "c": {}, "broken": {"data.train": str(broken_data)}},
                       "branches": {"hot": {"from": "a", "at_step": 2, "set": {"rollout.temperature": 1.6}},
                                    "after-broken": {"from": "broken", "at_step": 2}},
                       "stop": [{"metric": "train/temperature", "above": 1.5}],
                       "tracking": {"project": "sweep-test", "mode": "offline"}, "max_failures": 2})
    plan = Plan(spec, expand(spec))
    sweep_dir = tmp_path / plan.name
    save_plan(plan, sweep_dir)
    store = {r.name: RunStore(tmp_path, plan.name, r.name) for r in plan.runs}
    killed: dict[str, int] = {}

    def killer():
        def kill_when_running(run: str, field: str) -> None:
            def ready():
                s = store[run].read_status() or {}
                return s.get("state") == "running" and (store[run].last_step() or 0) >= 2
            wait_for(ready, 300, f"{run} to reach step 2")
            pid = (store[run].read_status() if field == "pid" else read_json(store[run].dir / "trial.json"))[
                "pid" if field == "pid" else "supervisor_pid"]
            os.kill(pid, signal.SIGKILL)
            killed[run] = pid

        kill_when_running("b-s0", "pid")  # the run's own training process
        kill_when_running("c-s0", "supervisor")  # the Ray Tune trial (its actor process)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    rc = dispatch(sweep_dir, max_concurrent=3, progress_s=1e9, log=lambda s: None)
    thread.join(timeout=5)
    assert set(killed) == {"b-s0", "c-s0"}
    assert rc == 1  # not every run finished: `broken`

    reference = stable(store["a-s0"].read_metrics())
    for run in ("a-s0", "b-s0", "c-s0"):
        assert steps(store[run]) == [0, 1, 2, 3, 4, 5, 6], run  # every step exactly once
        assert store[run].read_status()["state"] == "finished"
        assert stable(store[run].read_metrics()) == reference, f"{run} ended elsewhere than the untouched run"
    assert read_json(store["b-s0"].dir / "trial.json")["attempt"] == 2
    assert read_json(store["c-s0"].dir / "trial.json")["attempt"] == 2

    hot = store["hot-s0"]
    assert steps(hot) == [3] and hot.read_status()["parent_step"] == 2
    assert read_json(hot.dir / STOP_FILE)["step"] == 3
    views = {v.name: v.state for v in run_views(plan, tmp_path)}
    assert views == {"a-s0": "finished", "b-s0": "finished", "c-s0": "finished", "broken-s0": "failed",
                     "hot-s0": "stopped", "after-broken-s0": "failed"}
    assert read_json(store["broken-s0"].dir / "trial.json")["attempt"] == 3  # 1 + max_failures
    assert "broken-data.jsonl" in store["broken-s0"].read_status()["error"]
    assert "parent run broken-s0 failed" in store["after-broken-s0"].read_status()["error"]
    assert not (store["after-broken-s0"].dir / "trial.json").exists()  # never started

    # (the killed runs' W&B segments may be torn by the SIGKILL; the untouched run's is read)
    offline = offline_run_when(store["a-s0"].dir, lambda r: r.get("exit_code") is not None)
    assert (offline["group"], offline["job_type"], offline["name"]) == ("retry", "a", "a-s0")
    assert offline["config"]["actor"]["ppo_mini_batch_size"] == 4  # the full run config
    assert "rollout.temperature=1.6" in offline_run_when(hot.dir, lambda r: bool(r.get("tags")))["tags"]


def test_resume_after_the_driver_is_killed_gives_the_uninterrupted_result(ray_address, tmp_path):
    """x and y are the same run under two names, one at a time. The driver is SIGKILLed while y runs;
    `sweep resume` leaves the finished x untouched and finishes y with every step once, equal to x."""
    spec_path = tmp_path / "crash.yaml"
    spec_path.write_text(yaml.safe_dump({"name": "crash", "backend": "local", "set": SMALL,
                                         "arms": {"x": {}, "y": {}}, "tracking": {"mode": "disabled"}}))
    out = tmp_path / "runs"
    cli = [sys.executable, "-m", "microcoder.cli", "sweep"]
    opts = ["--address", ray_address, "--max-concurrent", "1", "--progress-every", "1000"]
    x, y = RunStore(out, "crash", "x-s0"), RunStore(out, "crash", "y-s0")
    driver = subprocess.Popen(cli + ["run", str(spec_path), "--out", str(out)] + opts, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: (x.read_status() or {}).get("state") == "finished" and (y.last_step() or 0) >= 2, 300,
                 "x to finish and y to reach step 2")
    finally:
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
    x_before = (x.metrics_path.read_bytes(), x.status_path.read_bytes())
    assert (y.read_status() or {}).get("state") != "finished"

    resumed = subprocess.run(cli + ["resume", str(out / "crash")] + opts, capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    assert "1 run to go (1 already done)" in resumed.stdout
    assert (x.metrics_path.read_bytes(), x.status_path.read_bytes()) == x_before  # finished: untouched
    assert steps(y) == [0, 1, 2, 3, 4, 5, 6] and y.read_status()["state"] == "finished"
    assert stable(y.read_metrics()) == stable(x.read_metrics())
    status = subprocess.run(cli + ["status", str(out / "crash")], capture_output=True, text=True, timeout=120)
    assert status.stdout.startswith("sweep crash: 2 runs — 2 finished, 0 running, 0 pending, 0 failed")
