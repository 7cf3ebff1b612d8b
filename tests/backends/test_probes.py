"""The temperature and length probes on a real (tiny) run's checkpoints (slow: real sampling and judging)."""

import pytest

from microcoder.backends.local import run_local
from microcoder.config import load_config
from microcoder.probes import probe_lengths, probe_temperature
from microcoder.run_store import RunStore

pytestmark = pytest.mark.slow


def test_probes_write_rows_for_every_checkpoint_and_temperature(tmp_path):
    cfg = load_config(None, ["data.train_batch_size=4", "actor.ppo_mini_batch_size=4", "rollout.n=2",
                             "data.test_size=8", "rollout.val_n=1", "trainer.total_steps=1", "trainer.test_freq=0",
                             "trainer.save_freq=1", "tracking.mode=disabled", "data.max_response_length=48"])
    run_local(cfg, tmp_path, sweep="p", run="r", log=lambda s: None)
    run_dir = RunStore(tmp_path, "p", "r").dir
    rows = probe_temperature(run_dir, [0.3, 1.5], steps="all", prompts=8, n=4, log=lambda s: None)
    assert [(r["step"], r["temperature"]) for r in rows] == [(0, 0.3), (0, 1.5), (1, 0.3), (1, 1.5)]
    assert all(0 <= r["accuracy"] <= 1 and 0 <= r["diversity"] <= 1 for r in rows)
    assert RunStore.at(run_dir).read_probe("temperature") == rows
    lengths = probe_lengths(run_dir, steps="last", prompts=8, n=2, log=lambda s: None)
    assert lengths[0]["step"] == 1 and len(lengths[0]["lengths"]) == 16
    assert all(1 <= x <= 48 for x in lengths[0]["lengths"])


def test_probe_of_a_missing_checkpoint_step_names_the_available_ones(tmp_path):
    cfg = load_config(None, ["data.train_batch_size=4", "actor.ppo_mini_batch_size=4", "rollout.n=2",
                             "data.test_size=4", "rollout.val_n=1", "trainer.total_steps=1", "trainer.test_freq=0",
                             "trainer.save_freq=1", "tracking.mode=disabled"])
    run_local(cfg, tmp_path, sweep="p", run="r", log=lambda s: None)
    with pytest.raises(ValueError, match=r"no checkpoint for steps \[7\]; have \[0, 1\]"):
        probe_lengths(RunStore(tmp_path, "p", "r").dir, steps="7", prompts=4, n=1, log=lambda s: None)
