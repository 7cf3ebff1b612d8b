"""`microcoder data filter`: every problem of a prepared split is sampled n times by a real model and judged in the
sandbox; the pass-rate range decides what is written, and the rates of every sampled problem are kept."""

import json

import pandas as pd

import schema_rows as S
from microcoder.cli import main
from microcoder.data.prepare import prepare


def prepared(tmp_path):
    src = tmp_path / "test.jsonl"
    S.write_jsonl(src, S.lcb_rows())
    prepare("livecodebench", [str(src)], tmp_path / "lcb", split="test", template="plain", progress=False)
    return tmp_path / "lcb"


def test_filter_samples_every_problem_judges_it_and_keeps_the_range(tmp_path, tiny_model, capsys):
    folder = prepared(tmp_path)
    ids = [json.loads(line)["id"] for line in (folder / "test.jsonl").read_text().splitlines()]
    args = ["data", "filter", str(folder), "--split", "test", "--model-path", str(tiny_model), "--n", "3",
            "--max-new-tokens", "8", "--device", "cpu"]
    # a random tiny model writes no code block: every response fails, every pass rate is 0
    assert main(args + ["--out", str(tmp_path / "none"), "--low", "0.5", "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)
    assert entry["kept"] == 0 and entry["dropped"] == len(ids) and entry["range"] == [0.5, 1.0] and entry["n"] == 3
    rates = [json.loads(line) for line in (tmp_path / "none" / "pass_rates.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rates] == ids and {(r["pass_rate"], r["passes"], r["n"]) for r in rates} == {(0.0, 0, 3)}
    assert pd.read_parquet(tmp_path / "none" / "test.parquet").empty
    assert main(args + ["--out", str(tmp_path / "all"), "--high", "0.0"]) == 0
    assert len(pd.read_parquet(tmp_path / "all" / "test.parquet")) == len(ids)
    manifest = json.loads((tmp_path / "all" / "manifest.json").read_text())
    assert manifest["filtered"]["kept"] == len(ids) and manifest["filtered"]["model"] == str(tiny_model)
    assert manifest["source"] == "livecodebench"  # the source's provenance is kept beside the filter's


def test_filter_refuses_a_bad_range_and_its_own_folder_before_loading_a_model(tmp_path, capsys):
    folder = prepared(tmp_path)
    assert main(["data", "filter", str(folder), "--out", str(tmp_path / "x"), "--preset", "micro",
                 "--low", "0.9", "--high", "0.1"]) == 2
    assert "0 <= low <= high <= 1" in capsys.readouterr().err
    assert main(["data", "filter", str(folder), "--out", str(folder), "--preset", "micro"]) == 2
    assert "new folder" in capsys.readouterr().err
