"""`python -m verl.trainer.main_ppo` with a study run's overrides, on a local Ray on CPU, gets as far as verl can go
without a GPU: Hydra config, verl's validate_config, Ray start, the MicroCoder plug-in loaded in the TaskRunner
through VERL_USE_EXTERNAL_MODULES and its trainer mode looked up, TransferQueue, trainer construction (our checkpoint
keep-policy callback), tokenizer from a local HF model directory, train/test datasets from prepared parquet (an
over-long prompt filtered out) — and stops exactly at verl's GPU resource check. Any earlier failure fails the test.

No hub: the model is a random tiny Qwen2 with a byte-level BPE tokenizer built here (microcoder.models.micro), the
data the micro suite's verl rows (contract 5 layout: <dir>/{train,test}.parquet)."""

import importlib.util
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from microcoder.backends.verl.launch import PLUGIN_MODULE, verl_job
from microcoder.backends.verl.translate import TRAINER_MODE
from microcoder.config import load_config

CPU_ONLY = ["ray_kwargs.ray_init.num_cpus=2", "transfer_queue.backend.SimpleStorage.num_data_storage_units=1",
            "data.dataloader_num_workers=0"]
"""What this machine changes (2 logical CPUs: TransferQueue's controller and one storage unit hold one each)."""
GPU_BOUNDARY = "ValueError: Total available GPUs 0 is less than total desired GPUs 1"


def prepared_data(folder):
    from microcoder.data.micro import generate, to_records

    train = to_records(generate(12, tier="easy", seed=0, split="train"))
    long = json.loads(json.dumps(train[0]))
    long["prompt"][0]["content"] = "word " * 2000  # longer than data.max_prompt_length: filtered, never cut
    folder.mkdir(parents=True)
    pd.DataFrame(train + [long]).to_parquet(folder / "train.parquet")
    pd.DataFrame(to_records(generate(4, tier="easy", seed=0, split="test"))).to_parquet(folder / "test.parquet")
    return folder


@pytest.mark.slow
def test_main_ppo_gets_through_config_data_plugin_and_trainer_construction_and_stops_at_the_gpu(tmp_path,
                                                                                                  tiny_model):
    assert importlib.util.find_spec(PLUGIN_MODULE) is not None, f"{PLUGIN_MODULE} (the trainer plug-in) is missing"
    model = tiny_model
    data = prepared_data(tmp_path / "data" / "tiny")
    cfg = load_config(None, [f"model.path={model}", f"data.train={data}", f"data.test={data}",
                             "data.max_prompt_length=256", "data.max_response_length=32", "data.train_batch_size=4",
                             "rollout.n=2", "actor.ppo_mini_batch_size=2", "trainer.total_steps=2",
                             "mask.mode=conditional", "mask.ratio=0.2"], preset="dapo")
    job = verl_job(cfg, run_dir=tmp_path / "runs" / "t" / "r", run="r", sweep="t", gpus_per_run=1, nodes_per_run=1,
                   keep_steps=[1])
    env = {**os.environ, **job.env, "HYDRA_FULL_ERROR": "1", "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    p = subprocess.run([sys.executable, "-m", "verl.trainer.main_ppo", *job.overrides, *CPU_ONLY], env=env,
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    tail = out[-6000:]
    assert p.returncode != 0, tail
    assert "[validate_config] All configuration checks passed successfully!" in out, tail
    assert f"'trainer_mode': '{TRAINER_MODE}'" in out, tail
    assert "[microcoder] trainer mode microcoder (sync), truncation mask MaskSettings(mode='conditional'" in out, tail
    assert "[microcoder] checkpoint keep policy" in out and "keep_steps=(1,)" in out, tail  # built by the trainer
    assert "dataset len: 13" in out and "filter dataset len: 12" in out, tail  # the over-long prompt is dropped
    assert "dataset len: 4" in out, tail
    last_error = [ln for ln in out.splitlines() if "Error" in ln and not ln.startswith(" ")][-1]
    assert GPU_BOUNDARY in last_error, tail
    assert "create_resource_pool" in out and "_check_resource_available" in out, tail
