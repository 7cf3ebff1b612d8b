"""The Tracker: each step lands in the run store and in W&B with the same values, a restarted run keeps its W&B
id, and W&B failing (at init or at log) never stops the run store. Also the metric names of design.md §4.

What W&B received is read back from its offline files by wandb itself (`offline_run_when`, tests/conftest.py)."""

import math
import os

import pytest

wandb = pytest.importorskip("wandb")

from microcoder import metrics as M  # noqa: E402
from microcoder.run_store import RunStore  # noqa: E402
from microcoder.tracking import Tracker, TrackingWarning, resolve_mode, wandb_metric_axes  # noqa: E402

CONFIG = {"actor": {"lr": 5e-5}, "rollout": {"temperature": {"kind": "staged", "stages": [[0, 0.6], [140, 1.8]]}},
          "tracking": {"project": "from-config", "mode": "offline"}}


def row(step):
    return {
        M.PROMPTS_SEEN: 16 * (step + 1),
        M.TRAIN_ACCURACY: step / 10,
        M.TRAIN_KL: math.nan if step == 2 else 0.01 * step,
        M.TIME_STEP_S: math.inf if step == 3 else 1.5,
        M.test_accuracy_by("atcoder", "easy"): 0.25,
    }


def same_value(a, b):
    return (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)) or a == b


@pytest.fixture(scope="module")
def tracked(wandb_env, tmp_path_factory):
    """One offline run of 8 steps through the Tracker, shared by the tests that only read it."""
    store = RunStore(tmp_path_factory.mktemp("runs"), "kl_clip", "grpo-s0")
    with Tracker(store, project="microcoder-test", sweep="kl_clip", arm="grpo", run_name="grpo-s0", config=CONFIG,
                 mode="offline", tags=("demo",)) as tracker:
        for step in range(8):
            tracker.log(step, row(step))
    return store, tracker


def test_each_step_lands_in_the_run_store_and_in_wandb_with_the_same_values(tracked, offline_run_when):
    store, tracker = tracked
    rows = store.read_metrics()
    assert [r["step"] for r in rows] == list(range(8)) and rows.skipped == 0
    history = offline_run_when(store.dir, lambda r: len(r["history"]) == 8)["history"]
    assert [h["_step"] for h in history] == list(range(8))
    for stored, logged in zip(rows, history):
        for key, value in row(stored["step"]).items():
            assert same_value(stored[key], value) and same_value(logged[key], value), (stored["step"], key)


def test_the_wandb_run_is_named_as_in_the_design_and_carries_the_config(tracked, offline_run_when):
    store, tracker = tracked
    run = offline_run_when(store.dir, lambda r: r.get("exit_code") is not None)
    assert (run["project"], run["group"], run["job_type"], run["name"], run["tags"]) == (
        "microcoder-test", "kl_clip", "grpo", "grpo-s0", ["demo"])
    assert run["id"] == tracker.wandb_id == store.read_status()["wandb_id"]
    assert run["config"] == CONFIG == store.read_config()
    assert run["exit_code"] == 0
    assert [p.relative_to(store.dir).parts[0] for p in store.dir.rglob("run-*.wandb")] == ["wandb"]


def test_every_metric_plots_against_step_and_the_accuracies_against_prompts_seen(tracked, offline_run_when):
    store, _ = tracked
    run = offline_run_when(store.dir, lambda r: len(r["history"]) == 8)
    declared = run["metrics"]  # name or glob -> its define_metric record
    assert declared[M.STEP]["options"]["hidden"]
    for name in M.KNOWN - {M.STEP}:
        want = M.PROMPTS_SEEN if name in (M.TRAIN_ACCURACY, M.TEST_ACCURACY) else M.STEP
        assert declared[name]["step_metric"] == want, name
    assert declared["test/accuracy*"]["step_metric"] == M.PROMPTS_SEEN  # per platform, and test/accuracy@<tag>
    assert declared[M.TEST_ACCURACY]["summary"] == {"max": True, "last": True}
    globs = [name[:-1] for name, _, _ in wandb_metric_axes() if name.endswith("*")]
    assert not [(a, b) for a in globs for b in globs if a != b and a.startswith(b)]  # W&B matches globs unordered
    assert [h[M.STEP] for h in run["history"]] == [h["_step"] for h in run["history"]] == list(range(8))
    assert run["summary"][M.test_accuracy_by("atcoder", "easy")] == {"max": 0.25, "last": 0.25}


def test_a_branch_run_logs_its_parents_step_count_to_wandb(wandb_env, tmp_path, offline_run_when):
    parent = RunStore(tmp_path, "sweep", "t0.6")
    with Tracker(parent, sweep="sweep", arm="t0.6", config=CONFIG, mode="offline") as tracker:
        for step in range(6):
            tracker.log(step, row(step))
    branch = RunStore(tmp_path, "sweep", "t0.6-to-1.2")  # continues the parent's checkpoint at step 3
    with Tracker(branch, sweep="sweep", arm="t0.6-to-1.2", config=CONFIG, mode="offline") as tracker:
        for step in range(4, 8):
            tracker.log(step, row(step))
    run = offline_run_when(branch.dir, lambda r: len(r["history"]) == 4)
    assert [h[M.STEP] for h in run["history"]] == [4, 5, 6, 7]
    assert [h[M.PROMPTS_SEEN] for h in run["history"]] == [row(s)[M.PROMPTS_SEEN] for s in range(4, 8)]


def test_the_status_records_the_finished_run(tracked):
    store, tracker = tracked
    status = store.read_status()
    assert status["state"] == "finished" and status["last_step"] == 7 and status["pid"] == os.getpid()
    assert status["started_at"] <= status["ended_at"] and status["host"]
    assert "error" not in status and "wandb_error" not in status
    assert set(tracker.timings) == {"wandb_init_s", "wandb_finish_s"}


def test_a_restarted_tracker_reuses_the_wandb_id_and_continues_after_the_checkpoint(wandb_env, tmp_path,
                                                                                     offline_run_when):
    store = RunStore(tmp_path, "sweep", "run")
    first = Tracker(store, sweep="sweep", arm="a", run_name="run", config=CONFIG, mode="offline")
    for step in range(6):
        first.log(step, {M.TRAIN_ACCURACY: 0.1})
    first.finish("killed", error="preempted")
    assert store.read_status()["state"] == "killed" and store.read_status()["error"] == "preempted"

    store = RunStore.at(store.dir)  # the restarted process, resuming from the checkpoint at step 3
    store.resume_from(3)
    with Tracker(store, sweep="sweep", arm="a", run_name="run", config=CONFIG, mode="offline") as second:
        assert second.wandb_id == first.wandb_id
        for step in range(4, 8):
            second.log(step, {M.TRAIN_ACCURACY: 0.9})
    assert [r["step"] for r in store.read_metrics()] == list(range(8))
    status = store.read_status()
    assert status["state"] == "finished" and "error" not in status and status["wandb_id"] == first.wandb_id
    run = offline_run_when(store.dir, lambda r: len(r["segments"]) == 2 and r["exit_code"] is not None)
    old, new = run["segments"]  # one offline-run directory per start, both of the same W&B run
    assert old["id"] == new["id"] == first.wandb_id and (old["exit_code"], new["exit_code"]) == (1, 0)
    assert [(h["_step"], h[M.TRAIN_ACCURACY]) for h in old["history"]] == [(s, 0.1) for s in range(6)]
    assert [(h["_step"], h[M.TRAIN_ACCURACY]) for h in new["history"]] == [(s, 0.9) for s in range(4, 8)]


def test_resume_false_starts_a_new_wandb_run(tmp_path):
    store = RunStore(tmp_path, "sweep", "run")
    Tracker(store, config=CONFIG, mode="disabled").finish()
    old = store.read_status()["wandb_id"]
    store.clear_metrics()
    assert Tracker(store, config=CONFIG, mode="disabled", resume=True).wandb_id == old
    assert Tracker(store, config=CONFIG, mode="disabled", resume=False).wandb_id != old


def test_a_wandb_init_failure_warns_once_and_the_run_store_still_gets_every_step(wandb_env, tmp_path, monkeypatch):
    def broken_init(*args, **kwargs):
        raise RuntimeError("wandb service unreachable")

    monkeypatch.setattr(wandb, "init", broken_init)  # failure injection
    store = RunStore(tmp_path, "sweep", "run")
    with pytest.warns(TrackingWarning, match="W&B init failed .*wandb service unreachable") as caught:
        with Tracker(store, config=CONFIG, mode="offline") as tracker:
            assert not tracker.wandb_active
            for step in range(5):
                tracker.log(step, {M.TRAIN_ACCURACY: step})
    assert len([w for w in caught if issubclass(w.category, TrackingWarning)]) == 1
    assert [r["step"] for r in store.read_metrics()] == list(range(5))
    status = store.read_status()
    assert status["state"] == "finished" and "unreachable" in status["wandb_error"]


def test_a_wandb_log_failure_warns_once_and_the_run_store_still_gets_every_step(wandb_env, tmp_path, monkeypatch):
    store = RunStore(tmp_path, "sweep", "run")
    tracker = Tracker(store, config=CONFIG, mode="offline")
    assert tracker.wandb_active
    tracker.log(0, {M.TRAIN_ACCURACY: 0.0})

    def broken_log(self, *args, **kwargs):
        raise OSError("disk of the wandb dir is full")

    monkeypatch.setattr(type(tracker._run), "log", broken_log)  # failure injection on every wandb Run
    with pytest.warns(TrackingWarning, match="W&B log failed") as caught:
        for step in range(1, 6):
            tracker.log(step, {M.TRAIN_ACCURACY: step})
    monkeypatch.undo()
    tracker.finish()
    assert len([w for w in caught if issubclass(w.category, TrackingWarning)]) == 1
    assert not tracker.wandb_active
    assert [r["step"] for r in store.read_metrics()] == list(range(6))
    assert store.read_status()["state"] == "finished" and "disk" in store.read_status()["wandb_error"]


def test_an_exception_in_the_with_block_marks_the_run_failed_and_propagates(tmp_path):
    store = RunStore(tmp_path, "sweep", "run")
    with pytest.raises(ZeroDivisionError):
        with Tracker(store, config=CONFIG, mode="disabled") as tracker:
            tracker.log(0, {M.TRAIN_ACCURACY: 0.5})
            1 / 0
    status = store.read_status()
    assert status["state"] == "failed" and "ZeroDivisionError" in status["error"] and status["last_step"] == 0
    with pytest.raises(RuntimeError, match="after finish"):
        tracker.log(1, {})


def test_a_keyboard_interrupt_marks_the_run_killed(tmp_path):
    store = RunStore(tmp_path, "sweep", "run")
    with pytest.raises(KeyboardInterrupt):
        with Tracker(store, config=CONFIG, mode="disabled"):
            raise KeyboardInterrupt
    assert store.read_status()["state"] == "killed"


def test_disabled_mode_writes_the_run_store_only(tmp_path):
    store = RunStore(tmp_path, "sweep", "run")
    with Tracker(store, config=CONFIG, mode="disabled") as tracker:
        tracker.log(0, {M.TRAIN_ACCURACY: 1.0})
    assert not (store.dir / "wandb").exists() and tracker.timings == {}
    assert store.read_metrics() == [{"step": 0, M.TRAIN_ACCURACY: 1.0}]
    assert store.read_config() == CONFIG and store.read_status()["state"] == "finished"


def test_the_mode_comes_from_wandb_mode_env_then_the_argument_then_the_config(monkeypatch):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    assert resolve_mode() == "offline"
    assert resolve_mode(None, {"tracking": {"mode": "online"}}) == "online"
    assert resolve_mode("disabled", {"tracking": {"mode": "online"}}) == "disabled"
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert resolve_mode("online", {"tracking": {"mode": "online"}}) == "disabled"
    monkeypatch.setenv("WANDB_MODE", "dryrun")
    assert resolve_mode("online") == "offline"
    monkeypatch.setenv("WANDB_MODE", "sideways")
    with pytest.warns(TrackingWarning, match="WANDB_MODE='sideways'"):
        assert resolve_mode("online") == "online"
    monkeypatch.delenv("WANDB_MODE")
    with pytest.raises(ValueError, match="offline, online, disabled"):
        resolve_mode("offlne")


def test_wandb_mode_env_overrides_the_tracker_argument(tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    store = RunStore(tmp_path, "sweep", "run")
    tracker = Tracker(store, config=CONFIG, mode="offline")
    tracker.finish()
    assert tracker.mode == "disabled" and not (store.dir / "wandb").exists()


def test_project_sweep_and_run_name_default_from_the_config_and_the_store(tmp_path):
    tracker = Tracker(RunStore(tmp_path, "sw", "rn"), config=CONFIG, mode="disabled")
    assert (tracker.project, tracker.sweep, tracker.run_name, tracker.arm) == ("from-config", "sw", "rn", None)
    tracker.finish()


def test_an_unknown_metric_name_warns_once_and_is_still_logged(tmp_path):
    store = RunStore(tmp_path, "sweep", "run")
    tracker = Tracker(store, config=CONFIG, mode="disabled")
    with pytest.warns(TrackingWarning, match="'train/acuracy' is not a name") as caught:
        tracker.log(0, {"train/acuracy": 0.5, M.TRAIN_ACCURACY: 0.5})
        tracker.log(1, {"train/acuracy": 0.6})
    assert len(caught) == 1
    assert [r["train/acuracy"] for r in store.read_metrics()] == [0.5, 0.6]
    tracker.finish()


# ---------------------------------------------------------------------------------------------- metric names


def test_the_metric_names_are_those_of_the_design():
    design = {
        "step", "data/prompts_seen", "train/critic_reward", "train/accuracy", "train/response_length",
        "train/response_length_max", "train/truncated_fraction", "train/masked_fraction",
        "train/response_diversity", "train/entropy", "train/kl", "train/clip_fraction", "train/grad_norm",
        "train/temperature", "train/max_response_length", "test/accuracy", "time/rollout_s", "time/reward_s",
        "time/update_s", "time/step_s", "mem/rollout_gb", "mem/reward_gb", "mem/update_gb",
    }
    assert M.KNOWN == design
    assert all(M.MEANING[name] for name in design) and M.TEST_ACCURACY_BY in M.MEANING
    assert M.STEP == "step" and M.PROMPTS_SEEN == "data/prompts_seen" and M.TRAIN_CRITIC_REWARD == "train/critic_reward"


def test_per_platform_test_accuracy_names_are_known_and_typos_are_not():
    assert M.test_accuracy_by("atcoder", "easy") == "test/accuracy/atcoder/easy"
    assert M.is_known("test/accuracy/leetcode/hard") and M.is_known(M.TRAIN_ACCURACY)
    assert not M.is_known("test/accuracy/leetcode") and not M.is_known("train/acc")
    with pytest.raises(ValueError):
        M.test_accuracy_by("at/coder", "easy")
