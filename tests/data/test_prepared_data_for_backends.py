"""Prepared data reaches both backends: the local backend's loader resolves a prepared folder or a name under
$MICROCODER_DATA_DIR to the same Problems verl judges, the prompt follows the run config's template, unknown names
list the valid ones; the `microcoder data` commands work end to end."""

from __future__ import annotations

import json

import pytest

import schema_rows as S
from microcoder.cli import main
from microcoder.config import CHOICES, load_config
from microcoder.data.micro import generate
from microcoder.data.micro import load_dataset as micro_load_dataset
from microcoder.data.prepare import prepare
from microcoder.data.prompts import PROMPTS, prompt_text, render
from microcoder.data.resolve import UnknownDataset, load_dataset
from microcoder.evaluator.problems import problem_from_ground_truth
from microcoder.registry import RegistryError


def _lcb(tmp_path, out="lcb-test"):
    src = tmp_path / "test.jsonl"
    S.write_jsonl(src, S.lcb_rows())
    prepare("livecodebench", [str(src)], tmp_path / "data" / out, split="test", progress=False)
    return tmp_path / "data" / out


def test_config_template_choices_are_the_prompt_registry():
    assert set(CHOICES["data.prompt_template"]) == set(PROMPTS.names())
    assert load_config(None, []).data.prompt_template == "livecodebench"
    with pytest.raises(ValueError, match="data.prompt_template"):
        load_config(None, ["data.prompt_template=fancy"])


def test_prepared_folder_and_name_load_the_problems_verl_judges(tmp_path, monkeypatch):
    folder = _lcb(tmp_path)
    by_dir = load_dataset(str(folder), "test")
    monkeypatch.setenv("MICROCODER_DATA_DIR", str(tmp_path / "data"))
    by_name = load_dataset("lcb-test", "test")
    via_micro_loader = micro_load_dataset("lcb-test", "test")  # the probes' call path
    import pyarrow.parquet as pq

    verl = [problem_from_ground_truth(r["reward_model"]["ground_truth"])
            for r in pq.read_table(folder / "test.parquet").to_pylist()]
    assert [p.problem for p in by_dir] == [p.problem for p in by_name] == [p.problem for p in via_micro_loader] == verl
    assert by_dir[0].prompt == prompt_text(render("livecodebench", "Print A+B."))
    assert len(load_dataset("lcb-test", "test", n=1)) == 1


def test_run_config_template_re_renders_the_prompt(tmp_path):
    folder = _lcb(tmp_path)
    plain = load_dataset(str(folder), "test", template="plain")
    assert plain[1].prompt == prompt_text(render("plain", "Add k to each number.", S.STARTER, "call", "addAll"))
    assert "### Question" not in plain[0].prompt and "Print A+B." in plain[0].prompt


def test_unknown_dataset_lists_micro_and_prepared_names_and_what_was_looked_for(tmp_path, monkeypatch):
    _lcb(tmp_path)
    monkeypatch.setenv("MICROCODER_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(UnknownDataset) as e:
        load_dataset("lcb-tset", "test")
    msg = str(e.value)
    assert "micro-mixed" in msg and "lcb-test" in msg and str(tmp_path / "data" / "lcb-tset" / "test.jsonl") in msg
    with pytest.raises(RegistryError):  # the prepared folder has no train split
        load_dataset("lcb-test", "train")


def test_data_commands_prepare_stats_and_decontam_end_to_end(tmp_path, capsys):
    long = ("You are given an integer array nums and an integer k. Return the array obtained by adding k to every "
            "element of nums, keeping the order of the elements. The array may be empty, and its values and k may "
            "be negative; the answer must have the same length as nums.")
    rows = S.lcb_rows()
    rows[1]["question_content"] = long
    src = tmp_path / "test.jsonl"
    S.write_jsonl(src, rows)
    test_dir, train_dir = tmp_path / "lcb", tmp_path / "train"
    assert main(["data", "prepare", "--source", "livecodebench", "--input", str(src), "--out", str(test_dir),
                 "--split", "test"]) == 0
    assert "written 2, malformed 0, rejected 0" in capsys.readouterr().out
    # training data: one copy of a test statement (re-worded whitespace/case), one new problem
    own = [{"id": "leak", "question": "  print a+B. ", "tests": [{"input": "1 2\n", "output": "3\n"}]},
           {"id": "near", "question": long.replace("Return", "Output") + " Constraints: 0 <= len(nums) <= 100.",
            "tests": [{"input": "1\n", "output": "1\n"}]},
           {"id": "fresh", "question": "Reverse a string read from stdin and print it back to the user please.",
            "tests": [{"input": "ab\n", "output": "ba\n"}]}]
    S.write_jsonl(tmp_path / "own.jsonl", own)
    assert main(["data", "prepare", "--source", "microcoder", "--input", str(tmp_path / "own.jsonl"), "--out",
                 str(train_dir), "--template", "plain"]) == 0
    capsys.readouterr()
    assert main(["data", "stats", str(test_dir), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)["test"]
    assert stats["problems"] == 2 and stats["by"]["platform"] == {"atcoder": 1, "leetcode": 1}
    assert stats["by"]["style"] == {"stdin": 1, "call": 1} and stats["tests_per_problem"]["total"] == 6
    assert stats["prepared"]["template"] == "livecodebench"
    assert main(["data", "stats", str(test_dir)]) == 0
    assert "platform    atcoder 1  leetcode 1" in capsys.readouterr().out
    clean = tmp_path / "clean"
    assert main(["data", "decontam", str(train_dir), str(test_dir), "--write-clean", str(clean), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["overlapping_train_ids"] == ["leak", "near"]
    assert {(o["train_id"], o["test_id"], o["kind"]) for o in report["overlaps"]} == {
        ("leak", "abc900_a", "exact"), ("near", "3999", "ngram")}
    assert [json.loads(ln)["id"] for ln in open(clean / "train.jsonl")] == ["fresh"]
    import pyarrow.parquet as pq

    assert [r["extra_info"]["id"] for r in pq.read_table(clean / "train.parquet").to_pylist()] == ["fresh"]
    assert main(["data", "prepare", "--source", "nope", "--input", str(src), "--out", str(tmp_path / "x")]) == 2
    assert "valid:" in capsys.readouterr().err


@pytest.mark.slow
def test_local_backend_trains_and_tests_on_prepared_data(tmp_path, monkeypatch):
    from microcoder.backends.local import run_local
    from microcoder.run_store import RunStore

    probs = generate(40, tier="easy", seed=3, split="train")
    own = [{"id": mp.problem.id, "question": mp.prompt, "style": mp.problem.style, "fn_name": mp.problem.fn_name,
            "platform": mp.problem.platform, "difficulty": mp.problem.difficulty,
            "tests": [{"input": t.input, "output": t.output} for t in mp.problem.tests]} for mp in probs]
    S.write_jsonl(tmp_path / "own.jsonl", own)
    for split in ("train", "test"):
        prepare("microcoder", [str(tmp_path / "own.jsonl")], tmp_path / "data" / "own", split=split,
                progress=False, template="plain")
    monkeypatch.setenv("MICROCODER_DATA_DIR", str(tmp_path / "data"))
    cfg = load_config(None, ["data.train=own", "data.test=own", "data.prompt_template=plain",
                             "data.max_prompt_length=256", "data.train_batch_size=4", "actor.ppo_mini_batch_size=2",
                             "rollout.n=2", "data.test_size=8", "rollout.val_n=1", "trainer.total_steps=1",
                             "trainer.test_freq=1", "trainer.save_freq=0", "data.max_response_length=32"])
    run_local(cfg, tmp_path / "runs", sweep="data", run="own", log=lambda s: None)
    store = RunStore(tmp_path / "runs", "data", "own")
    rows = store.read_metrics()
    assert [r["step"] for r in rows] == [0, 1] and "test/accuracy" in rows[-1]
    samples = [json.loads(ln) for f in sorted(store.samples_dir.glob("*.jsonl")) for ln in open(f)]
    assert samples and all("Answer with the complete program" in s["prompt"] for s in samples)


def test_a_broken_line_of_a_local_jsonl_dataset_is_named_by_file_and_line(tmp_path):
    path = tmp_path / "mine.jsonl"
    good = {"id": "x", "style": "stdin", "tests": [{"input": "1\n", "output": "1\n"}]}
    path.write_text(json.dumps(good) + "\n" + json.dumps({"id": "y"}) + "\n")
    with pytest.raises(ValueError, match=rf"{path}:2: problem 'y': tests must be"):
        load_dataset(str(path), "train")
    path.write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(ValueError, match=rf"{path}:2: invalid JSON"):
        load_dataset(str(path), "train")
