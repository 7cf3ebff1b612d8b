"""Run config: layers merge in order, presets are the design's deltas, and every bad value fails at load."""

import dataclasses
import subprocess
import sys
import textwrap

import pytest

from microcoder.config import (
    CHOICES,
    ActorConfig,
    ConfigError,
    SCHEMA,
    RunConfig,
    all_field_help,
    constraint,
    field_help,
    from_dict,
    load_config,
    preset_names,
    to_dict,
    to_yaml,
    validate_config,
)
from microcoder.recipe.schedules import AutoSchedule, StagedSchedule


def write(tmp_path, text, name="run.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def problems_of(*args, **kwargs):
    with pytest.raises(ConfigError) as e:
        load_config(*args, **kwargs)
    return e.value.problems


def test_defaults_load_without_a_file():
    cfg = load_config()
    assert cfg == RunConfig()
    assert cfg.data.train_batch_size % cfg.actor.ppo_mini_batch_size == 0
    assert cfg.tracking.mode == "offline"


def test_every_setting_and_group_has_a_one_line_help():
    helps = all_field_help()
    assert "actor.clip_ratio_high" in helps and "reward.overlong_buffer.len" in helps
    for key, text in helps.items():
        assert text.strip() and "\n" not in text, key
    for group in ("model", "data", "rollout", "actor", "algorithm", "mask", "reward", "trainer", "tracking"):
        assert field_help(group)


def test_every_field_declares_its_help_and_checked_fields_name_what_is_allowed():
    for key, (tp, f) in SCHEMA.items():
        assert f.metadata.get("help", "").strip(), key
        declared = constraint(key)
        if declared is not None:
            value = RunConfig()
            for part in key.split("."):
                value = getattr(value, part)
            assert declared.allowed.strip() and declared.ok(value), f"{key}: its default breaks its own constraint"
    assert constraint("actor.clip_ratio_low").allowed == "in (0, 1) (the ratio is clipped below at 1 − ε)"
    assert constraint("model.path") is None  # a free setting declares none


@pytest.mark.parametrize("key, bad, good, allowed", [
    ("rollout.top_p", "0", "1.0", "in (0, 1]"),
    ("actor.clip_ratio_low", "1.0", "0.99", "in (0, 1)"),
    ("trainer.seed", "-1", "0", "an integer >= 0"),
    ("actor.kl_loss_coef", "-0.1", "0", ">= 0"),
    ("tracking.project", "' '", "p", "a non-empty string"),
])
def test_a_constraint_declared_on_a_field_is_enforced_at_load(key, bad, good, allowed):
    (problem,) = problems_of(None, [f"{key}={bad}"])
    assert problem.startswith(f"{key}: must be {allowed}")
    assert load_config(None, [f"{key}={good}"])


def test_field_help_reads_back_a_key():
    assert "1 + ε_high" in field_help("actor.clip_ratio_high")
    with pytest.raises(KeyError, match="actor.clip_ratio_high"):
        field_help("actor.clip_ratio_hi")


def test_unknown_key_error_names_nearest_valid_key(tmp_path):
    path = write(tmp_path, "actor:\n  clip_ratio_hihg: 0.28\n")
    (problem,) = problems_of(path)
    assert problem.startswith("actor.clip_ratio_hihg: unknown key")
    assert "did you mean 'actor.clip_ratio_high'?" in problem
    (problem,) = problems_of(None, ["rollout.temprature=1.2"])
    assert "did you mean 'rollout.temperature'?" in problem


def test_key_under_the_wrong_group_points_to_the_right_group():
    (problem,) = problems_of(None, ["actor.temperature=1.2"])
    assert "did you mean 'rollout.temperature'?" in problem
    (problem,) = problems_of(None, ["lr=1e-4"])
    assert "did you mean 'actor.lr'?" in problem


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        """
        data: {train_batch_size: 16, max_response_length: 0}
        rollout: {n: 1, temperature: 0.0, top_p: 1.5}
        actor: {ppo_mini_batch_size: 5, lr: abc, clip_ratio_low: 0.0, clip_ratio_high: -0.1, loss_agg_mode: mean}
        mask: {mode: conditonal, ratio: 1.5}
        tracking: {mode: offilne}
        trainer: {total_steps: 0}
        nonsense: 1
        """,
    )
    with pytest.raises(ConfigError) as e:
        load_config(path)
    keys = [p.split(":")[0] for p in e.value.problems]
    for key in ("data.max_response_length", "rollout.n", "rollout.temperature", "rollout.top_p",
                "actor.ppo_mini_batch_size", "actor.lr", "actor.clip_ratio_low", "actor.clip_ratio_high",
                "actor.loss_agg_mode", "mask.mode", "mask.ratio", "tracking.mode", "trainer.total_steps", "nonsense"):
        assert key in keys, key
    assert str(path) in str(e.value) and f"{len(e.value.problems)} problems" in str(e.value)


def test_wrong_types_name_the_key_and_the_expected_type():
    problems = problems_of(None, ["actor.lr=abc", "rollout.n=2.5", "actor.use_kl_loss=maybe", "trainer.seed=[1, 2]"])
    assert any(p.startswith("override 'actor.lr=abc': actor.lr:") and "expected a number" in p for p in problems)
    assert any("rollout.n:" in p and "expected an integer" in p for p in problems)
    assert any("actor.use_kl_loss:" in p and "expected true or false" in p for p in problems)
    assert any("trainer.seed:" in p for p in problems)


def test_a_group_given_a_scalar_is_refused():
    (problem,) = problems_of(None, ["actor=3"])
    assert "actor: expected a mapping of ppo_mini_batch_size" in problem


@pytest.mark.parametrize("key", sorted(CHOICES))
def test_enum_error_lists_the_allowed_values(key):
    (problem,) = problems_of(None, [f"{key}=bogus"])
    assert problem.startswith(f"{key}: must be one of {', '.join(CHOICES[key])}")


def test_registry_backed_settings_allow_what_their_registries_hold():
    from microcoder.data.prompts import PROMPTS
    from microcoder.evaluator.comparators import COMPARATORS
    from microcoder.recipe.truncation_mask import MASKS

    assert list(CHOICES["mask.mode"]) == MASKS.names()
    assert list(CHOICES["reward.evaluator"]) == COMPARATORS.names()
    assert list(CHOICES["data.prompt_template"]) == PROMPTS.names()
    assert {"micro", "qwen3-4b-instruct"} <= set(CHOICES["model.preset"])


def test_loading_a_config_does_not_import_torch():
    code = ("import sys; from microcoder.config import load_config; load_config(None, ['mask.mode=conditional']); "
            "print(sorted(m for m in ('torch', 'transformers', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_mini_batch_must_divide_the_train_batch():
    (problem,) = problems_of(None, ["data.train_batch_size=16", "actor.ppo_mini_batch_size=6"])
    assert problem.startswith("actor.ppo_mini_batch_size: must divide data.train_batch_size (16)")
    assert load_config(None, ["data.train_batch_size=12", "actor.ppo_mini_batch_size=6"])


@pytest.mark.parametrize("ratio, ok", [(0.0, True), (1.0, True), (0.3, True), (-0.01, False), (1.01, False)])
def test_mask_ratio_is_a_probability(ratio, ok):
    if ok:
        assert load_config(None, [f"mask.ratio={ratio}"]).mask.ratio == ratio
    else:
        (problem,) = problems_of(None, [f"mask.ratio={ratio}"])
        assert problem.startswith("mask.ratio: must be a probability in [0, 1]")


@pytest.mark.parametrize("key", ["actor.clip_ratio_low", "actor.clip_ratio_high"])
def test_clip_ratios_must_be_positive(key):
    (problem,) = problems_of(None, [f"{key}=0"])
    assert problem.startswith(f"{key}: must be")


@pytest.mark.parametrize("key", ["data.train_batch_size", "data.max_prompt_length", "rollout.val_n",
                                 "actor.ppo_mini_batch_size", "mask.repeat_window", "trainer.total_steps"])
def test_counts_must_be_positive_integers(key):
    problems = problems_of(None, [f"{key}=0"])
    assert any(p.startswith(f"{key}: must be a positive integer") for p in problems)


def test_group_estimators_need_at_least_two_responses_per_prompt():
    (problem,) = problems_of(None, ["rollout.n=1"])
    assert problem.startswith("rollout.n: must be >= 2 for adv_estimator grpo")


def test_temperature_must_be_positive_at_every_stage():
    (problem,) = problems_of(None, ["rollout.temperature={kind: staged, stages: [[0, 0.6], [10, 0]]}"])
    assert problem.startswith("rollout.temperature: every value must be > 0")
    assert load_config(None, ["rollout.val_temperature=0"]).rollout.val_temperature == 0.0  # greedy is fine


def test_schedules_must_be_well_formed():
    (problem,) = problems_of(None, ["rollout.temperature={kind: staged, stages: [[10, 0.6], [5, 1.8]]}"])
    assert problem.startswith("rollout.temperature:")
    assert "start at step 0" in problem and "strictly increasing" in problem
    (problem,) = problems_of(None, ["data.max_response_length={kind: auto, candidates: [1.0], target: 0.5}"])
    assert problem.startswith("data.max_response_length:") and "rollout.temperature only" in problem
    (problem,) = problems_of(None, ["rollout.temperature=hot"])
    assert problem.startswith("rollout.temperature: expected a number or a mapping")


def test_overrides_are_parsed_as_yaml():
    cfg = load_config(None, [
        "actor.lr=1e-4",
        "actor.use_kl_loss=true",
        "model.path=/models/tiny",
        "rollout.temperature={kind: staged, stages: [[0, 0.6], [140, 1.8]]}",
        "data.max_response_length={kind: staged, stages: [[0, 4096], [260, 8192]]}",
    ])
    assert cfg.actor.lr == 1e-4 and isinstance(cfg.actor.lr, float)
    assert cfg.actor.use_kl_loss is True and cfg.model.path == "/models/tiny"
    temp = cfg.rollout.temperature_schedule()
    assert isinstance(temp, StagedSchedule) and temp.value_at(139) == 0.6 and temp.value_at(140) == 1.8
    assert cfg.data.max_response_length_schedule().value_at(260) == 8192


def test_malformed_overrides_are_reported():
    problems = problems_of(None, ["actor.lr", "actor.lr=[1,", "=3"])
    assert len(problems) == 3 and all(p.startswith("override ") for p in problems)


def test_layers_apply_in_order_preset_then_file_then_overrides(tmp_path):
    path = write(tmp_path, "preset: dapo\nactor: {clip_ratio_high: 0.3, lr: 1.0e-5}\n")
    cfg = load_config(path, ["actor.lr=2e-5"])
    assert cfg.actor.use_kl_loss is False  # from the preset
    assert cfg.actor.clip_ratio_high == 0.3  # the file beats the preset
    assert cfg.actor.lr == 2e-5  # the override beats the file
    assert cfg.actor.ppo_mini_batch_size == RunConfig().actor.ppo_mini_batch_size  # untouched default


def test_defaults_key_works_like_preset(tmp_path):
    assert load_config(write(tmp_path, "defaults: [grpo]\n")) == load_config(None, preset="grpo")


def test_preset_argument_wins_over_the_file_preset(tmp_path):
    path = write(tmp_path, "preset: grpo\n")
    assert load_config(path, preset="dapo") == load_config(None, preset="dapo")
    assert load_config(path, ["preset=dapo"]) == load_config(None, preset="dapo")


def test_unknown_preset_lists_the_presets():
    (problem,) = problems_of(None, preset="dapo2")
    assert "did you mean 'dapo'?" in problem and "dapo, grpo, microcoder-grpo" in problem


def test_presets_are_the_design_deltas():
    assert preset_names() == ["dapo", "grpo", "microcoder-grpo"]
    grpo, dapo, mc = (load_config(None, preset=p) for p in ("grpo", "dapo", "microcoder-grpo"))
    assert grpo.actor.use_kl_loss and grpo.actor.clip_ratio_high == 0.2 and grpo.mask.mode == "none"
    assert (dapo.actor.clip_ratio_low, dapo.actor.clip_ratio_high) == (0.2, 0.28)
    assert not dapo.actor.use_kl_loss and dapo.actor.loss_agg_mode == "token-mean"
    assert dapo.reward.overlong_buffer.enable and dapo.reward.overlong_buffer.len < dapo.data.max_response_length
    assert mc.mask.mode == "conditional" and mc.mask.repeat_window == 128 and 0 < mc.mask.ratio < 1
    assert not mc.actor.use_kl_loss and mc.actor.clip_ratio_high > mc.actor.clip_ratio_low
    assert isinstance(mc.rollout.temperature_schedule(), AutoSchedule)


@pytest.mark.parametrize("preset", [None, "grpo", "dapo", "microcoder-grpo"])
def test_to_yaml_round_trips(tmp_path, preset):
    cfg = load_config(None, ["rollout.temperature={kind: linear, start: 0.6, end: 1.2, to_step: 10}"]
                      if preset is None else [], preset=preset)
    again = load_config(write(tmp_path, to_yaml(cfg)))
    assert again == cfg


def test_to_dict_gives_plain_containers():
    d = to_dict(load_config(None, preset="microcoder-grpo"))
    assert type(d) is dict and type(d["rollout"]["temperature"]) is dict
    assert d["rollout"]["temperature"]["kind"] == "auto" and d["actor"]["lr"] == 5e-5
    assert from_dict(d) == load_config(None, preset="microcoder-grpo")


def test_a_schedule_in_a_later_layer_replaces_the_whole_schedule(tmp_path):
    path = write(tmp_path, "rollout:\n  temperature: {kind: staged, stages: [[0, 0.6], [140, 1.8]]}\n")
    cfg = load_config(path, preset="microcoder-grpo")  # the preset's auto schedule is replaced, not merged
    assert cfg.rollout.temperature == {"kind": "staged", "stages": [[0, 0.6], [140, 1.8]]}


def test_a_dotted_override_edits_one_field_of_a_schedule():
    cfg = load_config(None, ["rollout.temperature.target=0.5"], preset="microcoder-grpo")
    assert cfg.rollout.temperature["target"] == 0.5 and cfg.rollout.temperature["kind"] == "auto"


def test_overlong_buffer_must_fit_inside_the_max_length():
    (problem,) = problems_of(None, ["reward.overlong_buffer.len=64"], preset="dapo")
    assert problem.startswith("reward.overlong_buffer.len: must be smaller than data.max_response_length")


def test_model_needs_a_path_or_a_preset():
    (problem,) = problems_of(None, ["model.preset=null"])
    assert problem.startswith("model.path, model.preset")
    assert load_config(None, ["model.preset=null", "model.path=/m"]).model.path == "/m"


def test_bad_yaml_files_raise_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "actor: {lr: [1,\n"))
    with pytest.raises(ConfigError, match="duplicate key 'lr'"):
        load_config(write(tmp_path, "actor:\n  lr: 1.0\n  lr: 2.0\n"))
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_config(write(tmp_path, "- 1\n- 2\n"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)


def test_validate_config_checks_configs_built_in_code():
    with pytest.raises(ConfigError, match="actor.lr: must be > 0"):
        validate_config(RunConfig(actor=ActorConfig(lr=-1.0)))
    with pytest.raises(ConfigError, match="actor.lr:.*expected a number"):
        validate_config(RunConfig(actor=ActorConfig(lr="fast")))
    cfg = dataclasses.replace(RunConfig(), actor=ActorConfig(lr=1e-4))
    assert validate_config(cfg) == cfg


def test_omegaconf_errors_come_back_as_config_errors_naming_the_key():
    (problem,) = problems_of(None, ["tracking.project=${nowhere}"])
    assert problem.startswith("tracking.project:") and "nowhere" in problem
