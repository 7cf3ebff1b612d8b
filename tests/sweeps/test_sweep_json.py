"""sweep.json is one versioned record: `save_plan` writes it, `load_plan` reads it (for `sweep resume`/`status` and
for the analysis), and a file of another format version, or of none, is refused naming the file."""

import json
import re

import pytest
import yaml

from analysis.loading import load_run_store, read_sweep_meta
from microcoder.run_store import RunStore
from sweeps.plan import PLAN_VERSION, load_plan, make_plan, save_plan
from sweeps.spec import SpecError

LABELS = {"t0.6": "t=0.6", "t1.2": "t=1.2", "t0.6-to-1.8": "t=0.6->1.8"}
SPEC = {"name": "temperature", "figure": "7_2", "base": "microcoder-grpo",
        "set": {"model.preset": "micro", "trainer.total_steps": 4, "trainer.save_freq": 2},
        "arms": {"t0.6": {"rollout.temperature": 0.6}, "t1.2": {"rollout.temperature": 1.2}},
        "branches": {"t0.6-to-1.8": {"from": "t0.6", "at_step": 2, "set": {"rollout.temperature": 1.8}}},
        "seeds": [0, 1], "labels": LABELS, "ours": "t0.6-to-1.8"}


def labelled_temperature_plan(tmp_path):
    """Two arms and a branch at step 2, two seeds, with legend labels and an `ours` arm (planned as `sweep run`)."""
    spec = tmp_path / "temperature.yaml"
    spec.write_text(yaml.safe_dump(SPEC, sort_keys=False))
    return make_plan(spec)


def test_sweep_json_round_trips_arms_parents_branch_steps_and_labels_to_the_analysis(tmp_path):
    plan = labelled_temperature_plan(tmp_path)
    path = save_plan(plan, tmp_path / "runs" / "temperature")
    assert json.loads(path.read_text())["version"] == PLAN_VERSION

    back = load_plan(path.parent)
    assert [r.to_dict() for r in back.runs] == [r.to_dict() for r in plan.runs]
    assert back.spec.labels == LABELS and back.spec.ours == "t0.6-to-1.8" and back.spec.figure == "7_2"

    meta, runs, note = read_sweep_meta(path.parent)  # what the figures, the table and the report are drawn from
    assert note is None
    assert meta.arms == ["t0.6", "t1.2", "t0.6-to-1.8"]  # arms, then branches: the legend order
    assert meta.labels == LABELS and meta.ours == "t0.6-to-1.8" and meta.figure == "7_2"
    assert meta.spec["name"] == "temperature"
    assert {n: (r.arm, r.seed, r.parent, r.at_step) for n, r in runs.items()} == {
        "t0.6-s0": ("t0.6", 0, None, None), "t1.2-s0": ("t1.2", 0, None, None),
        "t0.6-s1": ("t0.6", 1, None, None), "t1.2-s1": ("t1.2", 1, None, None),
        "t0.6-to-1.8-s0": ("t0.6-to-1.8", 0, "t0.6-s0", 2), "t0.6-to-1.8-s1": ("t0.6-to-1.8", 1, "t0.6-s1", 2)}
    assert runs["t0.6-to-1.8-s0"].differ["rollout.temperature"] == 1.8


def test_a_loaded_branch_run_gets_its_parent_step_and_label_from_sweep_json(tmp_path):
    plan = labelled_temperature_plan(tmp_path)
    root = tmp_path / "runs"
    save_plan(plan, root / plan.name)
    for run in ("t0.6-s0", "t0.6-to-1.8-s0"):  # no status.json: parent and branch step come from sweep.json only
        store = RunStore(root, plan.name, run)
        for step in (3, 4) if run != "t0.6-s0" else (0, 1, 2):
            store.log(step, {"train/response_diversity": 0.5})
    sweep = load_run_store([root]).sweep(plan.name)
    assert sweep.records["t0.6-to-1.8-s0"].parent == "t0.6-s0" and sweep.branch_step("t0.6-to-1.8") == 2
    assert sweep.label("t0.6-to-1.8") == "t=0.6->1.8" and sweep.meta.ours == "t0.6-to-1.8"


@pytest.mark.parametrize("version", [PLAN_VERSION + 1, None], ids=["unknown", "missing"])
def test_a_sweep_json_of_another_format_version_is_refused_naming_the_file(tmp_path, version):
    plan = labelled_temperature_plan(tmp_path)
    path = save_plan(plan, tmp_path / "runs" / plan.name)
    data = json.loads(path.read_text())
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    path.write_text(json.dumps(data))
    what = "has no format version" if version is None else f"has format version {version}"
    refused = f"{re.escape(str(path))}(.|\n)*sweep.json {what}; this code reads version {PLAN_VERSION}"
    with pytest.raises(SpecError, match=refused):
        load_plan(path.parent)

    RunStore(tmp_path / "runs", plan.name, "t0.6-s0").log(0, {"train/response_diversity": 0.5})
    runs = load_run_store([tmp_path / "runs"])  # the analysis goes on without it, and says which file and why
    assert runs.sweep(plan.name).arms == ["t0.6"]
    assert any(str(path) in note and what in note for note in runs.skipped), runs.skipped


def test_a_sweep_json_that_is_no_plan_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "sw" / "sweep.json"
    path.parent.mkdir()
    path.write_text("{not json")
    with pytest.raises(SpecError, match=f"{re.escape(str(path))}(.|\n)*sweep.json: not JSON"):
        load_plan(path.parent)
    path.write_text(json.dumps({"version": PLAN_VERSION, "name": "sw", "arms": [{"name": "a", "label": "A"}]}))
    with pytest.raises(SpecError, match="`spec` must be a mapping and `runs` a list of planned runs"):
        load_plan(path.parent)
