"""The verl backend's translation table: our run config → verl 0.9.1 `main_ppo` overrides, checked against verl's
own Hydra config on CPU (the GPU path itself cannot run here)."""

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from microcoder.backends import BACKENDS
from microcoder.backends.verl import translate_metrics
from microcoder.backends.verl.translate import LOCAL_ONLY, TABLE, VerlTranslationError, verl_config_dir, verl_overrides
from microcoder.config import all_field_help, load_config, verl_keys

STUDY = ["model.preset=qwen3-4b-instruct", "data.train=microcoder-dataset", "data.test=livecodebench-v6",
         "data.max_response_length=8192", "data.train_batch_size=64", "actor.ppo_mini_batch_size=32",
         "rollout.temperature=1.2", "trainer.total_steps=500", "trainer.save_freq=20"]


def study_cfg(*extra, preset="dapo"):
    return load_config(None, STUDY + list(extra), preset=preset)


def compose_verl(overrides):
    with initialize_config_dir(config_dir=str(verl_config_dir()), version_base=None):
        return compose(config_name="ppo_trainer", overrides=overrides)


def as_dict(overrides):
    return dict(o.split("=", 1) for o in overrides)


def test_verl_is_a_registered_backend():
    assert "verl" in BACKENDS and "local" in BACKENDS


def test_table_maps_every_config_key_or_the_key_is_handled_by_a_rule():
    by_rule = {"model.path", "model.preset", "data.train", "data.test", "data.max_response_length",
               "rollout.temperature", "reward.evaluator", "reward.time_limit_s", "reward.memory_mb",
               "reward.overlong_buffer.enable", "reward.overlong_buffer.len", "reward.overlong_buffer.penalty_factor",
               "mask.mode", "mask.ratio", "mask.repeat_window", "mask.eligible", "trainer.test_freq",
               "trainer.save_freq",
               "trainer.seed", "tracking.mode"}
    local_only = set(LOCAL_ONLY)  # sizes of generated micro datasets: refused unless default (test below)
    prepared = {"data.prompt_template"}  # applied when the parquet is prepared: verl reads the prompts as written
    assert set(all_field_help()) - set(TABLE) - by_rule - prepared == local_only


def test_every_verl_key_declared_on_a_config_field_exists_in_verls_own_config():
    declared = verl_keys()
    assert declared == TABLE and declared["actor.lr"] == "actor_rollout_ref.actor.optim.lr"
    c = compose_verl([])
    missing = object()
    absent = [f"{ours} → {theirs}" for ours, theirs in declared.items()
              if OmegaConf.select(c, theirs, default=missing, throw_on_missing=False) is missing]
    assert not absent, f"verl 0.9.1's ppo_trainer config has no such key: {absent}"


def test_overrides_compose_with_verls_own_hydra_config_and_land_on_its_keys():
    cfg = study_cfg("actor.lr=1e-6", "trainer.seed=3", "mask.mode=conditional", "mask.ratio=0.2")
    ov = verl_overrides(cfg, checkpoints_dir="/runs/temperature/t0.6-s0/checkpoints", run_name="t0.6-s0",
                        sweep="temperature", gpus_per_run=16, nodes_per_run=2)
    c = compose_verl(ov)
    assert c.actor_rollout_ref.model.path == "Qwen/Qwen3-4B-Instruct-2507"
    assert c.actor_rollout_ref.rollout.name == "vllm"
    assert c.actor_rollout_ref.rollout.temperature == 1.2 and c.actor_rollout_ref.rollout.n == 8
    assert c.actor_rollout_ref.actor.optim.lr == 1e-6
    assert (c.actor_rollout_ref.actor.clip_ratio_low, c.actor_rollout_ref.actor.clip_ratio_high) == (0.2, 0.28)
    assert c.actor_rollout_ref.actor.use_kl_loss is False and c.algorithm.adv_estimator == "grpo"
    assert c.data.max_response_length == 8192 and c.data.train_batch_size == 64
    assert c.data.train_files.endswith("microcoder-dataset/train.parquet") and c.data.train_files.startswith("/")
    assert c.data.filter_overlong_prompts is True
    assert c.reward.custom_reward_function.path == "pkg://microcoder.evaluator.judge"
    assert c.actor_rollout_ref.actor.optim.clip_grad == 1.0  # the key 0.9.1's engines read (not actor.grad_clip)
    assert c.trainer.v1.trainer_mode == "microcoder"
    assert c.trainer.checkpoint_callback_class == "microcoder.backends.verl.checkpoints.KeepPolicyCallback"
    assert "hf_model" in c.actor_rollout_ref.actor.checkpoint.save_contents  # what the probes load
    assert c.trainer.total_training_steps == 500 and c.trainer.total_epochs >= 500  # steps end the run, not epochs
    # verl spreads its reward workers round-robin over the nodes; each sizes its sandbox pool by its node's share
    assert c.trainer.nnodes == 2 and c.reward.num_workers == 8
    assert c.reward.custom_reward_function.reward_kwargs.workers_per_node == 4
    assert c.reward.custom_reward_function.name == "compute_score"
    assert c.reward.custom_reward_function.reward_kwargs.evaluator == "microcoder"
    assert c.reward.reward_manager.name == "dapo"
    assert c.reward.reward_kwargs.overlong_buffer_cfg.enable is True
    assert c.reward.reward_kwargs.max_resp_len == 8192
    assert c.trainer.total_training_steps == 500 and c.trainer.save_freq == 20
    assert (c.trainer.nnodes, c.trainer.n_gpus_per_node) == (2, 8)
    assert c.trainer.default_local_dir == "/runs/temperature/t0.6-s0/checkpoints"
    assert c.trainer.resume_mode == "auto" and c.data.seed == 3
    assert list(c.trainer.logger) == ["console", "file"]
    assert OmegaConf.to_container(c.microcoder) == {
        "mask": {"mode": "conditional", "ratio": 0.2, "repeat_window": 128, "eligible": "non-incorrect", "seed": 3},
        "checkpoints": {"keep_last": 2, "keep_every": 0, "keep_steps": []}}


def test_a_branch_resumes_the_parents_checkpoint_without_revalidating_step_0():
    ckpt = "/runs/temperature/t0.6-s0/checkpoints/global_step_140"
    c = compose_verl(verl_overrides(study_cfg(), checkpoints_dir="/c", run_name="b", resume_from=ckpt))
    assert c.trainer.resume_mode == "resume_path" and c.trainer.resume_from_path == ckpt
    assert c.trainer.val_before_train is False


def test_grpo_kl_loss_and_our_zero_frequencies_translate():
    c = compose_verl(verl_overrides(study_cfg("trainer.test_freq=0", "trainer.save_freq=0", preset="grpo"),
                                    checkpoints_dir="/c", run_name="r"))
    assert c.actor_rollout_ref.actor.use_kl_loss is True and c.actor_rollout_ref.actor.kl_loss_coef == 0.001
    assert c.actor_rollout_ref.actor.kl_loss_type == "low_var_kl" and c.reward.reward_manager.name == "naive"
    assert c.trainer.test_freq == 500 and c.trainer.save_freq == 500  # ours: only at the end; verl's -1: never


def test_what_verl_cannot_run_is_refused_naming_the_key():
    cfg = load_config(None, ["rollout.temperature={kind: staged, stages: [[0, 0.6], [140, 1.8]]}",
                             "data.max_response_length={kind: linear, start: 32, end: 64, from_step: 0, to_step: 9}"])
    with pytest.raises(VerlTranslationError) as e:
        verl_overrides(cfg, checkpoints_dir="/c", run_name="r")
    text = "\n".join(e.value.problems)
    assert "rollout.temperature: verl has no staged schedule" in text
    assert "data.max_response_length: verl has no linear schedule" in text
    assert "model.preset: 'micro' has no Hugging Face model" in text
    assert "data.train: 'micro-mixed' is a local-backend dataset" in text
    auto = study_cfg("rollout.temperature={kind: auto, candidates: [0.6, 1.2], target: 0.7}")
    with pytest.raises(VerlTranslationError, match="rollout.temperature: verl has no auto schedule"):
        verl_overrides(auto, checkpoints_dir="/c", run_name="r")


def test_verl_metric_names_become_ours():
    cfg = study_cfg("reward.overlong_buffer.enable=false")
    m = translate_metrics(7, {"critic/score/mean": 0.4, "actor/pg_clipfrac": 0.01, "timing_s/step": 300.0,
                              "val-core/livecodebench/acc/mean@4": 0.35, "perf/throughput": 1.0}, cfg)
    assert m == {"data/prompts_seen": 7 * 64, "train/max_response_length": 8192, "train/temperature": 1.2,
                 "train/critic_reward": 0.4, "train/accuracy": 0.4, "train/clip_fraction": 0.01,
                 "time/step_s": 300.0, "test/accuracy": 0.35}


def test_the_plugins_own_metrics_pass_through_and_replace_the_fallbacks():
    cfg = study_cfg("reward.overlong_buffer.enable=false")
    ours = {"train/accuracy": 0.25, "test/accuracy": 0.5, "test/accuracy/atcoder/easy": 0.75,
            "train/response_diversity": 0.6, "train/masked_fraction": 0.1, "train/truncated_fraction": 0.2,
            "mem/update_gb": 30.0}
    m = translate_metrics(7, {"critic/score/mean": 0.4, "val-core/lcb/acc/mean@4": 0.35, **ours}, cfg)
    assert {k: m[k] for k in ours} == ours and m["train/critic_reward"] == 0.4


def test_test_accuracy_never_comes_from_the_penalised_validation_reward():
    cfg = study_cfg()  # DAPO: the validation reward includes the overlong penalty
    m = translate_metrics(20, {"critic/score/mean": 0.69, "val-core/lcb/reward/mean@4": 0.69}, cfg)
    assert "test/accuracy" not in m and "train/accuracy" not in m


def test_a_local_only_knob_set_on_a_verl_run_is_refused_not_ignored(tmp_path):
    with pytest.raises(VerlTranslationError, match=r"data.test_size: sizes a generated micro dataset") as e:
        verl_overrides(study_cfg("data.test_size=50", "data.train_size=10"), checkpoints_dir=tmp_path, run_name="r")
    assert len(e.value.problems) == 2
