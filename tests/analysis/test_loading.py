"""Loading run-store folders into the tidy frame: identity columns, arms/seeds/branches, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.loading import load, load_run_store, read_metrics_columns
from analysis.runs import derive_arm_seed
from microcoder.run_store import RunStore


def test_tidy_frame_has_one_row_per_run_step_metric_with_identity_columns(study, fx):
    f = study.frame
    for col in ("sweep", "arm", "run", "seed", "parent", "branch_step", "step", "metric", "value"):
        assert col in f.columns
    rows = f[(f["run"] == "nokl-s1") & (f["metric"] == "train/response_length")]
    assert list(rows["step"]) == list(range(1, fx.STEPS + 1))
    expected = [fx.known("train/response_length", 1, 1, s) for s in range(1, fx.STEPS + 1)]
    np.testing.assert_allclose(rows["value"], expected)
    assert set(rows["sweep"]) == {"kl_clip"} and set(rows["arm"]) == {"nokl"} and set(rows["seed"]) == {1}
    assert not f.duplicated(["sweep", "run", "step", "metric"]).any()


def test_sweep_json_names_arms_labels_and_figure(study):
    s = study.sweep("kl_clip")
    assert s.arms == ["kl", "nokl"]
    assert s.label("nokl") == "No KL Loss Clip High"
    assert s.figure == "9_2"
    assert s.runs_of("kl") == ["kl-s0", "kl-s1"]


def test_arm_and_seed_come_from_run_names_without_sweep_json(study):
    s = study.sweep("context_length")
    assert s.arms == ["4k", "4to8k", "8k"]  # natural order of the run names
    assert derive_arm_seed("cond-0.1-s3") == ("cond-0.1", 3)
    assert derive_arm_seed("micro-grpo-20260101-120000") == ("micro-grpo", None)
    assert set(study.sweep("demo").arms) == {"micro-grpo", "micro-dapo"}


def test_branch_parent_and_step_come_from_status_json_or_sweep_json(study):
    ctx = study.sweep("context_length")
    assert ctx.records["4to8k-s0"].parent == "4k-s0" and ctx.branch_step("4to8k") == 10
    temp = study.sweep("temperature")  # sweep.json says parent: <run>, at_step
    assert temp.records["t0.6-1.2-s0"].parent == "t0.6-s0" and temp.branch_step("t0.6-1.2") == 10
    rows = study.frame[study.frame["run"] == "4to8k-s0"]
    assert set(rows["parent"]) == {"4k-s0"} and set(rows["branch_step"]) == {10}


def test_branch_series_starts_at_the_parents_value_at_the_branch_step(study, fx):
    s = study.sweep("context_length")
    steps, vals = s.run_series("4to8k-s0", "train/response_length")
    assert steps[0] == 10 and vals[0] == fx.known("train/response_length", 0, 0, 10)  # the parent's row
    assert steps[1] == 11 and vals[1] == fx.known("train/response_length", 1, 0, 11)  # the branch's own


def test_config_values_that_differ_become_columns_and_the_seed_does_not(study):
    f = study.frame
    assert "actor.use_kl_loss" in f.columns and "actor.clip_ratio_high" in f.columns
    assert "trainer.seed" not in f.columns
    kl = f[(f["sweep"] == "kl_clip")].groupby("arm", observed=True)["actor.clip_ratio_high"].first()
    assert kl["kl"] == pytest.approx(0.2) and kl["nokl"] == pytest.approx(0.28)


def test_torn_last_line_loads_the_rest_and_says_so(tmp_path, fx):
    store = fx.write_run(tmp_path, "sw", "a-s0", [(s, {"train/accuracy": s / 10}) for s in range(5)], {"x": 1})
    with open(store.metrics_path, "ab") as fh:
        fh.write(b'{"step": 5, "train/accura')
    runs = load_run_store([tmp_path])
    steps, vals = runs.sweep("sw").run_series("a-s0", "train/accuracy")
    assert list(steps) == [0, 1, 2, 3, 4]
    assert any("unreadable line" in m and "sw/a-s0" in m for m in runs.skipped)


def test_missing_status_json_loads_the_metrics_and_says_so(study):
    demo = study.sweep("demo")
    assert len(demo.run_series("micro-dapo-20260101-130000", "test/accuracy")[0]) == 2
    assert any("micro-dapo" in m and "no status.json" in m for m in study.skipped)


def test_run_without_metrics_is_skipped_not_fatal(tmp_path, fx):
    fx.write_run(tmp_path, "sw", "ok-s0", [(0, {"test/accuracy": 0.5})], {})
    RunStore(tmp_path, "sw", "pending-s0").set_status("pending")
    runs = load_run_store([tmp_path])
    assert list(runs.table["run"]) == ["ok-s0"]
    assert any("pending-s0" in m and "no metrics.jsonl" in m for m in runs.skipped)


def test_metric_absent_from_some_runs_is_drawn_from_the_others(tmp_path, fx):
    fx.write_run(tmp_path, "sw", "a-s0", [(1, {"train/response_diversity": 0.5})], {})
    fx.write_run(tmp_path, "sw", "b-s0", [(1, {"train/critic_reward": 0.2})], {})
    s = load_run_store([tmp_path]).sweep("sw")
    assert set(s.metric("train/response_diversity")["run"]) == {"a-s0"}
    assert s.metric("no/such/metric").empty


def test_fast_and_line_by_line_parsers_agree(tmp_path):
    path = tmp_path / "metrics.jsonl"
    rows = [{"step": s, "a": s * 0.5, "b": (s if s % 2 else None), "c": True} for s in range(6)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    fast = read_metrics_columns(path)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")  # forces the careful path
    slow = read_metrics_columns(path)
    assert slow[2] == 1 and fast[2] == 0
    np.testing.assert_array_equal(fast[0], slow[0])
    for k in ("a", "b", "c"):
        np.testing.assert_array_equal(fast[1][k], slow[1][k])


def test_nan_values_are_absent_and_infinity_is_kept(tmp_path, fx):
    store = fx.write_run(tmp_path, "sw", "a-s0", [(0, {"x": float("nan"), "y": 1.0}), (1, {"x": float("inf")})], {})
    assert b"NaN" in store.metrics_path.read_bytes()
    s = load_run_store([tmp_path]).sweep("sw")
    steps, vals = s.run_series("a-s0", "x")
    assert list(steps) == [1] and np.isinf(vals[0])


def test_repeated_steps_keep_the_last_row(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 0, "x": 1}\n{"step": 1, "x": 2}\n{"step": 1, "x": 3}\n')
    steps, cols, _ = read_metrics_columns(path)
    assert list(steps) == [0, 1] and list(cols["x"]) == [1.0, 3.0]


def test_a_sweep_folder_and_a_run_folder_load_alone(study_root):
    sweep_only = load_run_store([study_root / "kl_clip"])
    assert list(sweep_only.sweeps) == ["kl_clip"] and len(sweep_only.table) == 4
    one = load_run_store([study_root / "kl_clip" / "kl-s0"])
    assert list(one.table["run"]) == ["kl-s0"] and one.sweep("kl_clip").arms == ["kl"]


def test_loading_twice_gives_the_same_frame(study_root, study):
    again = load_run_store([study_root])
    pd.testing.assert_frame_equal(again.frame.reset_index(drop=True), study.frame.reset_index(drop=True))


def test_only_the_run_store_is_read_never_the_wandb_offline_files_beside_it(tmp_path):
    store = RunStore(tmp_path, "sw", "arm1-s0")
    store.write_config({"a": {"b": 1}})
    for s in range(4):
        store.log(s, {"test/accuracy": 0.5 + s / 100})
    store.set_status("finished")
    offline = store.dir / "wandb" / "offline-run-20260101_000000-abc123"
    offline.mkdir(parents=True)
    (offline / "run-abc123.wandb").write_bytes(b"not read")
    runs = load([tmp_path])
    assert set(runs.table["source"]) == {"runstore"}
    np.testing.assert_allclose(runs.sweep("sw").run_series("arm1-s0", "test/accuracy")[1], [0.5, 0.51, 0.52, 0.53])
    store.metrics_path.unlink()  # no fallback to the W&B files: the run is skipped, with a note
    runs = load_run_store([tmp_path])
    assert runs.table.empty and any("arm1-s0: no metrics.jsonl" in note for note in runs.skipped)
    bare = load_run_store([store.dir / "wandb"])  # a bare wandb/ folder holds no runs
    assert bare.table.empty and any("no runs found" in note for note in bare.skipped)

