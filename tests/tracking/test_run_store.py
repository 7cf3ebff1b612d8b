"""The run store: every logged step survives a kill, torn tails are skipped and repaired, restarts neither
duplicate nor skip steps, status writes are atomic and validated, NaN round-trips."""

import math
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from microcoder.config import from_dict, load_config, to_dict
from microcoder.run_store import STATES, RunStore, RunStoreError


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs", "sweep", "run")


def steps_of(store):
    return [r["step"] for r in store.read_metrics()]


# ---------------------------------------------------------------------------------------------- layout


def test_layout_is_runs_sweep_run_and_nothing_is_created_before_a_write(tmp_path):
    store = RunStore(tmp_path / "runs", "kl_clip", "grpo-s0")
    assert store.dir == tmp_path / "runs" / "kl_clip" / "grpo-s0"
    assert store.checkpoints_dir == store.dir / "checkpoints"
    assert store.samples_dir == store.dir / "samples"
    assert not store.dir.exists()
    assert store.read_metrics() == [] and store.last_step() is None and store.read_status() is None
    assert store.read_config() is None and store.latest_checkpoint() is None
    again = RunStore.at(store.dir)
    assert (again.root, again.sweep, again.run, again.dir) == (store.root, "kl_clip", "grpo-s0", store.dir)


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "a\\b"])
def test_names_that_are_not_one_path_segment_are_refused(tmp_path, bad):
    with pytest.raises(RunStoreError, match="path segment"):
        RunStore(tmp_path, bad, "run")
    with pytest.raises(RunStoreError, match="path segment"):
        RunStore(tmp_path, "sweep", bad)


def test_config_round_trips_through_yaml_and_loads_back_as_the_same_run_config(store):
    cfg = load_config(None, preset="microcoder-grpo")
    store.write_config(to_dict(cfg))
    assert store.read_config() == to_dict(cfg)
    assert from_dict(store.read_config()) == cfg
    store.write_config(cfg)  # a RunConfig dataclass is resolved the same way
    assert store.read_config() == to_dict(cfg)
    with pytest.raises(RunStoreError, match="mapping"):
        store.write_config([1, 2])


# ---------------------------------------------------------------------------------------------- metrics


def test_every_step_logged_before_a_sigkill_is_present(tmp_path):
    root = tmp_path / "runs"
    child = textwrap.dedent(
        """
        import sys
        from microcoder.run_store import RunStore
        store = RunStore(sys.argv[1], "sweep", "run")
        for step in range(20000):  # bounded: the parent kills it long before
            store.log(step, {"train/accuracy": step / 7, "pad": "x" * 300})
            print(step, flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child, str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    reported = -1
    try:
        while reported < 40:
            line = proc.stdout.readline()
            assert line, f"the child died early: {proc.stderr.read()}"
            reported = int(line)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    store = RunStore(root, "sweep", "run")
    rows = store.read_metrics()
    steps = [r["step"] for r in rows]
    assert steps == list(range(len(steps))), "steps must be contiguous from 0, without duplicates"
    assert steps[-1] >= reported
    assert rows.skipped <= 1  # a torn tail is possible only mid-write
    assert rows[reported]["train/accuracy"] == reported / 7
    store.log(steps[-1] + 1, {"train/accuracy": 0.0})  # the run goes on after the repair
    assert steps_of(store) == list(range(len(steps) + 1)) and store.read_metrics().skipped == 0


def test_a_torn_last_line_is_skipped_on_read_and_repaired_on_reopen(store):
    for step in range(3):
        store.log(step, {"train/accuracy": step / 10})
    with open(store.metrics_path, "ab") as f:
        f.write(b'{"step": 3, "train/accu')  # a write interrupted mid-line
    reopened = RunStore.at(store.dir)
    rows = reopened.read_metrics()
    assert [r["step"] for r in rows] == [0, 1, 2] and rows.skipped == 1
    assert reopened.last_step() == 2
    reopened.log(3, {"train/accuracy": 0.3})
    rows = reopened.read_metrics()
    assert [r["step"] for r in rows] == [0, 1, 2, 3] and rows.skipped == 0
    assert store.metrics_path.read_bytes().endswith(b"\n")


def test_unparseable_complete_lines_at_the_tail_are_repaired_too(store):
    store.log(0, {"a": 1})
    with open(store.metrics_path, "ab") as f:
        f.write(b"\x00\x00\x00\n\n[1, 2]\n")  # zero-filled block after a crash, a blank line, a non-row
    reopened = RunStore.at(store.dir)
    assert reopened.read_metrics().skipped == 2
    reopened.log(1, {"a": 2})
    rows = reopened.read_metrics()
    assert [r["step"] for r in rows] == [0, 1] and rows.skipped == 0


def test_resume_from_k_keeps_steps_up_to_k_and_the_rerun_has_no_duplicates_or_gaps(store):
    for step in range(10):
        store.log(step, {"train/accuracy": step})
    store.write_samples(4, [{"response": "a"}])
    store.write_samples(8, [{"response": "b"}])
    restarted = RunStore.at(store.dir)  # a new process restarting from the checkpoint at step 5
    assert restarted.resume_from(5) == 4
    assert steps_of(restarted) == [0, 1, 2, 3, 4, 5]
    assert restarted.sample_steps() == [4]
    with pytest.raises(RunStoreError, match="not after the last logged step 5"):
        restarted.log(5, {"train/accuracy": -1})
    for step in range(6, 12):
        restarted.log(step, {"train/accuracy": step + 100})
    rows = restarted.read_metrics()
    assert [r["step"] for r in rows] == list(range(12))
    assert [r["train/accuracy"] for r in rows] == [0, 1, 2, 3, 4, 5] + [s + 100 for s in range(6, 12)]
    assert not [p for p in store.dir.iterdir() if p.name.endswith(".tmp")]


def test_resume_from_a_step_beyond_the_last_logged_one_warns_of_the_gap_and_requires_later_steps(store):
    store.log(0, {})
    with pytest.warns(RuntimeWarning, match=r"steps 1..3 were never logged"):
        assert store.resume_from(3) == 0
    assert store.last_step() == 0
    with pytest.raises(RunStoreError):
        store.log(3, {})
    store.log(4, {})
    assert steps_of(store) == [0, 4]


def test_clear_metrics_restarts_from_scratch(store):
    for step in range(3):
        store.log(step, {"a": step})
    store.write_samples(1, [{"x": 1}])
    assert store.clear_metrics() == 3
    assert store.read_metrics() == [] and store.sample_steps() == []
    store.log(0, {"a": 9})
    assert steps_of(store) == [0]


def test_logging_a_step_that_does_not_increase_raises(store):
    store.log(0, {"a": 1})
    store.log(5, {"a": 2})
    for bad in (5, 4, 0):
        with pytest.raises(RunStoreError, match="not after the last logged step 5"):
            store.log(bad, {"a": 3})
    with pytest.raises(RunStoreError, match="not after"):
        RunStore.at(store.dir).log(5, {"a": 3})  # a fresh instance reads the last step from the file
    assert steps_of(store) == [0, 5]


@pytest.mark.parametrize("bad", [1.0, True, -1, "3", None])
def test_a_step_must_be_a_non_negative_int(store, bad):
    with pytest.raises(RunStoreError, match="step must be"):
        store.log(bad, {"a": 1})


def test_numpy_steps_and_values_are_accepted(store):
    store.log(np.int64(0), {"a": np.float32(0.5), "b": np.int64(3), "c": np.array([1, 2])})
    assert store.read_metrics() == [{"step": 0, "a": 0.5, "b": 3, "c": [1, 2]}]


def test_a_step_key_inside_the_metrics_must_agree(store):
    store.log(0, {"step": 0, "a": 1})
    with pytest.raises(RunStoreError, match="disagrees"):
        store.log(1, {"step": 2})
    with pytest.raises(RunStoreError, match="not JSON"):
        store.log(1, {"a": object()})
    assert store.read_metrics() == [{"step": 0, "a": 1}]


def test_nan_and_inf_round_trip_and_pandas_reads_the_file(store):
    pd = pytest.importorskip("pandas")
    store.log(0, {"a": float("nan"), "b": float("inf"), "c": float("-inf"), "d": 1.5})
    store.log(1, {"a": 2.0, "d": float("nan")})
    rows = store.read_metrics()
    assert math.isnan(rows[0]["a"]) and rows[0]["b"] == math.inf and rows[0]["c"] == -math.inf
    assert rows[0]["d"] == 1.5 and math.isnan(rows[1]["d"])
    df = pd.read_json(store.metrics_path, lines=True)
    assert list(df["step"]) == [0, 1]
    assert math.isnan(df["a"][0]) and df["a"][1] == 2.0
    assert df["b"][0] == math.inf and df["c"][0] == -math.inf and math.isnan(df["d"][1])


# ---------------------------------------------------------------------------------------------- status


def test_status_is_validated_merged_and_missing_reads_as_none(store):
    assert store.read_status() is None
    with pytest.raises(RunStoreError, match="unknown run state 'done'"):
        store.set_status("done")
    with pytest.raises(RunStoreError, match="unknown status field 'wandbid'"):
        store.set_status("running", wandbid="x")
    with pytest.raises(RunStoreError, match="must be int"):
        store.set_status("running", pid="123")
    with pytest.raises(RunStoreError, match="must be int"):
        store.set_status("running", last_step=True)
    assert store.read_status() is None  # nothing was written by the refused calls
    store.set_status("pending", parent_run="sweep/parent", parent_step=140)
    store.set_status("running", pid=42, host="h", wandb_id="abc", error="old")
    status = store.set_status("running", error=None)  # None clears a field; the others are kept
    assert store.read_status() == status
    assert status["state"] == "running" and status["pid"] == 42 and status["parent_step"] == 140
    assert "error" not in status and status["updated_at"]
    for state in STATES:
        assert store.set_status(state)["state"] == state


def test_a_status_write_that_fails_midway_leaves_the_old_status_and_no_temp_file(store, monkeypatch):
    store.set_status("running", pid=1)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.set_status("finished", pid=2)
    monkeypatch.undo()
    assert store.read_status()["state"] == "running" and store.read_status()["pid"] == 1
    assert sorted(p.name for p in store.dir.iterdir()) == ["status.json"]


def test_a_reader_in_another_process_never_sees_a_partial_status(store):
    store.set_status("running", pid=0)
    reader_code = textwrap.dedent(
        """
        import json, os, sys
        path, stop = sys.argv[1], sys.argv[2]
        reads = partial = 0
        print("ready", flush=True)
        while not os.path.exists(stop):
            try:
                with open(path) as f:
                    json.loads(f.read())
                reads += 1
            except ValueError:
                partial += 1
        print(reads, partial, flush=True)
        """
    )
    stop = store.dir / "stop"
    reader = subprocess.Popen([sys.executable, "-c", reader_code, str(store.status_path), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        for i in range(1, 300):
            store.set_status("running", pid=i, error="x" * (i * 200))
        stop.touch()
        reads, partial = map(int, reader.stdout.readline().split())
    finally:
        stop.touch()
        reader.wait(timeout=30)
        reader.stdout.close()
    assert reads > 0 and partial == 0


# ---------------------------------------------------------------------------------------------- samples, checkpoints


def test_samples_go_to_one_file_per_step(store):
    rows = [{"prompt": "p", "response": "r", "reward": 1.0}, {"prompt": "p", "response": "s", "reward": float("nan")}]
    path = store.write_samples(10, rows)
    assert path == store.samples_dir / "step_000010.jsonl"
    back = store.read_samples(10)
    assert back[0] == rows[0] and math.isnan(back[1]["reward"])
    assert store.read_samples(11) == [] and store.sample_steps() == [10]


def test_checkpoints_use_verls_naming_and_the_latest_is_found(store):
    assert store.checkpoint_path(20) == store.checkpoints_dir / "global_step_20"
    assert store.latest_checkpoint() is None and store.list_checkpoints() == []
    for step in (5, 20, 10):
        store.checkpoint_path(step).mkdir(parents=True)
    (store.checkpoints_dir / "global_step_x").mkdir()
    assert [s for s, _ in store.list_checkpoints()] == [5, 10, 20]
    assert store.latest_checkpoint() == (20, store.checkpoint_path(20))
    store.mark_checkpoint_complete(10)  # verl's marker: step 20 was not completely saved
    assert (store.checkpoints_dir / "latest_checkpointed_iteration.txt").read_text().strip() == "10"
    assert store.latest_checkpoint() == (10, store.checkpoint_path(10))


def test_a_checkpoint_folder_names_its_run_store_and_step(tmp_path):
    store = RunStore(tmp_path, "sweep", "run")
    path = store.checkpoint_path(140)
    found, step = RunStore.of_checkpoint(path)
    assert (found.dir, found.name, step) == (store.dir, "sweep/run", 140)
    for bad in (store.dir, tmp_path / "global_step_3", store.checkpoints_dir / "step_3"):
        with pytest.raises(RunStoreError, match="not a checkpoint folder"):
            RunStore.of_checkpoint(bad)


def test_every_file_of_a_run_folder_is_named_by_the_run_store(tmp_path):
    store = RunStore(tmp_path, "sweep", "run")
    names = {p.relative_to(store.dir).as_posix() for p in (
        store.config_path, store.metrics_path, store.status_path, store.trial_path, store.stop_path,
        store.worker_log_path, store.verl_metrics_path, store.probe_path("temperature"), store.checkpoint_path(3),
        store.samples_path(3))}
    assert names == {"config.yaml", "metrics.jsonl", "status.json", "trial.json", "stopped.json", "worker.log",
                     "verl_metrics.jsonl", "probes/temperature.jsonl", "checkpoints/global_step_3",
                     "samples/step_000003.jsonl"}
    with pytest.raises(RunStoreError):
        store.probe_path("../escape")


def test_probe_rows_round_trip_and_a_torn_last_line_is_skipped(tmp_path):
    store = RunStore(tmp_path, "sweep", "run")
    assert store.read_probe("lengths") == []
    store.append_probe("lengths", {"step": 0, "lengths": [3, 4]})
    store.append_probe("lengths", {"step": 8, "lengths": [5]})
    with open(store.probe_path("lengths"), "a") as f:
        f.write('{"step": 16, "len')  # a writer killed mid-line
    assert store.read_probe("lengths") == [{"step": 0, "lengths": [3, 4]}, {"step": 8, "lengths": [5]}]


def test_config_and_status_reads_refuse_files_that_are_not_what_they_say(tmp_path):
    import yaml

    store = RunStore(tmp_path, "sweep", "run")
    assert store.read_config() is None and store.read_status() is None
    store.dir.mkdir(parents=True)
    store.config_path.write_text("a: [unclosed\n")
    store.status_path.write_text("[1, 2]")
    with pytest.raises(yaml.YAMLError):
        store.read_config()
    with pytest.raises(ValueError, match="not a JSON object"):
        store.read_status()
