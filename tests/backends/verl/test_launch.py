"""Launching a verl run: the two cluster addresses, the one runtime env every worker gets, and the one job
description that `sweep plan --json`, `train --dry-run` and `run_verl` share."""

import json
from pathlib import Path

import pytest
import yaml

from microcoder.backends.verl.launch import (PLUGIN_MODULE, AddressError, jobs_address, load_runtime_env,
                                             ray_address, verl_job)
from microcoder.cli import main
from microcoder.config import load_config
from sweeps.plan import keep_steps, make_plan, verl_job_of

ROOT = Path(__file__).resolve().parents[3]
TEMPERATURE = ROOT / "sweeps" / "specs" / "temperature.yaml"
STUDY = ["model.preset=qwen3-4b-instruct", "data.train=open-r1", "data.test=open-r1"]


def test_an_http_address_is_refused_naming_the_flag_it_belongs_to():
    with pytest.raises(AddressError, match="--jobs-address"):
        ray_address("http://head:8265")
    with pytest.raises(AddressError, match="expected HOST:PORT"):
        ray_address("head")
    assert ray_address("head:6379") == "head:6379" and ray_address("ray://head:10001") == "ray://head:10001"


def test_the_jobs_address_is_derived_from_the_cluster_host_unless_given(monkeypatch):
    monkeypatch.delenv("MICROCODER_RAY_JOBS_ADDRESS", raising=False)
    assert jobs_address("head:6379") == "http://head:8265"
    assert jobs_address("ray://10.0.0.5:10001") == "http://10.0.0.5:8265"
    assert jobs_address(None) == "http://127.0.0.1:8265"
    assert jobs_address("head:6379", "http://gateway:443/") == "http://gateway:443"
    monkeypatch.setenv("MICROCODER_RAY_JOBS_ADDRESS", "https://dash.example:8265")
    assert jobs_address("head:6379") == "https://dash.example:8265"
    with pytest.raises(AddressError, match="expected http://HOST:8265"):
        jobs_address(None, "head:8265")


def test_sweep_run_with_an_http_address_exits_2_before_anything_is_written(tmp_path, capsys):
    assert main(["sweep", "run", str(TEMPERATURE), "--out", str(tmp_path / "runs"),
                 "--address", "http://head:8265"]) == 2
    assert "--jobs-address" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_the_runtime_env_file_and_the_spec_override_reach_the_job(tmp_path, monkeypatch):
    file = tmp_path / "renv.yaml"
    file.write_text(yaml.safe_dump({"py_modules": ["microcoder"], "env_vars": {"A": "1", "B": "2"}}))
    renv = load_runtime_env(file, {"env_vars": {"B": "3"}, "pip": ["x"]})
    assert renv["env_vars"] == {"A": "1", "B": "3"} and renv["pip"] == ["x"]
    assert Path(renv["py_modules"][0]) == ROOT / "microcoder"  # our package, shipped to every worker
    monkeypatch.setenv("MICROCODER_SANDBOX", "bwrap")
    monkeypatch.setenv("MICROCODER_TORCH_THREADS", "1")  # the submitting process's own: not the job's
    monkeypatch.setenv("MICROCODER_DATA_DIR", "rel/data")
    cfg = load_config(None, STUDY + ["tracking.mode=disabled"], preset="dapo")
    job = verl_job(cfg, run_dir=tmp_path / "r", run="r", runtime_env=renv)
    assert job.env["VERL_USE_EXTERNAL_MODULES"] == PLUGIN_MODULE
    assert job.env["WANDB_MODE"] == "disabled" and job.env["MICROCODER_SANDBOX"] == "bwrap"
    assert job.env["VERL_FILE_LOGGER_PATH"] == str(tmp_path / "r" / "verl_metrics.jsonl")
    assert job.env["MICROCODER_DATA_DIR"] == str(Path("rel/data").resolve())
    assert "MICROCODER_TORCH_THREADS" not in job.env and job.env["A"] == "1"
    assert job.runtime_env["env_vars"] == job.env and job.runtime_env["pip"] == ["x"]
    assert f"data.train_files={Path('rel/data').resolve()}/open-r1/train.parquet" in job.overrides


def test_the_default_runtime_env_is_cluster_runtime_env_yaml():
    renv = load_runtime_env()
    assert renv["env_vars"]["MICROCODER_SANDBOX"] == "bwrap"
    assert [Path(m) for m in renv["py_modules"]] == [ROOT / "microcoder"]


def test_sweep_plan_json_lists_each_verl_runs_overrides_and_env(tmp_path, capsys):
    assert main(["sweep", "plan", str(TEMPERATURE), "--json", "--out", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    plan = make_plan(TEMPERATURE)
    assert [r["name"] for r in data["runs"]] == [r.name for r in plan.runs]
    for row, run in zip(data["runs"], plan.runs):
        job = verl_job_of(plan, run, tmp_path)
        assert row["verl_overrides"] == job.overrides and row["verl_env"] == job.env
        assert row["verl_env"]["VERL_USE_EXTERNAL_MODULES"] == PLUGIN_MODULE
    parent = data["runs"][0]
    assert parent["name"] == "t0.6-s0" and "+microcoder.checkpoints.keep_steps=[140]" in parent["verl_overrides"]
    assert keep_steps(plan, "t0.6-s0") == [140] and keep_steps(plan, "t1.2-s0") == []
    branch = next(r for r in data["runs"] if r["name"] == "t0.6-to-1.8-s0")
    assert f"trainer.resume_from_path={tmp_path}/temperature/t0.6-s0/checkpoints/global_step_140" in \
        branch["verl_overrides"]


def test_a_local_sweep_plan_has_no_verl_fields(capsys):
    assert main(["sweep", "plan", str(TEMPERATURE), "--scale", "micro", "--json"]) == 0
    assert all("verl_overrides" not in r for r in json.loads(capsys.readouterr().out)["runs"])


def test_a_specs_runtime_env_is_merged_into_its_jobs(tmp_path, capsys):
    spec = yaml.safe_load(TEMPERATURE.read_text())
    spec["base"] = str(TEMPERATURE.parent / spec["base"])
    spec["runtime_env"] = {"env_vars": {"MICROCODER_SANDBOX_WORKERS": "16"}}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))
    assert main(["sweep", "plan", str(tmp_path / "s.yaml"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["runs"]
    assert all(r["verl_env"]["MICROCODER_SANDBOX_WORKERS"] == "16" for r in rows)
    spec["runtime_env"] = ["not", "a", "mapping"]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))
    assert main(["sweep", "plan", str(tmp_path / "s.yaml")]) == 2
    assert "runtime_env: expected a Ray runtime_env mapping" in capsys.readouterr().err


def test_train_dry_run_prints_the_jobs_env_and_command(capsys, tmp_path):
    assert main(["train", "--backend", "verl", "--dry-run", "--out", str(tmp_path), "--name", "r", *STUDY]) == 0
    out = capsys.readouterr().out
    assert f"VERL_USE_EXTERNAL_MODULES={PLUGIN_MODULE}" in out and "python -m verl.trainer.main_ppo" in out
    assert "trainer.v1.trainer_mode=microcoder" in out and "reward.custom_reward_function.path=" in out
    assert main(["train", "--backend", "verl", "--dry-run"]) == 2  # the micro preset and dataset: refused
    assert "model.preset: 'micro' has no Hugging Face model" in capsys.readouterr().err


def test_run_verl_refuses_a_missing_prepared_parquet_before_submitting(tmp_path, monkeypatch):
    from microcoder.backends.verl import run_verl

    monkeypatch.setenv("MICROCODER_DATA_DIR", str(tmp_path / "data"))
    cfg = load_config(None, STUDY, preset="dapo")
    with pytest.raises(FileNotFoundError, match=r"data.train: .*open-r1/train.parquet does not exist"):
        run_verl(cfg, tmp_path / "runs", sweep="s", run="r", jobs_address="http://127.0.0.1:1", log=lambda s: None)


def test_a_specs_checkpoint_policy_adds_probe_steps_to_the_branch_points(tmp_path, capsys):
    spec = yaml.safe_load(TEMPERATURE.read_text())
    spec["base"] = str(TEMPERATURE.parent / spec["base"])
    spec["checkpoints"] = {"keep_last": 3, "keep_every": 100, "keep_steps": [60]}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))
    plan = make_plan(tmp_path / "s.yaml")
    from sweeps.plan import keep_policy

    assert keep_policy(plan, "t0.6-s0") == {"keep_last": 3, "keep_every": 100, "keep_steps": [60, 140]}
    overrides = verl_job_of(plan, plan.run("t0.6-s0"), tmp_path).overrides
    assert {"+microcoder.checkpoints.keep_last=3", "+microcoder.checkpoints.keep_every=100",
            "+microcoder.checkpoints.keep_steps=[60,140]"} <= set(overrides)
    spec["checkpoints"] = {"keep_last": 0, "keep_evry": 5}
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))
    assert main(["sweep", "plan", str(tmp_path / "s.yaml")]) == 2
    err = capsys.readouterr().err
    assert "checkpoints.keep_last: must be an integer >= 1" in err and "checkpoints.keep_evry" in err


def test_a_retried_run_never_tails_the_previous_attempts_metrics_file(tmp_path, monkeypatch):
    """verl truncates its file logger only once the new job's trainer starts: until then, the last attempt's rows
    would be read back as this job's steps (and the job's own rows for those steps then skipped)."""
    from microcoder.backends.verl import run_verl
    from microcoder.run_store import RunStore

    data = tmp_path / "data" / "open-r1"
    data.mkdir(parents=True)
    for split in ("train", "test"):
        (data / f"{split}.parquet").write_bytes(b"PAR1")
    monkeypatch.setenv("MICROCODER_DATA_DIR", str(tmp_path / "data"))
    store = RunStore(tmp_path / "runs", "s", "r")
    stale = store.dir / "verl_metrics.jsonl"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text('{"step": 7, "data": {"critic/score/mean": 0.9}}\n')
    cfg = load_config(None, STUDY + ["tracking.mode=disabled"], preset="dapo")
    with pytest.raises(Exception):  # nothing listens there: the submission fails after the preparations
        run_verl(cfg, tmp_path / "runs", sweep="s", run="r", jobs_address="http://127.0.0.1:1", log=lambda s: None)
    assert not stale.exists() and (store.dir / "verl_metrics.previous.jsonl").read_text().startswith('{"step": 7')
    assert store.read_metrics() == []


def test_sweep_run_refuses_missing_prepared_data_before_anything_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MICROCODER_DATA_DIR", str(tmp_path / "no-data"))
    assert main(["sweep", "run", str(TEMPERATURE), "--out", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err
    assert "prepared data is missing" in err and f"{tmp_path}/no-data/open-r1/train.parquet" in err
    assert not (tmp_path / "runs").exists()


def test_train_backend_verl_reports_an_unreachable_jobs_api_without_a_traceback(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data" / "open-r1"
    data.mkdir(parents=True)
    for split in ("train", "test"):
        (data / f"{split}.parquet").write_bytes(b"PAR1")
    monkeypatch.setenv("MICROCODER_DATA_DIR", str(tmp_path / "data"))
    assert main(["train", "--backend", "verl", "--out", str(tmp_path / "runs"), "--jobs-address",
                 "http://127.0.0.1:1", *STUDY, "tracking.mode=disabled"]) == 2
    assert "could not submit to the Ray Jobs API" in capsys.readouterr().err


def test_a_train_flag_the_chosen_backend_would_ignore_is_refused(capsys):
    assert main(["train", "--dry-run", "--gpus", "4"]) == 2  # local backend: no job to print, no GPUs to ask for
    assert "--dry-run, --gpus apply to --backend verl only" in capsys.readouterr().err
    assert main(["train", "--backend", "verl", "--dry-run", "--device", "cuda", *STUDY]) == 2
    assert "--device applies to --backend local only" in capsys.readouterr().err
