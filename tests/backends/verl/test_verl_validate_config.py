"""Every run of every study spec, translated for verl, passes verl 0.9.1's own start-up checks: the overrides are
composed with verl's packaged `ppo_trainer` Hydra config and given to `verl.utils.config.validate_config` exactly
as `main_ppo` calls it (with `need_reference_policy` / `need_critic` of the composed config)."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import InstantiationException

from microcoder.backends.verl.translate import verl_config_dir
from sweeps.plan import make_plan, verl_job_of

SPECS = sorted(Path(__file__).resolve().parents[3].joinpath("sweeps", "specs").glob("*.yaml"))
PLANS = {spec: make_plan(spec) for spec in SPECS}  # default scale: the micro scales run on the local backend
VERL_RUNS = [(spec, run.name) for spec, plan in PLANS.items() if plan.backend == "verl" for run in plan.runs]


@pytest.fixture(scope="module")
def verl_checks():
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import validate_config

    def check(overrides):
        with initialize_config_dir(config_dir=str(verl_config_dir()), version_base=None):
            config = compose(config_name="ppo_trainer", overrides=overrides)
        validate_config(config=config, use_reference_policy=need_reference_policy(config),
                        use_critic=need_critic(config))
        return config

    return check


def test_every_study_spec_has_verl_runs():
    assert len({spec for spec, _ in VERL_RUNS}) >= 9 and len(VERL_RUNS) >= 30


@pytest.mark.parametrize("spec,run", VERL_RUNS, ids=[f"{s.stem}/{r}" for s, r in VERL_RUNS])
def test_study_run_passes_verls_validate_config(spec, run, verl_checks, tmp_path):
    plan = PLANS[spec]
    planned = plan.run(run)
    config = verl_checks(verl_job_of(plan, planned, tmp_path).overrides)
    actor = config.actor_rollout_ref.actor
    seq = config.data.max_prompt_length + config.data.max_response_length
    assert actor.use_dynamic_bsz and actor.ppo_max_token_len_per_gpu >= seq
    assert config.actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu >= seq
    assert config.actor_rollout_ref.ref.log_prob_max_token_len_per_gpu >= seq
    assert config.actor_rollout_ref.rollout.max_model_len == seq
    assert config.data.filter_overlong_prompts is True
    assert Path(config.data.train_files).is_absolute() and Path(config.data.val_files).is_absolute()
    assert config.trainer.v1.trainer_mode == "microcoder"
    if planned.parent is not None:
        assert config.trainer.resume_from_path.endswith(f"{planned.parent}/checkpoints/global_step_{planned.at_step}")


def test_verls_validate_config_refuses_the_overrides_without_batch_sizing(verl_checks, tmp_path):
    """The check above can fail: the same overrides minus dynamic batch sizing are refused by verl, as the
    translation before issue 8 was."""
    plan = PLANS[SPECS[0]]
    overrides = [o for o in verl_job_of(plan, plan.runs[0], tmp_path).overrides
                 if "dynamic_bsz" not in o and "max_token_len" not in o]
    with pytest.raises((AssertionError, ValueError, InstantiationException), match="ppo_micro_batch_size"):
        verl_checks(overrides)
