"""Sweep specs: the malformed ones fail naming their key, the shipped ones plan at both scales and carry the
study's settings, and expansion names, crosses and branches runs as documented (fast: no Ray, no training)."""

import json
import re
from pathlib import Path

import pytest
import yaml

from microcoder.cli import main
from sweeps.expand import expand, flatten_config
from sweeps.plan import Plan, format_plan, load_plan, make_plan, save_plan
from sweeps.spec import SpecError, load_spec, parse_spec

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "sweeps" / "specs"
MALFORMED = sorted((Path(__file__).parent / "malformed").glob("*.yaml"))
STUDY = ["evaluator", "temperature", "data", "context_length", "truncation_mask", "batch_size", "kl_clip",
         "generations", "algorithms"]


def expectations(path: Path) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^# expect: (.*)$", path.read_text(), re.M)]


@pytest.mark.parametrize("path", MALFORMED, ids=[p.stem for p in MALFORMED])
def test_malformed_spec_exits_nonzero_naming_the_key_and_writes_nothing(path, tmp_path, capsys):
    expected = expectations(path)
    assert expected, f"{path.name} has no '# expect:' line"
    out = tmp_path / "runs"
    assert main(["sweep", "plan", str(path)]) == 2
    assert main(["sweep", "run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, f"{text!r} not in:\n{err}"
    assert not out.exists()  # nothing submitted, no run directory


def test_every_problem_of_a_spec_is_listed_at_once():
    with pytest.raises(SpecError) as e:
        make_plan(Path(__file__).parent / "malformed" / "many_mistakes.yaml")
    assert len(e.value.problems) == len(expectations(Path(__file__).parent / "malformed" / "many_mistakes.yaml"))


def test_plan_help_lists_every_spec_key_with_its_doc(capsys):
    from sweeps.spec import TOP_KEYS, Resources, StopRule, spec_keys

    with pytest.raises(SystemExit):
        main(["sweep", "plan", "--help"])
    out = capsys.readouterr().out
    for k in (*TOP_KEYS, *spec_keys(Resources), *spec_keys(StopRule)):
        assert re.search(rf"^ +(\w+\|)?{re.escape(k)}(\|\w+)? +\S", out, re.M), k
    assert "retries of a failed run before it is given up (default 2)" in out


@pytest.mark.parametrize("bad, message", [
    ({"tracking": []}, "tracking: expected {project, mode}, got []"),
    ({"figure": True}, "figure: expected text, got True"),
    ({"description": False}, "description: expected text, got False"),
])
def test_a_wrong_value_that_is_falsy_or_a_bool_is_not_taken_as_absent_or_text(bad, message):
    with pytest.raises(SpecError) as e:
        parse_spec({"name": "s", **bad})
    assert message in e.value.problems


def test_unknown_scale_names_the_scales_the_spec_has():
    with pytest.raises(SpecError, match=r"scales: no scale 'tiny' in this spec \(its scales: micro\)"):
        make_plan(SPECS / "temperature.yaml", scale="tiny")


# ---------------------------------------------------------------------------------------------- shipped specs


def test_a_spec_ships_for_every_study_figure_plus_the_demo():
    assert sorted(p.stem for p in SPECS.glob("*.yaml")) == sorted(STUDY + ["demo"])


@pytest.mark.parametrize("name", STUDY)
def test_study_spec_plans_on_verl_with_qwen3_4b_and_at_micro_scale_on_the_local_backend(name):
    study = make_plan(SPECS / f"{name}.yaml")
    assert study.backend == "verl" and study.spec.resources.gpus_per_run >= 1
    models = {r.config["model"]["path"] or r.config["model"]["preset"] for r in study.runs}
    assert models & {"qwen3-4b-instruct", "Qwen/Qwen3-4B-Instruct-2507"}, models
    assert all(r.config["data"]["max_response_length"] >= 4096 for r in study.runs)
    micro = make_plan(SPECS / f"{name}.yaml", scale="micro")
    assert micro.backend == "local" and micro.name == f"{name}-micro"
    assert {r.arm for r in micro.runs} == {r.arm for r in study.runs} or name == "algorithms"
    assert all(r.config["model"]["preset"].startswith("micro") for r in micro.runs)


@pytest.mark.parametrize("name", STUDY)
def test_micro_scale_is_sized_for_its_claims(name):
    """Issue 12: >= 3 seeds, enough steps for the micro policy's learning to show, an overlong buffer scaled to the
    length limit (not DAPO's default, which would swallow a micro limit), and where the spec is about length a
    limit that the micro policy's ~24-token responses reach; a fixed test set of >= 400 samples."""
    micro = make_plan(SPECS / f"{name}.yaml", scale="micro")
    assert len({r.seed for r in micro.runs}) >= 3
    limits = {r.config["data"]["max_response_length"] for r in micro.runs}
    assert max(limits) <= 64 and (min(limits) <= 32 or name not in ("truncation_mask", "context_length"))
    for r in micro.runs:
        cfg = r.config
        limit = cfg["data"]["max_response_length"]
        assert r.total_steps * cfg["data"]["train_batch_size"] >= 24 * 16 and r.total_steps <= 60, r.name  # prompts
        assert cfg["reward"]["overlong_buffer"]["len"] <= limit / 6, r.name
        assert cfg["data"]["test_size"] * cfg["rollout"]["val_n"] >= 400
        assert cfg["mask"]["repeat_window"] <= limit // 4  # the repetition test can fire on such short responses


def test_the_whole_micro_reproduction_fits_its_budget():
    from sweeps.reproduce import budget, plan_study, study_specs

    plans = [plan_study(p) for p in study_specs()]
    assert sorted(p.spec.raw["name"] for p in plans) == sorted(f"{n}-micro" for n in STUDY)
    assert budget(plans, cores=2)["estimated_s"] <= 2 * 3600


def differing(plan: Plan, key: str) -> dict:
    return {r.name: flatten_config(r.config)[key] for r in plan.runs}


def test_temperature_spec_is_figure_7_2():
    plan = make_plan(SPECS / "temperature.yaml")
    assert differing(plan, "rollout.temperature") == {"t0.6-s0": 0.6, "t1.2-s0": 1.2, "t1.8-s0": 1.8,
                                                      "t0.6-to-1.2-s0": 1.2, "t0.6-to-1.8-s0": 1.8}
    branches = {r.name: (r.parent, r.at_step) for r in plan.runs if r.parent}
    assert branches == {"t0.6-to-1.2-s0": ("t0.6-s0", 140), "t0.6-to-1.8-s0": ("t0.6-s0", 140)}
    assert {r.config["data"]["train"] for r in plan.runs} == {"open-r1"}
    assert plan.spec.stop and plan.spec.stop[0].metric == "train/response_diversity"


def test_context_length_spec_is_figure_10_2():
    plan = make_plan(SPECS / "context_length.yaml")
    assert differing(plan, "data.max_response_length") == {"4k-s0": 4096, "6k-s0": 6144, "8k-s0": 8192,
                                                           "6k-to-8k-s0": 8192, "4k-to-8k-s0": 8192}
    assert {r.name: (r.parent, r.at_step) for r in plan.runs if r.parent} == {
        "6k-to-8k-s0": ("6k-s0", 260), "4k-to-8k-s0": ("4k-s0", 260)}


def test_truncation_mask_batch_size_and_algorithm_specs_match_their_captions():
    mask = make_plan(SPECS / "truncation_mask.yaml")
    modes = {r.arm: (r.config["mask"]["mode"], r.config["mask"]["ratio"]) for r in mask.runs}
    assert modes["no-mask"][0] == "none" and modes["mask-all"][0] == "complete"
    assert [modes[f"cond-mask-{p}"] for p in (10, 20, 30)] == [("conditional", 0.1), ("conditional", 0.2),
                                                                ("conditional", 0.3)]
    assert {r.config["data"]["max_response_length"] for r in mask.runs} == {4096}
    batch = make_plan(SPECS / "batch_size.yaml")
    sizes = {r.config["data"]["train_batch_size"]: r for r in batch.runs}
    assert sorted(sizes) == [32, 64, 128]
    assert len({r.config["actor"]["ppo_mini_batch_size"] for r in batch.runs}) == 1
    assert len({b * r.total_steps for b, r in sizes.items()}) == 1  # equal data: the x axis is relative data
    algos = make_plan(SPECS / "algorithms.yaml")
    by_arm = {r.arm: r.config for r in algos.runs}
    assert by_arm["grpo"]["actor"]["use_kl_loss"] and not by_arm["dapo"]["actor"]["use_kl_loss"]
    assert by_arm["microcoder-grpo"]["mask"]["mode"] == "conditional"
    assert {r.config["rollout"]["temperature"] for r in algos.runs} == {1.2}
    assert len(algos.runs) == 6  # 3 algorithms × 2 model sizes


def test_demo_is_local_small_and_has_a_branch():
    plan = make_plan(SPECS / "demo.yaml")
    assert plan.backend == "local" and 3 <= len(plan.runs) <= 6
    assert any(r.parent for r in plan.runs)
    assert sum(r.steps_to_run for r in plan.runs) <= 60


# ---------------------------------------------------------------------------------------------- expansion


def spec_of(**kw) -> dict:
    base = {"name": "s", "set": {"trainer.total_steps": 10, "trainer.save_freq": 5}}
    base.update(kw)
    return base


def test_arms_cross_grid_and_seeds_with_deterministic_safe_names():
    spec = parse_spec(spec_of(arms={"kl": {"actor.use_kl_loss": True}, "nokl": {}},
                              grid={"rollout.temperature": [0.6, 1.2], "data.train": ["micro-easy", "micro-hard"]},
                              seeds=[0, 1]))
    runs = expand(spec)
    names = [r.name for r in runs]
    assert len(runs) == 2 * 2 * 2 * 2 and len(set(names)) == len(names)
    assert "kl-temperature0.6-micro-easy-s0" in names and "nokl-temperature1.2-micro-hard-s1" in names
    assert all(re.fullmatch(r"[A-Za-z0-9._+-]+", n) for n in names)
    assert names == [r.name for r in expand(parse_spec(spec_of(
        arms={"kl": {"actor.use_kl_loss": True}, "nokl": {}},
        grid={"rollout.temperature": [0.6, 1.2], "data.train": ["micro-easy", "micro-hard"]}, seeds=[0, 1])))]
    assert {r.arm for r in runs} == {"kl", "nokl"}
    assert {r.config["trainer"]["seed"] for r in runs} == {0, 1}


def test_grid_without_arms_makes_the_grid_label_the_arm():
    runs = expand(parse_spec(spec_of(grid={"data.train_batch_size": [8, 16]})))
    assert [(r.name, r.arm) for r in runs] == [("train_batch_size8-s0", "train_batch_size8"),
                                               ("train_batch_size16-s0", "train_batch_size16")]


def test_branch_keeps_the_parent_config_but_its_own_overrides_and_starts_after_at_step():
    runs = expand(parse_spec(spec_of(arms={"cold": {"rollout.temperature": 0.6, "actor.lr": 1e-4}},
                                     branches={"warm": {"from": "cold", "at_step": 5,
                                                        "set": {"rollout.temperature": 1.2}}}, seeds=[0, 3])))
    branch = {r.name: r for r in runs}["warm-s3"]
    assert (branch.parent, branch.at_step, branch.arm, branch.seed) == ("cold-s3", 5, "warm", 3)
    assert branch.config["actor"]["lr"] == 1e-4 and branch.config["rollout"]["temperature"] == 1.2
    assert branch.first_step == 6 and branch.steps_to_run == 5
    assert [r.name for r in runs].index("cold-s3") < [r.name for r in runs].index("warm-s3")


def test_values_that_differ_become_tags_and_leave_the_seed_out():
    runs = expand(parse_spec(spec_of(arms={"a": {"rollout.temperature": 0.6}, "b": {"rollout.temperature": 1.2}},
                                     seeds=[0, 1])))
    assert {tuple(r.tags) for r in runs} == {("rollout.temperature=0.6",), ("rollout.temperature=1.2",)}
    assert all(list(r.differ) == ["rollout.temperature"] for r in runs)


def test_an_arm_may_switch_the_algorithm_preset_over_a_preset_base():
    runs = expand(parse_spec(spec_of(base="dapo", arms={"grpo": {"preset": "grpo"}, "dapo": {}})))
    cfg = {r.arm: r.config for r in runs}
    assert cfg["grpo"]["actor"]["use_kl_loss"] is True and cfg["grpo"]["actor"]["clip_ratio_high"] == 0.2
    assert cfg["dapo"]["actor"]["clip_ratio_high"] == 0.28


def test_schedule_values_are_allowed_and_named_by_kind():
    staged = {"kind": "staged", "stages": [[0, 0.6], [5, 1.2]]}
    runs = expand(parse_spec(spec_of(grid={"rollout.temperature": [1.0, staged]})))
    assert runs[1].config["rollout"]["temperature"] == staged
    assert runs[1].name.startswith("staged") and runs[0].name == "temperature1-s0"


def test_scale_overlay_merges_key_by_key_deletes_nulls_and_renames_the_sweep(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({
        "name": "ctx", "backend": "verl", "set": {"model.preset": "qwen3-4b-instruct", "data.train": "x",
                                                  "data.test": "y", "trainer.total_steps": 100},
        "arms": {"short": {"data.max_response_length": 4096}, "long": {"data.max_response_length": 8192}},
        "branches": {"ext": {"from": "short", "at_step": 50, "set": {"data.max_response_length": 8192}}},
        "resources": {"gpus_per_run": 8, "step_seconds": 300},
        "scales": {"micro": {"backend": "local",
                             "set": {"model.preset": "micro", "data.train": None, "data.test": None,
                                     "trainer.total_steps": 10},
                             "arms": {"short": {"data.max_response_length": 32}, "long": None},
                             "branches": {"ext": {"at_step": 5}}, "resources": {"gpus_per_run": 0}}}}))
    spec = load_spec(path, scale="micro")
    assert spec.name == "ctx-micro" and spec.backend == "local" and list(spec.arms) == ["short"]
    assert spec.set == {"model.preset": "micro", "trainer.total_steps": 10}
    assert spec.branches[0].at_step == 5 and spec.branches[0].set == {"data.max_response_length": 8192}
    assert spec.resources.gpus_per_run == 0 and spec.resources.step_seconds == 300


# ---------------------------------------------------------------------------------------------- plan


def test_plan_table_and_json_give_runs_totals_and_the_wandb_group(capsys):
    assert main(["sweep", "plan", str(SPECS / "temperature.yaml")]) == 0
    text = capsys.readouterr().out
    assert "t0.6-to-1.8-s0" in text and "t0.6-s0@140" in text and "rollout.temperature=1.8" in text
    assert "2220 training steps" in text and "1480 GPU-hours" in text
    assert "group temperature" in text
    assert main(["sweep", "plan", str(SPECS / "temperature.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["wandb"] == {"project": "microcoder", "group": "temperature", "mode": "offline"}
    assert data["totals"]["runs"] == 5 and data["totals"]["steps"] == 3 * 500 + 2 * 360
    assert data["totals"]["gpu_hours"] == pytest.approx(2220 * 300 * 8 / 3600, abs=0.01)


def test_sweep_json_round_trips_the_plan(tmp_path):
    plan = make_plan(SPECS / "demo.yaml")
    save_plan(plan, tmp_path / "demo")
    back = load_plan(tmp_path / "demo")
    assert [r.to_dict() for r in back.runs] == [r.to_dict() for r in plan.runs]
    assert back.spec.stop == plan.spec.stop and back.spec.resources == plan.spec.resources
    assert format_plan(back) == format_plan(plan)


def test_run_on_a_folder_holding_another_plan_refuses_and_touches_nothing(tmp_path, capsys):
    plan = make_plan(SPECS / "demo.yaml")
    save_plan(plan, tmp_path / "demo")
    other = tmp_path / "other.yaml"
    data = yaml.safe_load((SPECS / "demo.yaml").read_text())
    data["arms"]["t1.2"] = {"rollout.temperature": 1.3}
    other.write_text(yaml.safe_dump(data))
    before = (tmp_path / "demo" / "sweep.json").read_bytes()
    assert main(["sweep", "run", str(other), "--out", str(tmp_path)]) == 2
    assert "holds another plan" in capsys.readouterr().err
    assert (tmp_path / "demo" / "sweep.json").read_bytes() == before
