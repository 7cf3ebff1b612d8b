"""The checkpoint keep policy of verl runs: the newest K survive, and so does every step a branch or probe needs;
verl's own callback loader (`build_checkpoint_callback`) builds our callback from the translated config."""

import pytest
from hydra import compose, initialize_config_dir

from microcoder.backends.verl.checkpoints import KeepPolicy, KeepPolicyCallback, prune, to_delete
from microcoder.backends.verl.translate import verl_config_dir, verl_overrides
from microcoder.config import load_config


def test_branch_points_survive_and_only_the_newest_k_of_the_rest_are_kept():
    steps = range(20, 501, 20)
    kept = sorted(set(steps) - set(to_delete(steps, KeepPolicy(keep_last=2, keep_steps=(140, 260)))))
    assert kept == [140, 260, 480, 500]


def test_keep_every_keeps_a_regular_series_for_probes():
    kept = sorted(set(range(10, 101, 10)) - set(to_delete(range(10, 101, 10), KeepPolicy(keep_last=1, keep_every=50))))
    assert kept == [50, 100]


def test_the_newest_checkpoint_is_never_deleted():
    assert to_delete([5], KeepPolicy(keep_last=1)) == []
    with pytest.raises(ValueError, match="keep_last must be >= 1"):
        KeepPolicy(keep_last=0)


def test_prune_removes_only_dropped_step_folders(tmp_path):
    for s in (10, 20, 30, 40):
        (tmp_path / f"global_step_{s}" / "actor").mkdir(parents=True)
    (tmp_path / "latest_checkpointed_iteration.txt").write_text("40")
    (tmp_path / "global_step_x").mkdir()
    assert prune(tmp_path, KeepPolicy(keep_last=1, keep_steps=(20,))) == [10, 30]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["global_step_20", "global_step_40", "global_step_x",
                                                         "latest_checkpointed_iteration.txt"]


def test_verl_builds_our_callback_from_the_translated_config_and_it_prunes_after_each_save(tmp_path):
    from verl.trainer.ppo.checkpoint_callback import build_checkpoint_callback

    cfg = load_config(None, ["model.preset=qwen3-4b-instruct", "data.train=d", "data.test=d"], preset="dapo")
    ckpts = tmp_path / "checkpoints"
    with initialize_config_dir(config_dir=str(verl_config_dir()), version_base=None):
        config = compose(config_name="ppo_trainer", overrides=verl_overrides(
            cfg, checkpoints_dir=ckpts, run_name="r", keep_steps=[140, 260]))
    assert config.trainer.max_actor_ckpt_to_keep is None  # verl's own last-K pruning would delete branch points
    callback = build_checkpoint_callback(config)
    assert isinstance(callback, KeepPolicyCallback)
    assert callback.policy == KeepPolicy(keep_last=2, keep_steps=(140, 260))
    for step in range(20, 501, 20):  # what verl's _save_checkpoint does, then its on_save call
        (ckpts / f"global_step_{step}" / "actor").mkdir(parents=True)
        (ckpts / "latest_checkpointed_iteration.txt").write_text(str(step))
        callback.on_save(trainer=None, global_step=step, checkpoint_dir=str(ckpts / f"global_step_{step}"))
    assert sorted(p.name for p in ckpts.glob("global_step_*")) == [
        "global_step_140", "global_step_260", "global_step_480", "global_step_500"]
